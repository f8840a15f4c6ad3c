// sendBatch(): one promise per call, each record's outcome in its slot, the
// same order and partitioning as send(), and flush() waiting for the call.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaConfigError, Producer, type RecordMetadata } from '../../src/index.js';
import { ErrorCode } from '../../src/messages/error-codes.js';
import type { Clock } from '../../src/network/clock.js';
import { withTestHooks } from '../../src/producer/internal.js';
import { SendBatchError } from '../../src/producer/send-batch.js';
import { startFakeCluster, type FakeCluster } from './fake-cluster.js';

let fake: FakeCluster | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

type Call = { kind: 'batch'; partitions: number[] } | { kind: 'single'; partition: number };

describe('sendBatch()', () => {
  it('interleaved with send(): each record lands where and in the order it was sent; a refused partition fails only its records', async () => {
    const call = fc.oneof(
      fc.record({ kind: fc.constant('batch' as const), partitions: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 30 }) }),
      fc.record({ kind: fc.constant('single' as const), partition: fc.integer({ min: 0, max: 3 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 8 }), fc.subarray([0, 1, 2, 3]), async (calls: Call[], refused) => {
        const topic = `t${Math.random().toString(36).slice(2)}`;
        const f = await startFakeCluster({ topics: { [topic]: 4 }, produce: (b) => (refused.includes(b.partition) ? ErrorCode.INVALID_TOPIC_EXCEPTION : 0) });
        const p = new Producer({ bootstrapServers: f.bootstrap, enableIdempotence: false, retries: 0 });
        try {
          let n = 0;
          const sent: Array<{ value: string; partition: number; outcome: Promise<RecordMetadata | Error> }> = [];
          const batches: Array<Promise<unknown>> = [];
          for (const c of calls) {
            if (c.kind === 'single') {
              const value = `v${n++}`;
              sent.push({ value, partition: c.partition, outcome: p.send({ topic, value, partition: c.partition }).catch((e: Error) => e) });
              continue;
            }
            const records = c.partitions.map((partition) => ({ topic, value: `v${n++}`, partition }));
            const whole = p.sendBatch(records).then(
              (ms) => ms.map((m): RecordMetadata | Error => m),
              (e: unknown) => {
                expect(e).toBeInstanceOf(SendBatchError);
                return (e as SendBatchError).outcomes.map((o) => (o.ok ? o.metadata : (o.error as Error)));
              },
            );
            batches.push(whole);
            records.forEach((r, i) => sent.push({ value: r.value, partition: r.partition, outcome: whole.then((all) => all[i]!) }));
          }
          await p.flush();
          const outcomes = await Promise.all(sent.map((s) => s.outcome));
          const expectedLog = new Map<number, string[]>();
          sent.forEach((s, i) => {
            const o = outcomes[i]!;
            if (refused.includes(s.partition)) {
              expect(o).toBeInstanceOf(Error);
              expect((o as Error).message).toMatch(/INVALID_TOPIC_EXCEPTION/);
              return;
            }
            expect(o).not.toBeInstanceOf(Error);
            const m = o as RecordMetadata;
            expect(m.partition).toBe(s.partition);
            // The offset is where the broker put it; records of one partition keep the order they were sent in.
            expect(f.log.get(`${topic}/${s.partition}`)?.[Number(m.offset)]).toBe(s.value);
            expectedLog.set(s.partition, [...(expectedLog.get(s.partition) ?? []), s.value]);
          });
          for (const [partition, values] of expectedLog) expect(f.log.get(`${topic}/${partition}`)).toEqual(values);
        } finally {
          await p.close();
          await f.close();
        }
      }),
      { numRuns: 15 },
    );
  });

  it('offsets stay exact as bigints wherever the log starts, 2^53 and beyond included', async () => {
    // Offsets cross from numbers to bigints here (BatchSend keeps them as numbers while they are exact).
    const firstOffset = fc.oneof(
      fc.bigInt({ min: 0n, max: 2n ** 20n }),
      fc.bigInt({ min: 2n ** 53n - 2n ** 33n, max: 2n ** 53n + 2n ** 10n }),
      fc.bigInt({ min: 2n ** 62n, max: 2n ** 63n - 2n ** 20n }),
    );
    await fc.assert(
      fc.asyncProperty(firstOffset, fc.array(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 4 }), async (first, calls) => {
        const topic = `t${Math.random().toString(36).slice(2)}`;
        const f = await startFakeCluster({ topics: { [topic]: 3 }, firstOffset: first });
        const p = new Producer({ bootstrapServers: f.bootstrap, enableIdempotence: false });
        try {
          let n = 0;
          const sent = calls.map((partitions) => partitions.map((partition) => ({ topic, value: `v${n++}`, partition })));
          const results = await Promise.all(sent.map((records) => p.sendBatch(records)));
          sent.forEach((records, c) =>
            records.forEach((r, i) => {
              const m = results[c]![i]!;
              expect(m.partition).toBe(r.partition);
              expect(f.log.get(`${topic}/${r.partition}`)?.[Number(m.offset - first)]).toBe(r.value);
            }),
          );
        } finally {
          await p.close();
          await f.close();
        }
      }),
      { numRuns: 25 },
    );
  });

  it('a record that cannot be serialized fails alone; the others are written; flush() resolves after the call settles', async () => {
    fake = await startFakeCluster({ topics: { t: 2 } });
    const p = new Producer({ bootstrapServers: fake.bootstrap });
    const order: string[] = [];
    const call = p
      .sendBatch([{ topic: 't', value: 'a', partition: 0 }, { topic: 't', value: 42 as unknown as string, partition: 1 }, { topic: 't', value: 'c', partition: 1 }])
      .then(() => null, (e: unknown) => e as SendBatchError)
      .finally(() => order.push('call'));
    await p.flush();
    order.push('flush');
    expect(order).toEqual(['call', 'flush']);
    const err = await call;
    expect(err).toBeInstanceOf(SendBatchError);
    expect(err!.failed).toEqual([1]);
    expect(err!.outcomes[1]).toMatchObject({ ok: false });
    expect((err!.outcomes[1] as { error: unknown }).error).toBeInstanceOf(KafkaConfigError);
    expect(fake.log.get('t/0')).toEqual(['a']);
    expect(fake.log.get('t/1')).toEqual(['c']);
    await p.close();
  });

  it('an empty array resolves to []; anything but an array rejects that call only', async () => {
    fake = await startFakeCluster({ topics: { t: 1 } });
    const p = new Producer({ bootstrapServers: fake.bootstrap });
    expect(await p.sendBatch([])).toEqual([]);
    await expect(p.sendBatch({ topic: 't', value: 'x' } as never)).rejects.toBeInstanceOf(KafkaConfigError);
    expect((await p.sendBatch([{ topic: 't', value: 'y' }]))[0]).toMatchObject({ topic: 't', partition: 0, offset: 0n });
    await p.close();
  });

  it('records without a timestamp get the time of the call; given ones are kept', async () => {
    fake = await startFakeCluster({ topics: { t: 1 } });
    // A clock that moves 1 ms at every reading: records stamped one by one would get different times.
    let now = 1_000_000;
    const clock: Clock = { now: () => now++, setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
    const p = new Producer(withTestHooks({ bootstrapServers: fake.bootstrap }, { clock }));
    await p.connect();
    // The first call waits for the topic's metadata; the second appends at once.
    for (let round = 0; round < 2; round++) {
      const before = now;
      const call = p.sendBatch([{ topic: 't', value: 'a' }, { topic: 't', value: 'b', timestamp: 1234 }, { topic: 't', value: 'c' }]);
      const after = now;
      const ms = await call;
      expect(ms[1]!.timestamp).toBe(1234);
      expect(ms[2]!.timestamp).toBe(ms[0]!.timestamp);
      // A reading taken during the call.
      expect(ms[0]!.timestamp).toBeGreaterThanOrEqual(before);
      expect(ms[0]!.timestamp).toBeLessThan(after);
    }
    await p.close();
  });
});
