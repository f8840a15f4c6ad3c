// Where a consumer starts and how it moves: autoOffsetReset, seek (offset,
// timestamp, beginning, end), offsets lookups and pause/resume, on the
// shared cluster with assign() (no group).
import { afterEach, expect, it } from 'vitest';
import { Consumer, type ConsumerOptions, type ConsumerRecord } from '../../../src/consumer/index.js';
import { NoOffsetForPartitionError } from '../../../src/consumer/errors.js';
import { Producer } from '../../../src/index.js';
import { createTopic, describeKafka, kafka, uniqueTopic } from '../kafka.js';
import { withConsumerLog } from '../../consumer/debug-log.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

function consumer(opts: Partial<ConsumerOptions> = {}): Consumer {
  const c = new Consumer({ bootstrapServers: kafka.bootstrap, fetchMaxWaitMs: 100, ...opts });
  open.push(c);
  return c;
}

async function produce(topic: string, values: string[], partition = 0, timestamps?: number[]): Promise<void> {
  const p = new Producer({ bootstrapServers: kafka.bootstrap, lingerMs: 0 });
  try {
    await Promise.all(values.map((value, i) => p.send({ topic, partition, value, key: `k${i}`, timestamp: timestamps?.[i] })));
  } finally {
    await p.close();
  }
}

/** Polls until `count` records came (or the deadline passes). */
async function read(c: Consumer, count: number, deadlineMs = 30_000): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  const deadline = Date.now() + deadlineMs;
  while (out.length < count && Date.now() < deadline) out.push(...(await c.poll(500)));
  return out;
}

const text = (rs: ConsumerRecord[]) => rs.map((r) => r.value?.toString());

describeKafka('consumer positions (assign, no group)', () => {
  it('earliest sees every record; records carry topic, partition, offset, timestamp, key, headers, leader epoch', async () => {
    const topic = uniqueTopic('c-earliest');
    await createTopic(topic, 1);
    await produce(topic, ['a', 'b', 'c']);
    const c = consumer({ autoOffsetReset: 'earliest' });
    c.assign([{ topic, partition: 0 }]);
    const got = await read(c, 3);
    expect(text(got)).toEqual(['a', 'b', 'c']);
    expect(got.map((r) => r.offset)).toEqual([0n, 1n, 2n]);
    const r = got[0]!;
    expect(r.topic).toBe(topic);
    expect(r.partition).toBe(0);
    expect(r.key?.toString()).toBe('k0');
    expect(r.timestampType).toBe('create');
    expect(r.timestamp).toBeGreaterThan(Date.now() - 600_000);
    expect(typeof r.leaderEpoch).toBe('number');
    expect(await c.position({ topic, partition: 0 })).toBe(3n);
  });

  it('latest sees only records produced after the position is known', async () => {
    const topic = uniqueTopic('c-latest');
    await createTopic(topic, 1);
    await produce(topic, ['old1', 'old2']);
    const c = consumer();
    c.assign([{ topic, partition: 0 }]);
    expect(await c.position({ topic, partition: 0 })).toBe(2n);
    await produce(topic, ['new1', 'new2']);
    expect(text(await read(c, 2))).toEqual(['new1', 'new2']);
  });

  it("autoOffsetReset 'none' without a committed offset gives NoOffsetForPartitionError naming the partition", async () => {
    const topic = uniqueTopic('c-none');
    await createTopic(topic, 2);
    const c = consumer({ autoOffsetReset: 'none' });
    c.assign([{ topic, partition: 1 }]);
    const err = await c.poll(100).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NoOffsetForPartitionError);
    expect((err as NoOffsetForPartitionError).partitions).toEqual([{ topic, partition: 1 }]);
    expect((err as Error).message).toContain(`${topic}-1`);
    // A seek clears it.
    c.seek({ topic, partition: 1 }, 0n);
    expect(await c.poll(50)).toEqual([]);
  });

  it('seek to a timestamp (offsetsForTimes) lands on the first record at or after it', async () => {
    const topic = uniqueTopic('c-time');
    await createTopic(topic, 1);
    const base = Date.now() - 100_000;
    await produce(topic, ['t0', 't1', 't2', 't3'], 0, [base, base + 1000, base + 2000, base + 3000]);
    const c = consumer();
    c.assign([{ topic, partition: 0 }]);
    const [hit] = await c.offsetsForTimes([{ topic, partition: 0, timestamp: base + 1500 }]);
    expect(hit).toMatchObject({ topic, partition: 0, offset: 2n, timestamp: base + 2000 });
    const [miss] = await c.offsetsForTimes([{ topic, partition: 0, timestamp: base + 10_000_000 }]);
    expect(miss!.offset).toBeNull();
    c.seek({ topic, partition: 0 }, hit!.offset!);
    expect(text(await read(c, 2))).toEqual(['t2', 't3']);
  });

  it('seek, seekToBeginning, seekToEnd, position, beginningOffsets and endOffsets agree', async () => {
    const topic = uniqueTopic('c-seek');
    await createTopic(topic, 2);
    await produce(topic, ['a', 'b', 'c', 'd', 'e'], 1);
    const tp = { topic, partition: 1 };
    const c = consumer();
    c.assign([tp, { topic, partition: 0 }]);
    expect(await c.beginningOffsets([tp, { topic, partition: 0 }])).toEqual([{ ...tp, offset: 0n }, { topic, partition: 0, offset: 0n }]);
    expect(await c.endOffsets([tp])).toEqual([{ ...tp, offset: 5n }]);
    c.seek(tp, 3);
    expect(await c.position(tp)).toBe(3n);
    expect(text(await read(c, 2))).toEqual(['d', 'e']);
    c.seekToBeginning([tp]);
    expect(await c.position(tp)).toBe(0n);
    expect(text(await read(c, 5))).toEqual(['a', 'b', 'c', 'd', 'e']);
    c.seekToEnd([tp]);
    expect(await c.position(tp)).toBe(5n);
    expect(() => c.seek(tp, 1.5)).toThrow(/not a non-negative integer/);
    expect(() => c.seek(tp, -1)).toThrow(/not a non-negative integer/);
    expect(() => c.seek({ topic: 'other', partition: 0 }, 0)).toThrow(/not assigned/);
  });

  it('pause stops a partition and resume continues it where it was', async () => {
    const topic = uniqueTopic('c-pause');
    await createTopic(topic, 2);
    await produce(topic, ['p0-a', 'p0-b'], 0);
    await produce(topic, ['p1-a', 'p1-b'], 1);
    const c = consumer({ autoOffsetReset: 'earliest' });
    const p0 = { topic, partition: 0 };
    const p1 = { topic, partition: 1 };
    c.assign([p0, p1]);
    c.pause([p0]);
    expect(c.paused()).toEqual([p0]);
    const first = await read(c, 2);
    expect(first.every((r) => r.partition === 1)).toBe(true);
    expect(text(first)).toEqual(['p1-a', 'p1-b']);
    // Nothing of p0 comes while paused, however long we poll.
    expect(await c.poll(300)).toEqual([]);
    c.resume([p0]);
    expect(text(await read(c, 2))).toEqual(['p0-a', 'p0-b']);
    expect(c.paused()).toEqual([]);
  });

  it('a topic that does not exist is a typed error naming it, not a hang', async () => {
    const topic = uniqueTopic('c-missing');
    const c = consumer({ allowAutoCreateTopics: false, defaultApiTimeoutMs: 1500 });
    c.assign([{ topic, partition: 0 }]);
    await expect(c.position({ topic, partition: 0 })).rejects.toThrow(new RegExp(topic));
    // poll() reports it too once the fetcher's own wait for the topic (also defaultApiTimeoutMs) has run out,
    // which on a loaded machine may be a little after position() gave up: poll until it does, within a bound.
    const pollUntilError = async () => {
      for (let i = 0; i < 300; i++) await c.poll(100);
      return 'poll() never reported the missing topic';
    };
    await expect(pollUntilError()).rejects.toThrow(new RegExp(`topic ${topic}`));
  });

  it('a partition out of range is a typed error', async () => {
    const topic = uniqueTopic('c-range');
    await createTopic(topic, 2);
    const c = consumer();
    c.assign([{ topic, partition: 7 }]);
    await expect(c.position({ topic, partition: 7 })).rejects.toThrow(/partition 7 is out of range/);
  });
});

describeKafka('consumer diagnostics', () => {
  it('logs one kafkawire:consumer line per assigned partition saying where it starts and why', async () => {
    const topic = uniqueTopic('c-diag');
    const group = uniqueTopic('g-diag');
    await createTopic(topic, 2);
    await produce(topic, ['a', 'b'], 0);
    await produce(topic, ['c', 'd', 'e'], 1);
    const lines = await withConsumerLog(async () => {
      const setup = consumer({ groupId: group, enableAutoCommit: false });
      setup.assign([{ topic, partition: 1 }]);
      // Its own start position first: else its OffsetFetch may race the commit below and log a second "starting at" line.
      await setup.position({ topic, partition: 1 });
      await setup.commitSync([{ topic, partition: 1, offset: 1 }]);
      const c = consumer({ groupId: group });
      c.assign([{ topic, partition: 0 }, { topic, partition: 1 }]);
      expect(await c.position({ topic, partition: 0 })).toBe(2n);
      expect(await c.position({ topic, partition: 1 })).toBe(1n);
    });
    const mine = lines.filter((l) => l.includes(`group ${group} ${topic}-`));
    expect(mine.filter((l) => l.includes(`${topic}-0: no committed offset: autoOffsetReset=latest, starting at the end (2); records produced before now will not be delivered`))).toHaveLength(1);
    expect(mine.filter((l) => l.includes(`${topic}-1: starting at committed offset 1`))).toHaveLength(1);
  });
});
