// What the consumer hands over: transactions (read_committed vs
// read_uncommitted), records the Java console producer wrote with every codec,
// deserializers, the record and batch iterators, and fetch sessions.
import { afterEach, expect, it } from 'vitest';
import { Consumer, jsonDeserializer, stringDeserializer, type ConsumerRecord } from '../../../src/consumer/index.js';
import { Producer } from '../../../src/index.js';
import { zstdAvailable } from '../../../src/records/compression/index.js';
import { createTopic, describeKafka, kafka, uniqueTopic } from '../kafka.js';
import { javaProduce } from '../java.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

function consumer<K = Buffer | null, V = Buffer | null>(opts: Partial<ConstructorParameters<typeof Consumer<K, V>>[0]> = {}): Consumer<K, V> {
  const c = new Consumer<K, V>({ bootstrapServers: kafka.bootstrap, fetchMaxWaitMs: 100, autoOffsetReset: 'earliest', ...opts });
  open.push(c);
  return c;
}

async function read<K, V>(c: Consumer<K, V>, count: number, deadlineMs = 30_000): Promise<ConsumerRecord<K, V>[]> {
  const out: ConsumerRecord<K, V>[] = [];
  const deadline = Date.now() + deadlineMs;
  while (out.length < count && Date.now() < deadline) out.push(...(await c.poll(500)));
  return out;
}

describeKafka('consumer records', () => {
  it('read_committed hides aborted transactions and control records; read_uncommitted shows the aborted data', async () => {
    const topic = uniqueTopic('c-txn');
    await createTopic(topic, 1);
    const p = new Producer({ bootstrapServers: kafka.bootstrap, transactionalId: `txn-${topic}`, lingerMs: 0 });
    try {
      await p.initTransactions();
      p.beginTransaction();
      await Promise.all(['c1', 'c2'].map((value) => p.send({ topic, partition: 0, value })));
      await p.commitTransaction();
      p.beginTransaction();
      await Promise.all(['a1', 'a2', 'a3'].map((value) => p.send({ topic, partition: 0, value })));
      await p.abortTransaction();
      p.beginTransaction();
      await p.send({ topic, partition: 0, value: 'c3' });
      await p.commitTransaction();
    } finally {
      await p.close();
    }
    // Log: c1 c2 COMMIT a1 a2 a3 ABORT c3 COMMIT = offsets 0..8.
    const committed = consumer({ isolationLevel: 'read_committed', valueDeserializer: stringDeserializer });
    committed.assign([{ topic, partition: 0 }]);
    const rc = await read(committed, 3);
    expect(rc.map((r) => r.value)).toEqual(['c1', 'c2', 'c3']);
    expect(rc.map((r) => r.offset)).toEqual([0n, 1n, 7n]);
    // The position moves past the final commit marker too.
    const end = Date.now() + 10_000;
    while ((await committed.position({ topic, partition: 0 })) !== 9n && Date.now() < end) await committed.poll(200);
    expect(await committed.position({ topic, partition: 0 })).toBe(9n);

    const all = consumer({ isolationLevel: 'read_uncommitted', valueDeserializer: stringDeserializer });
    all.assign([{ topic, partition: 0 }]);
    const ru = await read(all, 6);
    expect(ru.map((r) => r.value)).toEqual(['c1', 'c2', 'a1', 'a2', 'a3', 'c3']);
    expect(ru.map((r) => r.offset)).toEqual([0n, 1n, 3n, 4n, 5n, 7n]);
  });

  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const skip = codec === 'zstd' && !zstdAvailable() ? `zstd needs Node 22.15+ (this is ${process.version}); CI runs it under Node 24` : '';
    it.skipIf(skip)(`reads what the Java console producer wrote with ${codec}, byte for byte`, async () => {
      const topic = uniqueTopic(`c-java-${codec}`);
      await createTopic(topic, 1);
      const records = Array.from({ length: 200 }, (_, i): [string, string] => [`key-${i}`, `value ${i} ${'x'.repeat(i % 40)} ключ`]);
      await javaProduce(topic, records, codec === 'none' ? [] : ['--compression-codec', codec]);
      const c = consumer();
      c.assign([{ topic, partition: 0 }]);
      const got = await read(c, records.length, 60_000);
      expect(got.map((r) => [r.key!.toString('utf8'), r.value!.toString('utf8')])).toEqual(records);
      expect(got.map((r) => r.value)).toEqual(records.map(([, v]) => Buffer.from(v, 'utf8')));
      expect(got.map((r) => r.offset)).toEqual(records.map((_, i) => BigInt(i)));
    });
  }

  it('for await hands records over in order; batches() hands them per partition; JSON deserializer', async () => {
    const topic = uniqueTopic('c-iter');
    await createTopic(topic, 3);
    const p = new Producer({ bootstrapServers: kafka.bootstrap, lingerMs: 5 });
    const n = 300;
    try {
      await Promise.all(Array.from({ length: n }, (_, i) => p.send({ topic, partition: i % 3, value: JSON.stringify({ i }), headers: { h: `v${i}` } })));
    } finally {
      await p.close();
    }
    const c = consumer({ valueDeserializer: jsonDeserializer as (d: Buffer | null) => { i: number } | null, maxPollRecords: 40 });
    c.assign([0, 1, 2].map((partition) => ({ topic, partition })));
    const seen: Array<{ partition: number; offset: bigint; i: number }> = [];
    for await (const r of c) {
      seen.push({ partition: r.partition, offset: r.offset, i: r.value!.i });
      expect(r.headers[0]?.key).toBe('h');
      expect(r.headers[0]?.value?.toString()).toBe(`v${r.value!.i}`);
      if (seen.length === n) break;
    }
    for (const partition of [0, 1, 2]) {
      const mine = seen.filter((s) => s.partition === partition);
      expect(mine.map((s) => s.offset)).toEqual(mine.map((_, k) => BigInt(k)));
      expect(mine.map((s) => s.i)).toEqual(mine.map((_, k) => k * 3 + partition));
    }
    // Leaving the loop left the positions at what was handed out.
    for (const partition of [0, 1, 2]) expect(await c.position({ topic, partition })).toBe(100n);

    const b = consumer();
    b.assign([0, 1, 2].map((partition) => ({ topic, partition })));
    let total = 0;
    for await (const batch of b.batches()) {
      expect(batch.records.every((r) => r.partition === batch.partition)).toBe(true);
      expect(batch.records.length).toBeLessThanOrEqual(500);
      total += batch.records.length;
      if (total === n) break;
    }
    expect(total).toBe(n);
  });

  it('fetch sessions: requests after the first are incremental', async () => {
    const topic = uniqueTopic('c-session');
    await createTopic(topic, 3);
    const c = consumer({ fetchMaxWaitMs: 50 });
    c.assign([0, 1, 2].map((partition) => ({ topic, partition })));
    await c.position({ topic, partition: 0 });
    const deadline = Date.now() + 20_000;
    while (c.fetches.sessions().reduce((n, s) => n + s.incremental, 0) < 6 && Date.now() < deadline) await c.poll(100);
    const sessions = c.fetches.sessions();
    expect(sessions.length).toBeGreaterThan(0);
    for (const s of sessions) {
      expect(s.sessionId).not.toBe(0);
      expect(s.full).toBe(1);
    }
    expect(sessions.reduce((n, s) => n + s.incremental, 0)).toBeGreaterThanOrEqual(6);
  });
});

describeKafka('consumer backpressure', () => {
  it('with an application that takes one record at a time, buffered bytes stay under the bound', async () => {
    const topic = uniqueTopic('c-bound');
    await createTopic(topic, 2);
    const p = new Producer({ bootstrapServers: kafka.bootstrap, lingerMs: 5, batchSize: 4096 });
    const n = 400;
    const value = 'v'.repeat(1000);
    try {
      await Promise.all(Array.from({ length: n }, (_, i) => p.send({ topic, partition: i % 2, value })));
    } finally {
      await p.close();
    }
    const bound = 32 * 1024;
    // The broker returns at least one whole batch even past a partition's byte limit: allow one producer batch per partition.
    const slop = 2 * (4096 + 1200);
    const c = consumer({ maxBufferedBytes: bound, maxPartitionFetchBytes: 8192, maxPollRecords: 1 });
    c.assign([0, 1].map((partition) => ({ topic, partition })));
    const states = () => [...c.fetches.states.values()];
    // Settled: every partition is either full up to its share or fetched to the end of its log, with nothing in flight.
    const settled = () => states().every((st) => (!st.inflight && st.bufferedBytes >= bound / 2) || (st.highWatermark >= 0n && st.fetchOffset >= st.highWatermark));
    let taken = 0;
    let maxSeen = 0;
    for await (const r of c) {
      expect(r.value!.length).toBe(1000);
      taken++;
      // The application is slow: before taking the next record it lets the fetchers do everything they want.
      const deadline = Date.now() + 10_000;
      while (!settled() && Date.now() < deadline) await new Promise((res) => setTimeout(res, 2));
      maxSeen = Math.max(maxSeen, c.bufferedBytes());
      expect(c.bufferedBytes()).toBeLessThanOrEqual(bound + slop);
      if (taken === n) break;
    }
    expect(c.fetches.peakBufferedBytes).toBeLessThanOrEqual(bound + slop);
    // The bound was reached (the test would notice a consumer that ignored it).
    expect(maxSeen).toBeGreaterThan(bound / 2);
  });
});
