// Commits: manual (all or given partitions, with metadata), auto commit of
// only what was handed out, commit on close, and the quick start (three
// records back through a group).
import { afterEach, expect, it } from 'vitest';
import { Consumer, NoOffsetForPartitionError, stringDeserializer, type ConsumerOptions } from '../../../src/consumer/index.js';
import { KafkaConfigError, Producer } from '../../../src/index.js';
import { createTopic, describeKafka, kafka, uniqueTopic } from '../kafka.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

function consumer(opts: Partial<ConsumerOptions<string | null, string | null>> = {}): Consumer<string | null, string | null> {
  const c = new Consumer<string | null, string | null>({ bootstrapServers: kafka.bootstrap, fetchMaxWaitMs: 100, keyDeserializer: stringDeserializer, valueDeserializer: stringDeserializer, ...opts });
  open.push(c);
  return c;
}

async function produce(topic: string, values: string[], partition = 0): Promise<void> {
  const p = new Producer({ bootstrapServers: kafka.bootstrap, lingerMs: 0 });
  try {
    await Promise.all(values.map((value) => p.send({ topic, partition, value })));
  } finally {
    await p.close();
  }
}

describeKafka('consumer commits', () => {
  it('assign with a groupId: commitSync (given offsets, with metadata) and committed() agree; a new consumer starts there', async () => {
    const topic = uniqueTopic('c-commit');
    const group = uniqueTopic('g-commit');
    await createTopic(topic, 2);
    await produce(topic, ['a', 'b', 'c', 'd']);
    const tp = { topic, partition: 0 };
    const c = consumer({ groupId: group, enableAutoCommit: false, autoOffsetReset: 'earliest' });
    c.assign([tp, { topic, partition: 1 }]);
    expect(await c.committed([tp, { topic, partition: 1 }])).toEqual([
      { ...tp, offset: null, leaderEpoch: null, metadata: null },
      { topic, partition: 1, offset: null, leaderEpoch: null, metadata: null },
    ]);
    await c.commitSync([{ ...tp, offset: 2n, metadata: 'halfway' }]);
    const [got] = await c.committed([tp]);
    expect(got).toMatchObject({ ...tp, offset: 2n, metadata: 'halfway' });
    await c.close();

    const again = consumer({ groupId: group, enableAutoCommit: false });
    again.assign([tp]);
    expect(await again.position(tp)).toBe(2n);
    const rs: string[] = [];
    const deadline = Date.now() + 20_000;
    while (rs.length < 2 && Date.now() < deadline) rs.push(...(await again.poll(200)).map((r) => r.value!));
    expect(rs).toEqual(['c', 'd']);
    // commitSync() without arguments commits the positions: what was handed out.
    await again.commitSync();
    expect((await again.committed([tp]))[0]!.offset).toBe(4n);
  });

  it("autoOffsetReset 'none' with a group: a committed offset is used, a partition without one is an error", async () => {
    const topic = uniqueTopic('c-none-group');
    const group = uniqueTopic('g-none');
    await createTopic(topic, 3);
    const setup = consumer({ groupId: group, enableAutoCommit: false });
    setup.assign([{ topic, partition: 0 }]);
    await setup.commitSync([{ topic, partition: 0, offset: 0 }]);
    const c = consumer({ groupId: group, autoOffsetReset: 'none' });
    c.assign([{ topic, partition: 0 }]);
    expect(await c.position({ topic, partition: 0 })).toBe(0n);
    c.assign([{ topic, partition: 0 }, { topic, partition: 1 }, { topic, partition: 2 }]);
    await expect(c.position({ topic, partition: 1 })).rejects.toThrow(new RegExp(`no committed offset for ${topic}-1, ${topic}-2 in group ${group}`));
    const err = await c.poll(10).then(() => null, (e: unknown) => e as NoOffsetForPartitionError);
    expect(err).toBeInstanceOf(NoOffsetForPartitionError);
    expect(err!.partitions).toEqual([{ topic, partition: 1 }, { topic, partition: 2 }]);
  });

  it('auto commit commits only records handed to the application, and close() commits the rest', async () => {
    const topic = uniqueTopic('c-auto');
    const group = uniqueTopic('g-auto');
    await createTopic(topic, 1);
    await produce(topic, Array.from({ length: 20 }, (_, i) => `v${i}`));
    const tp = { topic, partition: 0 };
    const c = consumer({ groupId: group, autoOffsetReset: 'earliest', autoCommitIntervalMs: 100, maxPollRecords: 5 });
    c.assign([tp]);
    const it = c[Symbol.asyncIterator]();
    for (let i = 0; i < 7; i++) expect((await it.next()).value?.value).toBe(`v${i}`);
    // Seven handed out; the whole batch of 20 is buffered. Wait for an auto commit to land.
    const observer = consumer({ groupId: group, enableAutoCommit: false });
    observer.assign([tp]);
    const deadline = Date.now() + 20_000;
    let committed: bigint | null = null;
    while (committed !== 7n && Date.now() < deadline) {
      committed = (await observer.committed([tp]))[0]!.offset;
      if (committed !== 7n) await new Promise((r) => setTimeout(r, 50));
    }
    expect(committed).toBe(7n);
    for (let i = 7; i < 12; i++) expect((await it.next()).value?.value).toBe(`v${i}`);
    await c.close();
    expect((await observer.committed([tp]))[0]!.offset).toBe(12n);
  });

  it('commitAsync: all positions, then given partitions with metadata; the callback gets the outcome and committed() shows it', async () => {
    const topic = uniqueTopic('c-async');
    const group = uniqueTopic('g-async');
    await createTopic(topic, 2);
    await produce(topic, ['a0', 'a1', 'a2'], 0);
    await produce(topic, ['b0', 'b1'], 1);
    const tps = [{ topic, partition: 0 }, { topic, partition: 1 }];
    const c = consumer({ groupId: group, enableAutoCommit: false, autoOffsetReset: 'earliest' });
    c.assign(tps);
    const got: string[] = [];
    const deadline = Date.now() + 30_000;
    while (got.length < 5 && Date.now() < deadline) got.push(...(await c.poll(200)).map((r) => r.value!));
    expect(got.sort()).toEqual(['a0', 'a1', 'a2', 'b0', 'b1']);
    // commitAsync takes a callback (no promise): wrap it to wait for the answer.
    const commitAsync = (offsets?: Parameters<typeof c.commitAsync>[0]) =>
      new Promise<Error | null>((resolve) => c.commitAsync(offsets, (err) => resolve(err)));

    // Every assigned partition's position, with the leader epoch of the last record handed out.
    expect(await commitAsync()).toBeNull();
    const all = await c.committed(tps);
    expect(all.map((o) => [o.partition, o.offset])).toEqual([[0, 3n], [1, 2n]]);
    for (const o of all) expect(o.leaderEpoch).toBeGreaterThanOrEqual(0);

    // Given partitions, with metadata: only those move.
    expect(await commitAsync([{ topic, partition: 0, offset: 1, metadata: 'async-replay' }])).toBeNull();
    const some = await c.committed(tps);
    expect(some[0]).toMatchObject({ topic, partition: 0, offset: 1n, metadata: 'async-replay' });
    expect(some[1]).toMatchObject({ topic, partition: 1, offset: 2n });
    // A second consumer of the group sees the same.
    const other = consumer({ groupId: group, enableAutoCommit: false });
    other.assign(tps);
    expect(await other.position({ topic, partition: 0 })).toBe(1n);
    expect(await other.position({ topic, partition: 1 })).toBe(2n);

    // Failures reach the callback, not the caller: an offset that is not a non-negative integer.
    const err = await commitAsync([{ topic, partition: 0, offset: -1 }]);
    expect(err).toBeInstanceOf(KafkaConfigError);
    expect(err!.message).toContain(`${topic}-0): offset -1 is not a non-negative integer`);
    expect((await c.committed([{ topic, partition: 0 }]))[0]!.offset).toBe(1n);
  });

  it('quick start: three records back through a group (subscribe)', async () => {
    const topic = uniqueTopic('c-quick');
    await createTopic(topic, 1);
    const p = new Producer({ bootstrapServers: kafka.bootstrap });
    try {
      for (const [key, value] of [['k1', 'one'], ['k2', 'two'], ['k3', 'three']]) await p.send({ topic, key, value });
    } finally {
      await p.close();
    }
    const c = consumer({ groupId: uniqueTopic('g-quick'), autoOffsetReset: 'earliest' });
    c.subscribe([topic]);
    const got: string[] = [];
    for await (const r of c) {
      got.push(`${r.partition}/${r.offset}/${r.key}/${r.value}`);
      if (got.length === 3) break;
    }
    expect(got).toEqual([`0/0/k1/one`, `0/1/k2/two`, `0/2/k3/three`]);
    expect(c.assignment()).toEqual([{ topic, partition: 0 }]);
  });
});
