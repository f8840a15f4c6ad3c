// The CLI's consumer commands as child processes against the shared cluster:
// consume (positions, --json, groups that commit what was printed, Ctrl-C),
// get (the record, the range, offsets without data), perf consume, and
// groups describe with live kafkawire consumers in a KIP-848 group.
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Admin } from '../../../src/admin/admin.js';
import { Producer } from '../../../src/index.js';
import { eventually, java } from '../admin/helpers.js';
import { createTopic, describeKafka, kafka, uniqueTopic } from '../kafka.js';
import { buildCli, cleanCli, kafkawire, startKafkawire } from './run.js';

interface JsonRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Array<{ key: string; value: string | null }>;
}

const lines = (s: string) => s.split('\n').filter((l) => l !== '');

describeKafka('kafkawire CLI: consume, get, perf consume (child process)', () => {
  let admin: Admin;
  const b = ['--bootstrap', kafka.bootstrap];
  // Short fetch waits keep the runs quick; the property path is tested on the way.
  const fast = ['--consumer-property', 'fetch.max.wait.ms=100'];
  beforeAll(async () => {
    admin = new Admin({ bootstrapServers: kafka.bootstrap });
    await buildCli();
  }, 180_000);
  afterAll(async () => {
    await admin.close();
    await cleanCli();
  });

  it('produce then consume --from earliest --count N: the same lines, keys and headers (text, --json, base64)', async () => {
    const topic = uniqueTopic('cli-consume');
    await createTopic(topic, 3);
    const input = ['k1:hello', 'k2:wörld', 'k1:again', 'no-key-here', 'k3:'];
    const p = await kafkawire(['produce', topic, '--key-separator', ':', '--header', 'source=cli', '--header', 'n=1', ...b], { input: input.join('\n') + '\n' });
    expect(p.code).toBe(0);

    const text = await kafkawire(['consume', topic, '--from', 'earliest', '--count', '5', '--key-separator', ':', ...fast, ...b]);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(lines(text.stdout).sort()).toEqual([...input].sort());

    const j = await kafkawire(['consume', topic, '--from', 'earliest', '--count', '5', '--json', ...fast, ...b]);
    expect(j.code).toBe(0);
    const recs = lines(j.stdout).map((l) => JSON.parse(l) as JsonRecord);
    expect(recs.map((r) => `${r.key}|${r.value}`).sort()).toEqual(['k1|again', 'k1|hello', 'k2|wörld', 'k3|', 'null|no-key-here']);
    for (const r of recs) {
      expect(Object.keys(r)).toEqual(['topic', 'partition', 'offset', 'timestamp', 'key', 'value', 'headers']);
      expect(r.topic).toBe(topic);
      expect(r.headers).toEqual([{ key: 'source', value: 'cli' }, { key: 'n', value: '1' }]);
      expect(r.timestamp).toBeGreaterThan(1_600_000_000_000);
    }
    // Within a partition, records come in offset order; each line's partition and offset are where produce said it went.
    const where = lines(p.stdout).map((l) => l.replace('partition=', '').replace(' offset=', ':'));
    expect(recs.map((r) => `${r.partition}:${r.offset}`).sort()).toEqual([...where].sort());

    const b64 = await kafkawire(['consume', topic, '--from', 'earliest', '--count', '5', '--json', '--encoding', 'base64', ...fast, ...b]);
    const decoded = lines(b64.stdout).map((l) => JSON.parse(l) as JsonRecord).map((r) => Buffer.from(r.value!, 'base64').toString('utf8'));
    expect(decoded.sort()).toEqual(['', 'again', 'hello', 'no-key-here', 'wörld']);
  });

  it('consume --partition with --from <offset> and @<epoch-ms>; the range check; usage errors; --count not reached before --timeout-ms', async () => {
    const topic = uniqueTopic('cli-from');
    await createTopic(topic, 2);
    const first = await kafkawire(['produce', topic, '--partition', '1', '--json', ...b], { input: 'a\nb\nc\n' });
    const t1 = JSON.parse(lines(first.stdout)[2]!).timestamp as number;
    // Later timestamps for the next records (a new millisecond is enough).
    await eventually(async () => expect(Date.now()).toBeGreaterThan(t1));
    await kafkawire(['produce', topic, '--partition', '1', ...b], { input: 'd\ne\n' });

    const fromOffset = await kafkawire(['consume', topic, '--partition', '1', '--from', '1', '--count', '3', ...fast, ...b]);
    expect(fromOffset.code).toBe(0);
    expect(lines(fromOffset.stdout)).toEqual(['b', 'c', 'd']);
    const fromTime = await kafkawire(['consume', topic, '--from', `@${t1 + 1}`, '--count', '2', ...fast, ...b]);
    expect(fromTime.code).toBe(0);
    expect(lines(fromTime.stdout)).toEqual(['d', 'e']);

    const beyond = await kafkawire(['consume', topic, '--partition', '1', '--from', '9', ...b]);
    expect(beyond.code).toBe(1);
    expect(beyond.stderr).toMatch(/--from 9: \S+-1 holds offsets 0 to 4/);
    const noPartition = await kafkawire(['consume', topic, '--from', '3', ...b]);
    expect(noPartition.code).toBe(2);
    expect(noPartition.stderr).toContain('--from <offset> needs --partition');
    const both = await kafkawire(['consume', topic, '--group', 'g', '--partition', '0', ...b]);
    expect(both.code).toBe(2);
    const noSuchPartition = await kafkawire(['consume', topic, '--partition', '7', ...b]);
    expect(noSuchPartition.code).toBe(1);
    expect(noSuchPartition.stderr).toContain(`topic ${topic} has no partition 7 (it has 2: 0 to 1)`);

    const short = await kafkawire(['consume', topic, '--from', 'earliest', '--count', '9', '--timeout-ms', '2000', ...fast, ...b]);
    expect(short.code).toBe(1);
    expect(lines(short.stdout)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(short.stderr).toContain('got 5 of 9 records');
  });

  it('--from latest (the default) that sees nothing says on stderr how to read older records', async () => {
    const topic = uniqueTopic('cli-latest');
    await createTopic(topic, 1);
    await kafkawire(['produce', topic, ...b], { input: 'old-1\nold-2\n' });
    const r = await kafkawire(['consume', topic, '--timeout-ms', '5000', ...fast, ...b]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^kafkawire: note: no records yet\. --from latest \(the default, as in Java\) shows only records produced after the consumer started; to read what \S+ already holds \(it holds 2 records now\), use --from earliest\n$/);
  });

  it('consume --group commits what it printed: a second run starts after the first; groups describe lag matches the commits (and Java)', async () => {
    const topic = uniqueTopic('cli-group');
    const group = uniqueTopic('cli-consume-group');
    await createTopic(topic, 2);
    await kafkawire(['produce', topic, '--partition', '0', ...b], { input: 'p0-0\np0-1\np0-2\np0-3\n' });
    await kafkawire(['produce', topic, '--partition', '1', ...b], { input: 'p1-0\np1-1\n' });

    const run1 = await kafkawire(['consume', topic, '--group', group, '--from', 'earliest', '--count', '3', ...fast, ...b]);
    expect(run1.code).toBe(0);
    const got1 = lines(run1.stdout);
    expect(got1).toHaveLength(3);
    const [committed] = await admin.listConsumerGroupOffsets([group]);
    const byPartition = new Map(committed!.value!.map((o) => [o.partition, o.offset]));
    // Exactly the printed records are committed: per partition, one past the last printed.
    for (const p of [0, 1]) {
      const printed = got1.filter((l) => l.startsWith(`p${p}-`)).map((l) => Number(l.split('-')[1]));
      expect(byPartition.get(p) ?? 0n).toBe(BigInt(printed.length === 0 ? 0 : Math.max(...printed) + 1));
    }

    const d = await kafkawire(['groups', 'describe', group, '--json', ...b]);
    const lag = JSON.parse(d.stdout);
    expect(lag.totalLag).toBe(3);
    for (const row of lag.partitions) expect(row.lag).toBe(row.endOffset - Number(byPartition.get(row.partition) ?? 0n));
    const javaOut = await java('consumerGroups', ['--bootstrap-server', kafka.bootstrap, '--describe', '--group', group]);
    for (const row of lag.partitions) expect(javaOut).toMatch(new RegExp(`${topic}\\s+${row.partition}\\s+${row.committedOffset}\\s+${row.endOffset}\\s+${row.lag}\\b`));

    const run2 = await kafkawire(['consume', topic, '--group', group, '--from', 'earliest', '--count', '3', ...fast, ...b]);
    expect(run2.code).toBe(0);
    expect([...got1, ...lines(run2.stdout)].sort()).toEqual(['p0-0', 'p0-1', 'p0-2', 'p0-3', 'p1-0', 'p1-1']);
    const after = await kafkawire(['groups', 'describe', group, '--json', ...b]);
    expect(JSON.parse(after.stdout).totalLag).toBe(0);
  });

  it('a KIP-848 group with a live kafkawire consumer: groups describe shows the owner, committed offsets and lag; Ctrl-C commits, leaves the group, exits 130', async () => {
    const topic = uniqueTopic('cli-848');
    const group = uniqueTopic('cli-848-group');
    await createTopic(topic, 3);
    await kafkawire(['produce', topic, '--key-separator', ':', ...b], { input: Array.from({ length: 12 }, (_, i) => `k${i}:v${i}`).join('\n') + '\n' });
    const member = await startKafkawire(['consume', topic, '--group', group, '--from', 'earliest', '--consumer-property', 'group.protocol=consumer', ...fast, ...b]);
    try {
      await eventually(async () => expect(lines(member.stdout)).toHaveLength(12), 60_000);
      // Everything printed is committed within auto.commit.interval.ms (5 s): lag 0, each partition owned by the member.
      const desc = await eventually(async () => {
        const d = JSON.parse((await kafkawire(['groups', 'describe', group, '--json', ...b])).stdout);
        expect(d).toMatchObject({ state: 'Stable', type: 'consumer', members: 1, totalLag: 0 });
        expect(d.partitions).toHaveLength(3);
        for (const p of d.partitions) expect(p.committedOffset).toBe(p.endOffset);
        return d;
      }, 60_000);
      for (const p of desc.partitions) expect(p.owner.clientId).toBe('kafkawire-cli');
      // More records while it runs: lag (if seen before the next commit) is end − committed.
      await kafkawire(['produce', topic, '--partition', '0', ...b], { input: 'late-1\nlate-2\n' });
      await eventually(async () => expect(lines(member.stdout)).toHaveLength(14), 30_000);
      member.kill('SIGINT');
      const done = await member.exited(30_000);
      expect(done.code).toBe(130);
      expect(done.stderr).toBe('');
    } finally {
      member.kill('SIGKILL');
    }
    // On Ctrl-C it committed what it printed and left.
    const [offs] = await admin.listConsumerGroupOffsets([group]);
    const ends = await admin.listOffsets([0, 1, 2].map((partition) => ({ topic, partition, spec: 'latest' as const })));
    expect(offs!.value!.map((o) => o.offset).sort()).toEqual(ends.map((e) => e.value!.offset).sort());
    const gone = JSON.parse((await kafkawire(['groups', 'describe', group, '--json', ...b])).stdout);
    expect(gone).toMatchObject({ members: 0, totalLag: 0 });
  });

  it('a reader that stops early (| head): consume exits 0 without a stack trace, through its clean stop (the group is left)', async () => {
    const topic = uniqueTopic('cli-pipe');
    const group = uniqueTopic('cli-pipe-group');
    await createTopic(topic, 1);
    await kafkawire(['produce', topic, ...b], { input: 'a\nb\n' });
    const member = await startKafkawire(['consume', topic, '--group', group, '--from', 'earliest', ...fast, ...b]);
    try {
      await eventually(async () => expect(lines(member.stdout)).toHaveLength(2), 60_000);
      member.closeStdout();
      // Its next write finds the pipe closed.
      await kafkawire(['produce', topic, ...b], { input: 'c\n' });
      const done = await member.exited(60_000);
      expect(done.code).toBe(0);
      expect(done.stderr).toBe('');
    } finally {
      member.kill('SIGKILL');
    }
    const left = JSON.parse((await kafkawire(['groups', 'describe', group, '--json', ...b])).stdout);
    expect(left).toMatchObject({ members: 0 });
  });

  it('a reader gone before the output (| head -0): topics describe exits 0 without a stack trace; produce still sends every line', async () => {
    const topic = uniqueTopic('cli-pipe-gone');
    await createTopic(topic, 2);
    // Closed at spawn: neither command can have written before it had an answer from the cluster.
    const describe = await kafkawire(['topics', 'describe', topic, ...b], { closeStdout: true });
    expect(describe).toMatchObject({ code: 0, stderr: '' });
    const input = Array.from({ length: 3000 }, (_, i) => `line-${i}`);
    const produce = await kafkawire(['produce', topic, ...b], { closeStdout: true, input: `${input.join('\n')}\n` });
    expect(produce).toMatchObject({ code: 0, stderr: '' });
    const ends = await admin.listOffsets([0, 1].map((partition) => ({ topic, partition, spec: 'latest' as const })));
    expect(ends.reduce((n, e) => n + Number(e.value!.offset), 0)).toBe(input.length);
  });

  // /dev/full is Linux's always-full device; CI runs on Linux.
  it('a full disk under stdout (> /dev/full) is named on stderr and exits 1', async () => {
    const topic = uniqueTopic('cli-full');
    await createTopic(topic, 1);
    const fd = fs.openSync('/dev/full', 'w');
    try {
      const r = await kafkawire(['topics', 'describe', topic, ...b], { stdoutFd: fd });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^kafkawire: error: cannot write to standard output: ENOSPC/);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('get: the record at an offset; below the log start and at/after the end name the range; a marker names the next record', async () => {
    const topic = uniqueTopic('cli-get');
    await createTopic(topic, 1);
    const p = await kafkawire(['produce', topic, '--key-separator', ':', '--header', 'h=1', ...b], { input: 'k0:zero\nk1:one\nk2:two\n' });
    expect(p.code).toBe(0);
    const one = await kafkawire(['get', topic, '0', '1', ...b]);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^topic: +\S+\npartition: +0\noffset: +1\ntimestamp: +\d+ \(.*Z, create time\)\nkey: +k1\nheaders: +h=1\nvalue: +one\n$/);
    const j = await kafkawire(['get', topic, '0', '2', '--json', ...b]);
    expect(JSON.parse(j.stdout)).toMatchObject({ topic, partition: 0, offset: 2, key: 'k2', value: 'two', headers: [{ key: 'h', value: '1' }] });

    const end = await kafkawire(['get', topic, '0', '3', ...b]);
    expect(end.code).toBe(1);
    expect(end.stdout).toBe('');
    expect(end.stderr).toBe(`kafkawire: error: offset 3 of ${topic}-0 is at or after the end offset 3: no record has been written there yet; valid offsets are 0 to 2\n`);
    const [deleted] = await admin.deleteRecords([{ topic, partition: 0, beforeOffset: 1n }]);
    expect(deleted!.ok).toBe(true);
    const below = await kafkawire(['get', topic, '0', '0', ...b]);
    expect(below.code).toBe(1);
    expect(below.stderr).toContain(`offset 0 of ${topic}-0 is below the log start offset 1`);
    expect(below.stderr).toContain('valid offsets are 1 to 2');
    const noPartition = await kafkawire(['get', topic, '3', '0', ...b]);
    expect(noPartition.code).toBe(1);
    expect((await kafkawire(['get', topic, '0', 'x', ...b])).code).toBe(2);

    // A committed transaction: its record at 3, the commit marker at 4; then a plain record at 5.
    const txn = new Producer({ bootstrapServers: kafka.bootstrap, transactionalId: uniqueTopic('cli-get-txn'), lingerMs: 0 });
    try {
      await txn.initTransactions();
      txn.beginTransaction();
      await txn.send({ topic, partition: 0, value: 'in-txn' });
      await txn.commitTransaction();
    } finally {
      await txn.close();
    }
    const marker = await kafkawire(['get', topic, '0', '4', ...b]);
    expect(marker.code).toBe(1);
    expect(marker.stderr).toContain(`offset 4 of ${topic}-0 holds no data record (a transaction commit/abort marker`);
    expect(marker.stderr).toContain('no data record follows it before the end offset 5');
    await kafkawire(['produce', topic, ...b], { input: 'after\n' });
    const next = await kafkawire(['get', topic, '0', '4', ...b]);
    expect(next.stderr).toMatch(/holds no data record .*; the next record is at offset 5\n$/);
    expect(lines((await kafkawire(['get', topic, '0', '3', ...b])).stdout).at(-1)).toMatch(/^value: +in-txn$/);
  });

  it('perf consume: the summary fields, as --json and as the Java tool\'s columns; too few records is exit 1', async () => {
    const topic = uniqueTopic('cli-perf-consume');
    await createTopic(topic, 2);
    const prod = await kafkawire(['perf', 'produce', '--topic', topic, '--num-records', '3000', '--record-size', '100', '--producer-props', 'acks=1', ...b]);
    expect(prod.code).toBe(0);
    // Java's form: every k=v after --consumer-props is a property; group.id, the last one, names the group it joins.
    const group = uniqueTopic('perf-props-group');
    const r = await kafkawire(['perf', 'consume', '--topic', topic, '--messages', '3000', '--consumer-props', 'max.poll.records=1000', 'fetch.max.wait.ms=100', `group.id=${group}`, '--json', ...b]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.records).toBe(3000);
    expect(s.mb).toBeCloseTo((3000 * 100) / 1048576, 6);
    for (const k of ['mbPerSec', 'recordsPerSec', 'elapsedMs', 'fetchMs', 'fetchMbPerSec', 'fetchRecordsPerSec']) expect(s[k]).toBeGreaterThan(0);
    expect(s.rebalanceMs).toBeGreaterThanOrEqual(0);
    expect(s.rebalanceMs + s.fetchMs).toBeCloseTo(s.elapsedMs, 0);
    expect(Date.parse(s.endTime)).toBeGreaterThanOrEqual(Date.parse(s.startTime));
    // The group from the third property exists: the consumer joined it.
    await eventually(async () => expect((await admin.listGroups()).groups.map((g) => g.groupId)).toContain(group));

    const text = await kafkawire(['perf', 'consume', '--topic', topic, '--messages', '3001', '--timeout', '2000', '--group', uniqueTopic('perf-group'), ...fast.map((x) => x.replace('consumer-property', 'consumer-props')), ...b]);
    expect(text.code).toBe(1);
    const [header, row] = lines(text.stdout);
    expect(header).toBe('start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec');
    expect(row!.split(', ')[4]).toBe('3000');
    expect(text.stderr).toContain('3000 of 3001');
  });
});
