// ProducerLoad.stop() against a stand-in producer: a send still open when the
// load gives up waiting must count as never settled, although close() then
// fails it; sends that settle while stop() waits are awaited, not given up on.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KafkaTimeoutError } from '../../src/errors.js';
import { ProducerLoad } from './load.js';
import { producerReport } from './report.js';

/** Answers the first send at once, the second after 30 ms, and the third only with close()'s failure. */
function standIn() {
  const open: Array<(e: Error) => void> = [];
  let n = 0;
  return {
    closed: false,
    send(): Promise<{ partition: number; offset: bigint }> {
      const i = n++;
      if (i === 0) return Promise.resolve({ partition: 0, offset: 0n });
      if (i === 1) return new Promise((resolve) => setTimeout(() => resolve({ partition: 0, offset: 1n }), 30));
      return new Promise((_, reject) => open.push(reject));
    },
    async close(): Promise<void> {
      this.closed = true;
      for (const reject of open.splice(0)) reject(new KafkaTimeoutError('the producer was closed with this record still queued'));
    },
  };
}

/** stop() as a promise plus whether it has returned, so the test can look in between clock steps. */
function stopping(load: ProducerLoad): { done: () => boolean; promise: Promise<void> } {
  let done = false;
  const promise = load.stop().then(() => {
    done = true;
  });
  return { done: () => done, promise };
}

describe('ProducerLoad.stop', () => {
  // The clock is driven by the test (timers and performance.now), so nothing depends on how busy the machine is.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('counts a send open past deliveryTimeoutMs and the margin as never settled, not failed, and only then closes the producer', async () => {
    const load = new ProducerLoad({ bootstrap: '127.0.0.1:1', topic: 't', producer: { deliveryTimeoutMs: 100, requestTimeoutMs: 50, lingerMs: 0 }, stopMarginMs: 50 });
    const fake = standIn();
    const inside = load as unknown as { producer: unknown; send(): Promise<void> };
    inside.producer = fake;
    const sends = [inside.send(), inside.send(), inside.send()];
    const stop = stopping(load);
    // It waits for the delivery timeout and the margin (150 ms), not less...
    await vi.advanceTimersByTimeAsync(149);
    expect(stop.done()).toBe(false);
    expect(fake.closed).toBe(false);
    // ...and not for ever.
    await vi.advanceTimersByTimeAsync(1);
    await stop.promise;
    await Promise.all(sends);
    expect(fake.closed).toBe(true);
    expect(load.neverSettled).toBe(1);
    expect(load.sends.map((s) => s.neverSettled === true)).toEqual([false, false, true]);
    // close() did fail the third send, but the report keeps it apart from the failures.
    expect(load.sends[2]!.error).toMatch(/KafkaTimeoutError/);
    const r = producerReport('x', load.sends, [{ partition: 0, offset: 0n, value: load.sends[0]!.value }, { partition: 0, offset: 1n, value: load.sends[1]!.value }], 0);
    expect({ acknowledged: r.acknowledged, failed: r.failed, neverSettled: r.neverSettled, lost: r.lost }).toEqual({ acknowledged: 2, failed: 0, neverSettled: 1, lost: 0 });
    expect(r.longestSendMs).toBeLessThan(100);
  });

  it('returns as soon as the last open send settles, without waiting out the delivery timeout', async () => {
    const load = new ProducerLoad({ bootstrap: '127.0.0.1:1', topic: 't', producer: { deliveryTimeoutMs: 60_000 } });
    const fake = standIn();
    const inside = load as unknown as { producer: unknown; send(): Promise<void> };
    inside.producer = fake;
    const sends = [inside.send(), inside.send()];
    const stop = stopping(load);
    await vi.advanceTimersByTimeAsync(29);
    expect(stop.done()).toBe(false);
    // The second send settles at 30 ms, and stop() returns then, 60 s before the delivery timeout.
    await vi.advanceTimersByTimeAsync(1);
    await stop.promise;
    await Promise.all(sends);
    expect(load.neverSettled).toBe(0);
    expect(load.sends.every((s) => s.acked !== undefined && !s.neverSettled)).toBe(true);
  });
});
