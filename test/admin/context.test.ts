// The Admin retry loop: per-item outcomes, retriable items retried with backoff until the deadline, on a fake clock.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdminContext } from '../../src/admin/context.js';
import { fail, ok, type Result } from '../../src/admin/types.js';
import { KafkaError, KafkaTimeoutError } from '../../src/errors.js';
import type { Clock } from '../../src/network/clock.js';
import type { ConnectionPool } from '../../src/network/pool.js';

/**
 * A clock whose time jumps: once the microtasks have settled (setImmediate),
 * the earliest pending timer fires and time moves to its due time.
 */
function fakeClock(): Clock & { t: number } {
  const timers: Array<{ fn: () => void; at: number; seq: number; cancelled: boolean }> = [];
  let seq = 0;
  const c = {
    t: 0,
    now: () => c.t,
    setTimeout: (fn: () => void, ms: number) => {
      const h = { fn, at: c.t + Math.max(0, ms), seq: seq++, cancelled: false };
      timers.push(h);
      setImmediate(() => {
        const live = timers.filter((x) => !x.cancelled).sort((a, b) => a.at - b.at || a.seq - b.seq);
        const next = live[0];
        if (!next) return;
        next.cancelled = true;
        c.t = Math.max(c.t, next.at);
        next.fn();
      });
      return h;
    },
    clearTimeout: (h: unknown) => {
      (h as { cancelled: boolean }).cancelled = true;
    },
  };
  return c;
}

function ctx(clock: Clock, defaultApiTimeoutMs = 10_000) {
  return new AdminContext({} as ConnectionPool, { requestTimeoutMs: 1000, defaultApiTimeoutMs, retryBackoffMs: 100, retryBackoffMaxMs: 1000 }, clock, async () => undefined);
}

const retriable = new KafkaError('try again', true);
const fatal = new KafkaError('no', false);

describe('AdminContext.perItem', () => {
  it('keeps successes and non-retriable failures from the first round, retries only the retriable items', async () => {
    const clock = fakeClock();
    const asked: string[][] = [];
    const res = await ctx(clock).perItem<number>('Test', ['a', 'b', 'c'], async (pending) => {
      asked.push(pending);
      const m = new Map<string, Result<number>>();
      for (const k of pending) m.set(k, k === 'a' ? ok(1) : k === 'b' ? fail(fatal) : asked.length < 3 ? fail(retriable) : ok(3));
      return m;
    });
    expect(asked).toEqual([['a', 'b', 'c'], ['c'], ['c']]);
    expect(res.get('a')).toEqual(ok(1));
    expect(res.get('b')!.error).toBe(fatal);
    expect(res.get('c')).toEqual(ok(3));
  });

  it('an item the broker left out, or a whole attempt that throws, counts as a retriable failure of each pending item', async () => {
    const clock = fakeClock();
    let round = 0;
    const res = await ctx(clock).perItem<string>('Test', ['x', 'y'], async (pending) => {
      round++;
      if (round === 1) throw new KafkaError('connection lost', true);
      if (round === 2) return new Map([['x', ok('x')]]);
      return new Map(pending.map((k) => [k, ok(k)]));
    });
    expect(round).toBe(3);
    expect([...res.values()].every((r) => r.ok)).toBe(true);
  });

  it('property: a retriable failure ends as KafkaTimeoutError no later than the deadline, carrying the last error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 20_000 }), async (timeoutMs) => {
        const clock = fakeClock();
        let attempts = 0;
        const res = await ctx(clock, timeoutMs).perItem<void>('Test', ['k'], async () => {
          attempts++;
          return new Map([['k', fail<void>(retriable)]]);
        });
        const r = res.get('k')!;
        expect(r.error).toBeInstanceOf(KafkaTimeoutError);
        expect(r.error!.message).toContain(`within ${timeoutMs} ms`);
        expect((r.error!.context.cause as Error).message).toBe('try again');
        expect(clock.now()).toBeLessThanOrEqual(timeoutMs);
        // Backoff doubles from 100 ms to 1 s: attempts grow with the time allowed, but stay bounded.
        expect(attempts).toBeGreaterThanOrEqual(1);
        expect(attempts).toBeLessThanOrEqual(2 + Math.ceil(timeoutMs / 80));
      }),
      { numRuns: 40 },
    );
  });

  it('once: resolves to the value or rejects with the error', async () => {
    const c = ctx(fakeClock());
    await expect(c.once('T', async () => 5)).resolves.toBe(5);
    await expect(c.once('T', async () => Promise.reject(fatal))).rejects.toBe(fatal);
  });
});
