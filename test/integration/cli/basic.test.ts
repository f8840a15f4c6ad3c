// The CLI as a child process against the shared cluster: produce, topics,
// groups, offsets reset, configs, perf produce, help and usage errors.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Admin } from '../../../src/admin/admin.js';
import { createTopic, describeKafka, kafka, uniqueTopic } from '../kafka.js';
import { eventually, java, javaConsumer, stopChild } from '../admin/helpers.js';
import { buildCli, cleanCli, kafkawire } from './run.js';
import { fetchBatches } from '../fetch.js';

describeKafka('kafkawire CLI (child process)', () => {
  let admin: Admin;
  const b = ['--bootstrap', kafka.bootstrap];
  beforeAll(async () => {
    admin = new Admin({ bootstrapServers: kafka.bootstrap });
    await buildCli();
  }, 180_000);
  afterAll(async () => {
    await admin.close();
    await cleanCli();
  });

  it('--help lists the commands and the exit codes; a bad option is a one-line usage error with exit 2', async () => {
    const help = await kafkawire(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['produce', 'consume', 'get', 'topics', 'groups', 'offsets', 'configs', 'acls', 'check', 'perf']) expect(help.stdout).toContain(`  ${c} `);
    expect(help.stdout).toMatch(/Exit codes:[\s\S]*2 +usage[\s\S]*3 +the cluster could not be reached[\s\S]*4 +denied/);
    const bad = await kafkawire(['topics', 'list', '--nope', ...b]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^kafkawire: error: .*--nope/);
    const noBootstrap = await kafkawire(['topics', 'list']);
    expect(noBootstrap.code).toBe(2);
    expect(noBootstrap.stderr).toContain('KAFKA_BOOTSTRAP');
    // KAFKA_BOOTSTRAP is the default.
    const viaEnv = await kafkawire(['topics', 'list'], { env: { KAFKA_BOOTSTRAP: kafka.bootstrap } });
    expect(viaEnv.code).toBe(0);
  });

  it('an unreachable cluster: one line, exit 3, at once rather than after the retries; --debug logs to stderr', async () => {
    // Retries would last 10 minutes (default.api.timeout.ms), beyond the child's deadline: the CLI must fail at the refused dial.
    const f = path.join(os.tmpdir(), `kafkawire-unreachable-${process.pid}.properties`);
    fs.writeFileSync(f, 'bootstrap.servers=127.0.0.1:1\ndefault.api.timeout.ms=600000\n');
    try {
      const r = await kafkawire(['topics', 'list', '--config', f], { timeoutMs: 60_000 });
      expect(r.code).toBe(3);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^kafkawire: error: .*bootstrap server 127.0.0.1:1.*connection refused/);
    } finally {
      fs.rmSync(f, { force: true });
    }
    const d = await kafkawire(['topics', 'list', '--debug', ...b]);
    expect(d.code).toBe(0);
    expect(d.stderr).toMatch(/kafkawire:connection connected to bootstrap server/);
  });

  it('produce prints where each line went; keys, headers, --partition; topics describe counts match', async () => {
    const topic = uniqueTopic('cli-produce');
    await createTopic(topic, 3);
    const lines = ['k1:hello', 'k2:world', 'k1:again', 'no-key-here'];
    const r = await kafkawire(['produce', topic, '--key-separator', ':', '--header', 'source=cli', '--header', 'n=1', ...b], { input: lines.join('\n') + '\n' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout.trim().split('\n');
    expect(out).toHaveLength(4);
    for (const l of out) expect(l).toMatch(/^partition=\d offset=\d+$/);
    // The same key lands on the same partition (Java's murmur2 partitioning).
    expect(out[0]!.split(' ')[0]).toBe(out[2]!.split(' ')[0]);

    const j = await kafkawire(['produce', topic, '--partition', '2', '--json', '--acks', '1', '--compression', 'gzip', ...b], { input: 'a\nb\n' });
    expect(j.code).toBe(0);
    const recs = j.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(recs.map((x) => [x.topic, x.partition])).toEqual([[topic, 2], [topic, 2]]);
    expect(recs[1].offset).toBe(recs[0].offset + 1);
    expect(typeof recs[0].timestamp).toBe('number');

    const d = await kafkawire(['topics', 'describe', topic, '--json', ...b]);
    expect(d.code).toBe(0);
    const desc = JSON.parse(d.stdout);
    expect(desc.messages).toBe(6);
    expect(desc.partitions.map((p: { partition: number }) => p.partition)).toEqual([0, 1, 2]);
    const byPartition = new Map<number, number>();
    for (const l of [...out, ...recs.map((x) => `partition=${x.partition}`)]) {
      const p = Number(/partition=(\d)/.exec(l)![1]);
      byPartition.set(p, (byPartition.get(p) ?? 0) + 1);
    }
    for (const p of desc.partitions) expect(p.messages).toBe(byPartition.get(p.partition) ?? 0);
    const text = await kafkawire(['topics', 'describe', topic, ...b]);
    expect(text.stdout).toMatch(/PARTITION\s+LEADER\s+REPLICAS\s+ISR\s+LOG-START\s+HIGH-WATERMARK\s+MESSAGES/);
    expect(text.stdout).toContain('Messages: 6');

    // Keys, values and headers arrived as sent.
    const records = (await Promise.all([0, 1, 2].map((p) => fetchBatches(topic, p)))).flatMap((bs) => bs.flatMap((bt) => (bt.control ? [] : bt.records)));
    const seen = records.map((x) => `${x.key?.toString() ?? ''}:${x.value?.toString()}`).sort();
    expect(seen).toEqual([':a', ':b', ':no-key-here', 'k1:again', 'k1:hello', 'k2:world']);
    const withHeaders = records.filter((x) => x.key !== null);
    for (const x of withHeaders) expect(x.headers.map((h) => `${h.key}=${h.value?.toString()}`)).toEqual(['source=cli', 'n=1']);
  });

  it('topics create / list / delete, with per-topic errors', async () => {
    const topic = uniqueTopic('cli-topic');
    const c = await kafkawire(['topics', 'create', topic, '--partitions', '2', '--replication-factor', '1', '--config-entry', 'retention.ms=60000', ...b]);
    expect(c.code).toBe(0);
    expect(c.stdout).toContain(`created topic ${topic} (2 partitions, replication factor 1)`);
    const again = await kafkawire(['topics', 'create', topic, ...b]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('TOPIC_ALREADY_EXISTS');
    expect((await kafkawire(['topics', 'create', topic, '--if-not-exists', ...b])).code).toBe(0);
    await eventually(async () => expect((await kafkawire(['topics', 'list', ...b])).stdout.split('\n')).toContain(topic));
    const missing = uniqueTopic('cli-missing');
    const del = await kafkawire(['topics', 'delete', topic, missing, ...b]);
    expect(del.code).toBe(1);
    expect(del.stdout).toContain(`deleted topic ${topic}`);
    expect(del.stderr).toContain(`${missing}: UNKNOWN_TOPIC_OR_PARTITION`);
    const none = await kafkawire(['topics', 'describe', missing, ...b]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^kafkawire: error: UNKNOWN_TOPIC_OR_PARTITION.*does not exist/);
    // One topic: its error is the command's, said once.
    const one = await kafkawire(['topics', 'delete', missing, ...b]);
    expect(one.code).toBe(1);
    expect(one.stderr).toMatch(/^kafkawire: error: UNKNOWN_TOPIC_OR_PARTITION[^\n]*\n$/);
  });

  it('groups describe: lag matches committed offsets; offsets reset is a dry run unless --execute', async () => {
    const topic = uniqueTopic('cli-lag');
    const group = uniqueTopic('cli-group');
    await createTopic(topic, 2);
    const r = await kafkawire(['produce', topic, '--partition', '0', ...b], { input: 'a\nb\nc\nd\n' });
    expect(r.code).toBe(0);
    await kafkawire(['produce', topic, '--partition', '1', ...b], { input: 'e\nf\n' });
    const committed = await admin.alterConsumerGroupOffsets(group, [{ topic, partition: 0, offset: 1n }, { topic, partition: 1, offset: 2n }]);
    expect(committed.every((x) => x.ok)).toBe(true);

    const d = await kafkawire(['groups', 'describe', group, '--json', ...b]);
    expect(d.code).toBe(0);
    const lag = JSON.parse(d.stdout);
    expect(lag.partitions.map((p: { partition: number; committedOffset: number; endOffset: number; lag: number }) => [p.partition, p.committedOffset, p.endOffset, p.lag])).toEqual([[0, 1, 4, 3], [1, 2, 2, 0]]);
    expect(lag.totalLag).toBe(3);
    const text = await kafkawire(['groups', 'describe', group, ...b]);
    expect(text.stdout).toMatch(new RegExp(`${topic}\\s+0\\s+1\\s+4\\s+3`));
    // Java's tool says the same.
    const javaOut = await java('consumerGroups', ['--bootstrap-server', kafka.bootstrap, '--describe', '--group', group]);
    expect(javaOut).toMatch(new RegExp(`${topic}\\s+0\\s+1\\s+4\\s+3`));

    const listed = await kafkawire(['groups', 'list', '--json', ...b]);
    expect(JSON.parse(listed.stdout).some((g: { groupId: string }) => g.groupId === group)).toBe(true);

    const dry = await kafkawire(['offsets', 'reset', group, topic, '--to', 'earliest', ...b]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('Dry run');
    expect(dry.stdout).toMatch(/0\s+1\s+0/);
    const [still] = await admin.listConsumerGroupOffsets([group]);
    expect(still!.value!.map((o) => o.offset)).toEqual([1n, 2n]);

    const exec = await kafkawire(['offsets', 'reset', group, topic, '--to', '3', '--execute', '--json', ...b]);
    expect(exec.code).toBe(0);
    expect(JSON.parse(exec.stdout)).toMatchObject({ executed: true, partitions: [{ partition: 0, currentOffset: 1, newOffset: 3 }, { partition: 1, currentOffset: 2, newOffset: 2 }] });
    const [now] = await admin.listConsumerGroupOffsets([group]);
    expect(now!.value!.map((o) => o.offset)).toEqual([3n, 2n]); // partition 1 holds 2 records: 3 is clamped to its end

    const latest = await kafkawire(['offsets', 'reset', group, topic, '--to', 'latest', '--partition', '0', '--execute', ...b]);
    expect(latest.code).toBe(0);
    const [after] = await admin.listConsumerGroupOffsets([group]);
    expect(after!.value!.map((o) => o.offset)).toEqual([4n, 2n]);

    const del = await kafkawire(['groups', 'delete', group, ...b]);
    expect(del.code).toBe(0);
    const gone = await kafkawire(['groups', 'describe', group, ...b]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('GROUP_ID_NOT_FOUND');
    const again = await kafkawire(['groups', 'delete', group, ...b]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^kafkawire: error: GROUP_ID_NOT_FOUND[^\n]*\n$/);
  });

  it('offsets reset refuses while the group has active members; groups describe shows the owner', async () => {
    const topic = uniqueTopic('cli-active');
    const group = uniqueTopic('cli-active-group');
    await createTopic(topic, 1);
    const child = javaConsumer(topic, group, 'consumer');
    try {
      await eventually(async () => {
        const d = JSON.parse((await kafkawire(['groups', 'describe', group, '--json', ...b])).stdout);
        expect(d).toMatchObject({ state: 'Stable', type: 'consumer', members: 1 });
        expect(d.partitions[0].owner.clientId).toBe('java-console');
      }, 90_000);
      const r = await kafkawire(['offsets', 'reset', group, topic, '--to', 'earliest', '--execute', ...b]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toMatch(/^kafkawire: error: group \S+ has 1 active member\(s\) \(state Stable\): stop its consumers before resetting offsets$/);
    } finally {
      await stopChild(child);
    }
  });

  it('configs describe and alter a topic', async () => {
    const topic = uniqueTopic('cli-configs');
    await createTopic(topic, 1);
    const alter = await kafkawire(['configs', 'alter', '--topic', topic, '--set', 'retention.ms=123456', '--set', 'cleanup.policy=compact', ...b]);
    expect(alter.code).toBe(0);
    await eventually(async () => {
      const desc = await kafkawire(['configs', 'describe', '--topic', topic, '--json', ...b]);
      const cfg = JSON.parse(desc.stdout);
      expect(cfg.configs).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'retention.ms', value: '123456', source: 'DYNAMIC_TOPIC_CONFIG' })]));
    });
    const del = await kafkawire(['configs', 'alter', '--topic', topic, '--delete', 'retention.ms', ...b]);
    expect(del.code).toBe(0);
    await eventually(async () => {
      const text = await kafkawire(['configs', 'describe', '--topic', topic, ...b]);
      expect(text.stdout).not.toContain('retention.ms');
      expect(text.stdout).toContain('cleanup.policy');
    });
  });

  it('perf produce: the summary fields, as text and --json', async () => {
    const topic = uniqueTopic('cli-perf');
    await createTopic(topic, 1);
    // Java's form: every k=v after --producer-props is a property (the last one is checked below).
    const r = await kafkawire(['perf', 'produce', '--topic', topic, '--num-records', '2000', '--record-size', '100', '--throughput', '-1', '--producer-props', 'acks=1', 'linger.ms=5', 'compression.type=gzip', '--json', ...b]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.records).toBe(2000);
    for (const k of ['recordsPerSec', 'mbPerSec', 'avgLatencyMs', 'maxLatencyMs', 'p50Ms', 'p95Ms', 'p99Ms', 'p999Ms']) expect(s[k]).toBeGreaterThan(0);
    expect(s.p50Ms).toBeLessThanOrEqual(s.p99Ms);
    expect(s.p99Ms).toBeLessThanOrEqual(s.maxLatencyMs);
    // acks=1: the high watermark reaches 2000 once the followers have the records too.
    await eventually(async () => {
      const [end] = await admin.listOffsets([{ topic, partition: 0, spec: 'latest' }]);
      expect(end!.value!.offset).toBe(2000n);
    });
    // compression.type=gzip, the third property, took effect: every batch in the log is gzip (codec 1).
    const batches = await fetchBatches(topic, 0);
    expect(batches.length).toBeGreaterThan(0);
    expect(new Set(batches.map((bt) => bt.compression))).toEqual(new Set([1]));
    const text = await kafkawire(['perf', 'produce', '--topic', topic, '--num-records', '50', '--record-size', '10', '--throughput', '100', ...b]);
    expect(text.stdout).toMatch(/^50 records sent, [\d.]+ records\/sec \([\d.]+ MB\/sec\), [\d.]+ ms avg latency, [\d.]+ ms max latency, [\d.]+ ms 50th, [\d.]+ ms 95th, [\d.]+ ms 99th, [\d.]+ ms 99.9th\.$/m);
  });
});
