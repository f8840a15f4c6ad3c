// KIP-320 on the real cluster: a committed offset carries the leader epoch of
// the last record consumed, and a consumer that starts from it (or seeks with
// an epoch) checks it with OffsetForLeaderEpoch before fetching. With nothing
// truncated the position is kept. (The truncated case needs an unclean
// election; test/consumer/validation.test.ts covers it on the scripted broker.)
import { afterEach, expect, it } from 'vitest';
import { Consumer, stringDeserializer, type ConsumerOptions, type ConsumerRecord } from '../../../src/consumer/index.js';
import { Producer } from '../../../src/index.js';
import { createTopic, describeKafka, kafka, uniqueTopic } from '../kafka.js';
import { withConsumerLog } from '../../consumer/debug-log.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

function consumer(opts: Partial<ConsumerOptions<string | null, string | null>> = {}): Consumer<string | null, string | null> {
  const c = new Consumer<string | null, string | null>({ bootstrapServers: kafka.bootstrap, fetchMaxWaitMs: 100, valueDeserializer: stringDeserializer, ...opts });
  open.push(c);
  return c;
}

async function produce(topic: string, values: string[]): Promise<void> {
  const p = new Producer({ bootstrapServers: kafka.bootstrap, lingerMs: 0 });
  try {
    for (const value of values) await p.send({ topic, partition: 0, value });
  } finally {
    await p.close();
  }
}

async function read(c: Consumer<string | null, string | null>, count: number): Promise<ConsumerRecord<string | null, string | null>[]> {
  const out: ConsumerRecord<string | null, string | null>[] = [];
  const deadline = Date.now() + 30_000;
  while (out.length < count && Date.now() < deadline) out.push(...(await c.poll(200)));
  return out;
}

describeKafka('position validation (KIP-320)', () => {
  it('a committed offset with its leader epoch is validated against the leader and kept; so is a seek() with an epoch', async () => {
    const topic = uniqueTopic('c-validate');
    const group = uniqueTopic('g-validate');
    const tp = { topic, partition: 0 };
    await createTopic(topic, 1);
    await produce(topic, ['v0', 'v1', 'v2', 'v3']);

    const first = consumer({ groupId: group, enableAutoCommit: false, autoOffsetReset: 'earliest' });
    first.assign([tp]);
    const records = await read(first, 4);
    expect(records.map((r) => r.value)).toEqual(['v0', 'v1', 'v2', 'v3']);
    expect(records[3]!.leaderEpoch).toBeGreaterThanOrEqual(0);
    const epoch = records[3]!.leaderEpoch!;
    await first.commitSync();
    expect((await first.committed([tp]))[0]).toMatchObject({ offset: 4n, leaderEpoch: epoch });
    await first.close();
    await produce(topic, ['v4']);

    const lines = await withConsumerLog(async () => {
      // 'none': had validation found the epoch unknown or the log truncated, this would be an error, not v4.
      const next = consumer({ groupId: group, enableAutoCommit: false, autoOffsetReset: 'none' });
      next.assign([tp]);
      expect(await next.position(tp)).toBe(4n);
      expect((await read(next, 1)).map((r) => r.value)).toEqual(['v4']);

      next.seek(tp, { offset: 2n, leaderEpoch: epoch });
      expect(await next.position(tp)).toBe(2n);
      expect((await read(next, 3)).map((r) => r.value)).toEqual(['v2', 'v3', 'v4']);
    });
    const mine = lines.filter((l) => l.includes(`${topic}-0`));
    expect(mine.filter((l) => l.includes(`${topic}-0: starting at committed offset 4 (leader epoch ${epoch}; checking it against the leader first)`))).toHaveLength(1);
    // The broker's answer (OffsetForLeaderEpoch) came back and confirmed both positions.
    const validated = (offset: number) => mine.filter((l) => new RegExp(`${topic}-0: position ${offset} \\(leader epoch ${epoch}\\) validated: the leader \\(broker \\d+, epoch \\d+\\) has that epoch up to \\d+`).test(l));
    expect(validated(4)).toHaveLength(1);
    expect(validated(2)).toHaveLength(1);
    expect(mine.some((l) => l.includes('truncation detected') || l.includes('not validated'))).toBe(false);
  });
});
