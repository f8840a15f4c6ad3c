// The producer's queue of waiting sends behaves as an array used as a queue, at any length.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fifo } from '../../src/producer/fifo.js';

type Op = { push: number } | 'shift' | 'peek' | 'takeAll';

describe('Fifo', () => {
  it('gives what an array would, in the same order, across its compactions', () => {
    // Long runs of pushes then shifts cross the 1024-item compaction point.
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 5, arbitrary: fc.integer({ min: 1, max: 3000 }).map((push) => ({ push })) },
      { weight: 4, arbitrary: fc.constant('shift' as const) },
      { weight: 1, arbitrary: fc.constant('peek' as const) },
      { weight: 1, arbitrary: fc.constant('takeAll' as const) },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(op, fc.integer({ min: 1, max: 2500 })), { maxLength: 40 }), (ops) => {
        const q = new Fifo<number>();
        const model: number[] = [];
        const got: Array<number | number[] | undefined> = [];
        const want: Array<number | number[] | undefined> = [];
        let next = 0;
        for (const [o, times] of ops) {
          if (typeof o === 'object') {
            for (let i = 0; i < o.push; i++) {
              q.push(next);
              model.push(next++);
            }
          } else if (o === 'shift') {
            for (let i = 0; i < times; i++) {
              got.push(q.shift());
              want.push(model.shift());
            }
          } else if (o === 'peek') {
            got.push(q.peek());
            want.push(model[0]);
          } else {
            got.push(q.takeAll());
            want.push(model.splice(0));
          }
          got.push(q.length);
          want.push(model.length);
        }
        expect(got).toEqual(want);
      }),
      { numRuns: 100 },
    );
  });
});
