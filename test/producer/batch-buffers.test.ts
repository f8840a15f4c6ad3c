// Encoded batches reuse slabs once acknowledged: no two live batches may
// share bytes, and what reaches the broker is what was sent, acks 0 included.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Producer } from '../../src/index.js';
import { BatchBufferPool } from '../../src/producer/batch-buffers.js';
import { internalsOf } from '../../src/producer/internal.js';
import { startFakeCluster, waitFor, type FakeCluster } from './fake-cluster.js';

let fake: FakeCluster | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

type Step = { take: number } | { give: number };

describe('BatchBufferPool', () => {
  it('hands out exactly the size asked, never memory a live buffer holds, and keeps at most maxFree idle slabs', () => {
    const SLAB = 1024;
    const step: fc.Arbitrary<Step> = fc.oneof(fc.record({ take: fc.integer({ min: 1, max: 1500 }) }), fc.record({ give: fc.nat() }));
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), fc.integer({ min: 0, max: 4 }), (steps, maxFree) => {
        const pool = new BatchBufferPool(SLAB, maxFree);
        const live: Buffer[] = [];
        let mark = 0;
        for (const s of steps) {
          if ('take' in s) {
            const b = pool.take(s.take);
            expect(b.length).toBe(s.take);
            // Small and oversized batches get memory of their own.
            if (s.take < SLAB / 2 || s.take > SLAB) expect(b.buffer.byteLength === SLAB && b.byteOffset === 0).toBe(false);
            b.fill(++mark & 255);
            live.push(b);
          } else if (live.length > 0) {
            const [b] = live.splice(s.give % live.length, 1);
            pool.give(b!);
            pool.give(b!); // a second give of the same buffer changes nothing
          }
          expect(pool.idle).toBeLessThanOrEqual(maxFree);
          // Every live buffer still holds what was written into it: nothing else was handed its bytes.
          for (let i = 0; i < live.length; i++) {
            const b = live[i]!;
            expect(b.every((x) => x === b[0])).toBe(true);
            for (let j = i + 1; j < live.length; j++) expect(b.buffer === live[j]!.buffer && b.buffer.byteLength === SLAB).toBe(false);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('ignores buffers it did not lend', () => {
    const pool = new BatchBufferPool(1024);
    pool.give(Buffer.alloc(1024));
    pool.give(Buffer.alloc(600));
    expect(pool.idle).toBe(0);
  });
});

describe('a producer reusing batch buffers', () => {
  for (const acks of [1, 0] as const) {
    it(`delivers every record intact over many large batches (acks ${acks}), and reuses buffers only after an answer`, async () => {
      fake = await startFakeCluster({ topics: { t: 2 } });
      const p = new Producer({ bootstrapServers: fake.bootstrap, acks, enableIdempotence: false, batchSize: 8192, lingerMs: 0 });
      const values: string[] = [];
      for (let call = 0; call < 12; call++) {
        const records = Array.from({ length: 40 }, (_, i) => {
          const value = `${call}-${i}-`.padEnd(900, String.fromCharCode(97 + ((call * 40 + i) % 26)));
          values.push(value);
          return { topic: 't', partition: i % 2, value };
        });
        await p.sendBatch(records);
      }
      await p.flush();
      // With acks 0 a send settles once written; the broker reads the last requests after that.
      const f = fake;
      await waitFor(() => f.produced.reduce((n, b) => n + b.values.length, 0) >= values.length, 'the broker to receive every record');
      const received = fake.produced.flatMap((b) => b.values);
      expect(received.length).toBe(values.length);
      expect([...received].sort()).toEqual([...values].sort());
      const { sender } = internalsOf(p);
      if (acks === 1) expect(sender.idleBatchBuffers).toBeGreaterThan(0);
      else expect(sender.idleBatchBuffers).toBe(0);
      await p.close();
    });
  }
});
