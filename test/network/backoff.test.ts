import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffMs } from '../../src/network/backoff.js';

describe('reconnect/retry backoff', () => {
  it('doubles from the initial value up to the maximum, without jitter at the midpoint', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, { initialMs: 50, maxMs: 1000, random: mid }))).toEqual([50, 100, 200, 400, 800, 1000]);
    expect(backoffMs(0, { initialMs: 50, maxMs: 1000 })).toBe(0);
  });

  it('stays within ±20% of the schedule and never above the maximum', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 20_000 }), fc.double({ min: 0, max: 0.9999999, noNaN: true }), (n, initial, max, r) => {
        const v = backoffMs(n, { initialMs: initial, maxMs: max, random: () => r });
        const base = Math.min(initial * 2 ** (n - 1), max);
        expect(v).toBeLessThanOrEqual(max);
        if (max > initial) {
          expect(v).toBeGreaterThanOrEqual(Math.floor(base * 0.8) - 1);
          expect(v).toBeLessThanOrEqual(Math.ceil(base * 1.2) + 1);
        }
      }),
    );
  });
});
