import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../src/errors.js';
import { backoffMs, retry } from '../../src/network/backoff.js';

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

describe('retry', () => {
  it('waits the backoff schedule between retriable failures, capped by retryBackoffMaxMs, and stops at the deadline', async () => {
    let t = 0;
    const waits: number[] = [];
    const err = new KafkaError('try again', true);
    const out = await retry(
      async () => {
        throw err;
      },
      { initialMs: 100, maxMs: 300, random: () => 0.5, deadline: 1000, now: () => t, sleep: async (ms) => void (waits.push(ms), (t += ms)) },
    ).catch((e: unknown) => e);
    expect(out).toBe(err);
    expect(waits).toEqual([100, 200, 300, 300, 100]);
  });

  it('rethrows at once an error that is not retriable, and returns the first success', async () => {
    const fatal = new KafkaError('no', false);
    let calls = 0;
    await expect(retry(async () => ((calls++), Promise.reject(fatal)), { initialMs: 1, maxMs: 1, deadline: Infinity, sleep: async () => undefined })).rejects.toBe(fatal);
    expect(calls).toBe(1);
    const v = await retry(async (n) => (n < 3 ? Promise.reject(new KafkaError('x', true)) : n), { initialMs: 1, maxMs: 1, deadline: Infinity, sleep: async () => undefined });
    expect(v).toBe(3);
  });
});
