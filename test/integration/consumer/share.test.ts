// Share groups (KIP-932) against the real cluster: records shared between
// members, release / reject / lock timeout / delivery limit, and a member
// SIGKILLed while it holds records. Group settings (where a new member starts,
// lock duration, delivery limit) are set per group with IncrementalAlterConfigs
// on the GROUP resource, as `kafka-configs.sh --entity-type groups` does.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { KafkaBrokerError, UnsupportedVersionError } from '../../../src/errors.js';
import type { IncrementalAlterConfigsResponse } from '../../../src/messages/generated/index.js';
import { ConnectionPool } from '../../../src/network/pool.js';
import { Producer } from '../../../src/producer/producer.js';
import { ShareConsumer, type ShareConsumerOptions, type ShareConsumerRecord } from '../../../src/consumer/share/index.js';
import { repoRoot, runChild, srcUrl } from '../../api/child.js';
import { createTopic, describeKafka, kafka, uniqueTopic } from '../kafka.js';

/** Kafka 3.x has no share groups: there the whole file checks the error the consumer gives instead. */
const shareGroups = !kafka.version.startsWith('3.');
/** The broker's floor for share.record.lock.duration.ms (group.share.min.record.lock.duration.ms, 15000 by default). */
const LOCK_MS = 15_000;
const GROUP_RESOURCE = 32;

const open: Array<ShareConsumer<string | null, string | null>> = [];
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((c) => c.close({ timeoutMs: 5000 })));
});

const str = (b: Buffer | null) => (b === null ? null : b.toString());

function consumer(groupId: string, over: Partial<ShareConsumerOptions<string | null, string | null>> = {}): ShareConsumer<string | null, string | null> {
  const c = new ShareConsumer<string | null, string | null>({ bootstrapServers: kafka.bootstrap, groupId, keyDeserializer: str, valueDeserializer: str, fetchMaxWaitMs: 200, ...over });
  open.push(c);
  return c;
}

/** Sets share-group configs (GROUP resource) through IncrementalAlterConfigs. */
async function groupConfig(groupId: string, configs: Record<string, string>): Promise<void> {
  const pool = new ConnectionPool({ bootstrapServers: kafka.bootstrap });
  try {
    await pool.start();
    const res = await pool.request<IncrementalAlterConfigsResponse>('any', 'IncrementalAlterConfigs', {
      resources: [{ resourceType: GROUP_RESOURCE, resourceName: groupId, configs: Object.entries(configs).map(([name, value]) => ({ name, configOperation: 0, value })) }],
      validateOnly: false,
    });
    const r = res.responses[0];
    if (!r || r.errorCode !== 0) throw new Error(`IncrementalAlterConfigs on group ${groupId}: error ${r?.errorCode} ${r?.errorMessage}`);
  } finally {
    await pool.close();
  }
}

async function newQueue(prefix: string, groupConfigs: Record<string, string> = {}) {
  const topic = uniqueTopic(prefix);
  const group = `${topic}-g`;
  await createTopic(topic, 1);
  await groupConfig(group, { 'share.auto.offset.reset': 'earliest', ...groupConfigs });
  return { topic, group };
}

/** Sends values one request at a time, so each is its own batch (and can be acquired on its own). */
async function produce(topic: string, values: string[]): Promise<bigint[]> {
  const p = new Producer({ bootstrapServers: kafka.bootstrap, lingerMs: 0 });
  try {
    const out: bigint[] = [];
    for (const value of values) out.push((await p.send({ topic, value })).offset);
    return out;
  } finally {
    await p.close();
  }
}

/** Polls until `done` says so, or fails with `what` after timeoutMs. */
async function pollUntil<K, V>(c: ShareConsumer<K, V>, what: string, done: (got: ShareConsumerRecord<K, V>[], all: ShareConsumerRecord<K, V>[]) => boolean, timeoutMs = 60_000, each?: (r: ShareConsumerRecord<K, V>) => void) {
  const all: ShareConsumerRecord<K, V>[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await c.poll(500);
    for (const r of got) each?.(r);
    all.push(...got);
    if (done(got, all)) return all;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; got ${all.map((r) => `${r.offset}(x${r.deliveryCount})`).join(' ')}`);
  }
}

async function assigned(...cs: Array<ShareConsumer<string | null, string | null>>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (cs.some((c) => c.assignment().length === 0)) {
    if (Date.now() > deadline) throw new Error('the share group assigned no partition within 60 s');
    await Promise.all(cs.map((c) => c.poll(200)));
  }
}

describeKafka('share groups (KIP-932) against the real cluster', () => {
  if (!shareGroups) {
    it(`Kafka ${kafka.version} has no share groups: poll() fails with an UnsupportedVersionError that says what is needed`, async () => {
      const c = consumer(uniqueTopic('share-old'));
      c.subscribe([uniqueTopic('share-old-topic')]);
      const err = await pollUntil(c, 'the error', () => false, 30_000).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnsupportedVersionError);
      expect((err as Error).message).toMatch(/share groups \(KIP-932\) need Kafka 4\.1/);
    });
    return;
  }

  it('two share consumers on a one-partition topic both receive records, and no record goes to both', async () => {
    const { topic, group } = await newQueue('share-two');
    const a = consumer(group, { maxPollRecords: 5, shareAcquireMode: 'record_limit' });
    const b = consumer(group, { maxPollRecords: 5, shareAcquireMode: 'record_limit' });
    a.subscribe([topic]);
    b.subscribe([topic]);
    await assigned(a, b);
    expect(a.assignment()).toEqual([{ topic, partition: 0 }]);
    expect(b.assignment()).toEqual([{ topic, partition: 0 }]);
    const offsets = await produce(topic, Array.from({ length: 60 }, (_, i) => `v${i}`));
    const seen = new Map<string, string[]>([['a', []], ['b', []]]);
    const total = () => seen.get('a')!.length + seen.get('b')!.length;
    const polls = new Map<string, number>([['a', 0], ['b', 0]]);
    const deadline = Date.now() + 90_000;
    const run = async (name: string, other: string, c: ShareConsumer<string | null, string | null>) => {
      while (total() < offsets.length && Date.now() < deadline) {
        const got = await c.poll(300);
        polls.set(name, polls.get(name)! + 1);
        for (const r of got) seen.get(name)!.push(String(r.offset));
        // After a batch, wait for the other member's next poll to end, so it gets its turn at the partition.
        const before = polls.get(other)!;
        while (got.length > 0 && polls.get(other) === before && total() < offsets.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      }
    };
    await Promise.all([run('a', 'b', a), run('b', 'a', b)]);
    const all = [...seen.get('a')!, ...seen.get('b')!];
    expect(new Set(all).size, 'a record was delivered twice').toBe(all.length);
    expect([...all].sort((x, y) => Number(x) - Number(y))).toEqual(offsets.map(String));
    expect(seen.get('a')!.length).toBeGreaterThan(0);
    expect(seen.get('b')!.length).toBeGreaterThan(0);
  });

  it('a released record comes again, with a higher delivery count', async () => {
    const { topic, group } = await newQueue('share-release');
    const c = consumer(group, { shareAcknowledgementMode: 'explicit' });
    c.subscribe([topic]);
    const [offset] = await produce(topic, ['again']);
    const first = await pollUntil(c, 'the first delivery', (got) => got.length > 0);
    expect(first.map((r) => [r.offset, r.value, r.deliveryCount])).toEqual([[offset, 'again', 1]]);
    c.acknowledge(first[0]!, 'release');
    const second = await pollUntil(c, 'the second delivery', (got) => got.length > 0);
    expect(second.map((r) => [r.offset, r.value, r.deliveryCount])).toEqual([[offset, 'again', 2]]);
    c.acknowledge(second[0]!, 'accept');
    const results = await c.commitSync();
    expect(results.map((r) => [r.partition, r.offsets, r.error])).toEqual([[0, [offset], null]]);
  });

  it('a rejected record is never delivered again', async () => {
    const { topic, group } = await newQueue('share-reject');
    const c = consumer(group, { shareAcknowledgementMode: 'explicit' });
    c.subscribe([topic]);
    const [bad] = await produce(topic, ['poison']);
    const first = await pollUntil(c, 'the poison record', (got) => got.length > 0);
    expect(first.map((r) => r.offset)).toEqual([bad]);
    c.acknowledge(first[0]!, 'reject');
    expect((await c.commitSync()).map((r) => r.error)).toEqual([null]);
    // A record released now would come back before anything later in the log; a marker after it shows it did not.
    const [marker] = await produce(topic, ['marker']);
    const later = await pollUntil(c, 'the marker', (_g, all) => all.some((r) => r.offset === marker), 60_000, (r) => c.acknowledge(r));
    expect(later.map((r) => r.offset)).toEqual([marker]);
  });

  it('a member that stops acknowledging loses its records to another member once the acquisition lock times out', async () => {
    const { topic, group } = await newQueue('share-lock', { 'share.record.lock.duration.ms': String(LOCK_MS) });
    const slow = consumer(group, { shareAcknowledgementMode: 'explicit' });
    slow.subscribe([topic]);
    const offsets = await produce(topic, ['x', 'y', 'z']);
    const held = await pollUntil(slow, 'the first delivery', (_g, all) => all.length >= 3);
    expect(held.map((r) => r.offset)).toEqual(offsets);
    expect(slow.acquisitionLockTimeoutMs()).toBe(LOCK_MS);
    // `slow` stays in the group (its heartbeats go on) but never acknowledges or polls again.
    const other = consumer(group);
    other.subscribe([topic]);
    const got = await pollUntil(other, 'the records after the lock timeout', (_g, all) => all.length >= 3, LOCK_MS + 60_000);
    expect(got.map((r) => r.offset)).toEqual(offsets);
    expect(got.every((r) => r.deliveryCount === 2)).toBe(true);
    // Too late for `slow`: the broker refuses its acknowledgement (the records are no longer its to settle).
    for (const r of held) slow.acknowledge(r);
    const results = await slow.commitSync();
    expect(results).toHaveLength(1);
    expect(results[0]!.error).toBeInstanceOf(KafkaBrokerError);
    expect((results[0]!.error as KafkaBrokerError).errorName).toBe('INVALID_RECORD_STATE');
    expect(results[0]!.error!.message).toMatch(new RegExp(`share group ${group}: INVALID_RECORD_STATE .*topic ${topic}, partition 0`));
  });

  it('the delivery attempt limit archives a record that keeps being released', async () => {
    const { topic, group } = await newQueue('share-limit', { 'share.delivery.count.limit': '2' });
    const c = consumer(group, { shareAcknowledgementMode: 'explicit' });
    c.subscribe([topic]);
    const [offset] = await produce(topic, ['flaky']);
    for (const attempt of [1, 2]) {
      const got = await pollUntil(c, `delivery ${attempt}`, (g) => g.length > 0);
      expect(got.map((r) => [r.offset, r.deliveryCount])).toEqual([[offset, attempt]]);
      c.acknowledge(got[0]!, 'release');
    }
    await c.commitSync();
    const [marker] = await produce(topic, ['marker']);
    const later = await pollUntil(c, 'the marker', (_g, all) => all.some((r) => r.offset === marker), 60_000, (r) => c.acknowledge(r));
    expect(later.map((r) => [r.offset, r.deliveryCount])).toEqual([[marker, 1]]);
  });

  it('a share consumer SIGKILLed mid-batch: the records it held go to another member, none is lost', async () => {
    const { topic, group } = await newQueue('share-kill', { 'share.record.lock.duration.ms': String(LOCK_MS) });
    const offsets = await produce(topic, Array.from({ length: 30 }, (_, i) => `v${i}`));
    // The child takes a batch of 10, accepts and commits 3 of them, prints HOLD and is killed at once.
    const script = `
      const { ShareConsumer } = await import(${JSON.stringify(srcUrl('src/consumer/share/index.ts'))});
      const c = new ShareConsumer({ bootstrapServers: ${JSON.stringify(kafka.bootstrap)}, groupId: ${JSON.stringify(group)},
        shareAcknowledgementMode: 'explicit', shareAcquireMode: 'record_limit', maxPollRecords: 10, fetchMaxWaitMs: 200 });
      c.subscribe([${JSON.stringify(topic)}]);
      let batch = [];
      while (batch.length === 0) batch = await c.poll(1000);
      for (const r of batch) console.log('R ' + r.offset);
      for (const r of batch.slice(0, 3)) c.acknowledge(r);
      for (const res of await c.commitSync()) if (res.error === null) for (const o of res.offsets) console.log('C ' + o);
      console.log('HOLD');
      setInterval(() => {}, 1000);
    `;
    const out = await runChild(script, { totalMs: 90_000, marker: 'HOLD', afterMarkerMs: 0 });
    expect(out.killed, out.stderr).toBe(true);
    const received = [...out.stdout.matchAll(/^R (\d+)$/gm)].map((m) => BigInt(m[1]!));
    const committed = [...out.stdout.matchAll(/^C (\d+)$/gm)].map((m) => BigInt(m[1]!));
    expect(received.length).toBeGreaterThan(3);
    expect(committed).toEqual(received.slice(0, 3));
    const heldByChild = received.slice(3);

    const c = consumer(group);
    c.subscribe([topic]);
    const rest = offsets.filter((o) => !committed.includes(o));
    const got = await pollUntil(c, 'every record the child did not accept', (_g, all) => rest.every((o) => all.some((r) => r.offset === o)), LOCK_MS + 90_000);
    expect(got.filter((r) => committed.includes(r.offset)), 'an accepted record came again').toEqual([]);
    for (const o of heldByChild) expect(got.find((r) => r.offset === o)?.deliveryCount).toBe(2);
    expect(new Set(got.map((r) => r.offset)).size).toBe(got.length);
  });

  it("the README's share group example runs as printed: three jobs done, the broken one rejected", async () => {
    const blocks = [...fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8').matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const example = blocks.find((b) => b.startsWith('// share-quickstart.mjs'));
    expect(example, 'README.md has no js block starting with "// share-quickstart.mjs"').toBeDefined();
    const topic = uniqueTopic('share-readme');
    await createTopic(topic, 1);
    const script = example!
      .replace("from 'kafkawire'", `from ${JSON.stringify(srcUrl('src/index.ts'))}`)
      .replace("'127.0.0.1:9092'", JSON.stringify(kafka.bootstrap))
      .replaceAll("'jobs'", JSON.stringify(topic))
      .replace("'jobs-workers'", JSON.stringify(`${topic}-workers`));
    expect(script).toContain(JSON.stringify(`${topic}-workers`));
    const out = await runChild(script, { totalMs: 120_000 });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout.trim().split('\n').sort()).toEqual(['job resize-1 (delivery 1)', 'job resize-2 (delivery 1)', 'job resize-3 (delivery 1)']);
  });
});
