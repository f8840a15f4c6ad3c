import { afterEach, describe, expect, it } from 'vitest';
import { KafkaConnectionError } from '../../src/errors.js';
import type { Clock } from '../../src/network/clock.js';
import { Connection, type ConnectionOptions } from '../../src/network/connection.js';
import { ConnectionPool } from '../../src/network/pool.js';
import { startFakeBroker, type FakeBroker } from './fake-broker.js';

/** A clock that moves only when told to, firing due timers in order. */
class FakeClock implements Clock {
  t = 1_000_000;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private seq = 0;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== h);
  };
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
      await new Promise((r) => setImmediate(r));
    }
    this.t = end;
    await new Promise((r) => setImmediate(r));
  }
}

const flush = () => new Promise((r) => setImmediate(r));
let broker: FakeBroker | undefined;
afterEach(async () => {
  await broker?.close();
  broker = undefined;
});

describe('ConnectionPool with an injected clock', () => {
  it('closes connections idle for connectionsMaxIdleMs, not before, without waiting in real time', async () => {
    broker = await startFakeBroker(() => undefined);
    const clock = new FakeClock();
    const pool = new ConnectionPool({ bootstrapServers: `127.0.0.1:${broker.port}`, connectionsMaxIdleMs: 60_000, clock });
    await pool.start();
    expect(pool.list().map((c) => c.state)).toEqual(['ready']);
    await clock.advance(59_000);
    expect(pool.list().map((c) => c.state)).toEqual(['ready']);
    expect(pool.list()[0]!.idleMs).toBe(59_000);
    await clock.advance(16_000);
    expect(pool.list()).toEqual([]);
    await pool.close();
  });

  it('never closes idle connections with -1', async () => {
    broker = await startFakeBroker(() => undefined);
    const clock = new FakeClock();
    const pool = new ConnectionPool({ bootstrapServers: `127.0.0.1:${broker.port}`, connectionsMaxIdleMs: -1, clock });
    await pool.start();
    await clock.advance(10 * 540_000);
    expect(pool.list().map((c) => c.state)).toEqual(['ready']);
    await pool.close();
  });

  it('waits out the reconnect backoff, doubling per failure up to the maximum', async () => {
    broker = await startFakeBroker(() => undefined);
    const clock = new FakeClock();
    const dials: number[] = [];
    const pool = new ConnectionPool({
      bootstrapServers: `127.0.0.1:${broker.port}`,
      reconnectBackoffMs: 100,
      reconnectBackoffMaxMs: 800,
      clock,
      connect: (o: ConnectionOptions) => {
        if (o.role?.kind === 'bootstrap') return Connection.open(o);
        dials.push(clock.now());
        return Promise.reject(new KafkaConnectionError('refused (scripted)'));
      },
    });
    await pool.start();
    pool.updateBrokers([{ nodeId: 7, host: '127.0.0.1', port: 1 }]);
    await flush();
    expect(dials.length).toBe(1);
    for (const expected of [100, 200, 400, 800, 800]) {
      const waiting = pool.get(7).catch(() => undefined);
      const before = dials.length;
      // Step the clock in 5 ms ticks until the pool dials again.
      for (let i = 0; i < 400 && dials.length === before; i++) await clock.advance(5);
      expect(dials.length).toBe(before + 1);
      const gap = dials[before]! - dials[before - 1]!;
      expect(gap, `gap after ${before} failures`).toBeGreaterThanOrEqual(Math.floor(expected * 0.8));
      expect(gap, `gap after ${before} failures`).toBeLessThanOrEqual(Math.ceil(expected * 1.2) + 5);
      await waiting;
    }
    await pool.close();
  });

  it('doubles the connection setup timeout per failed dial, up to its maximum (jittered ±20%)', async () => {
    broker = await startFakeBroker(() => undefined);
    const clock = new FakeClock();
    const timeouts: number[] = [];
    const pool = new ConnectionPool({
      bootstrapServers: `127.0.0.1:${broker.port}`,
      connectTimeoutMs: 1000,
      connectTimeoutMaxMs: 3000,
      reconnectBackoffMs: 10,
      reconnectBackoffMaxMs: 10,
      clock,
      connect: (o: ConnectionOptions) => {
        if (o.role?.kind === 'bootstrap') return Connection.open(o);
        timeouts.push(o.connectTimeoutMs!);
        return Promise.reject(new KafkaConnectionError('timed out (scripted)'));
      },
    });
    await pool.start();
    pool.updateBrokers([{ nodeId: 1, host: '127.0.0.1', port: 1 }]);
    await flush();
    for (let i = 0; i < 4; i++) {
      const waiting = pool.get(1).catch(() => undefined);
      await clock.advance(20);
      await waiting;
    }
    expect(timeouts.length).toBe(5);
    [1000, 2000, 3000, 3000, 3000].forEach((base, i) => {
      expect(timeouts[i]).toBeGreaterThanOrEqual(Math.min(base * 0.8, 3000));
      expect(timeouts[i]).toBeLessThanOrEqual(Math.min(base * 1.2, 3000));
    });
    await pool.close();
  });
});
