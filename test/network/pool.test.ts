import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaConnectionError } from '../../src/errors.js';
import type { MetadataResponse } from '../../src/messages/generated/index.js';
import type { Clock } from '../../src/network/clock.js';
import { Connection, type ConnectionOptions } from '../../src/network/connection.js';
import { ConnectionPool } from '../../src/network/pool.js';
import { apiVersionsBody as fakeApiVersions, responseFrame, startFakeBroker, type FakeBroker, type FakeRequest } from './fake-broker.js';

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
  /** Timers set and not yet fired or cleared. */
  get pending(): number {
    return this.timers.length;
  }
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

/** Polls a condition on real time (socket events are real even when the pool's clock is not). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** A Metadata answer naming the fake broker itself as node `nodeId`. */
function selfMetadata(req: FakeRequest, port: number, nodeId = 1): Buffer {
  const body = { throttleTimeMs: 0, brokers: [{ nodeId, host: '127.0.0.1', port, rack: null }], clusterId: 'c', controllerId: nodeId, topics: [], clusterAuthorizedOperations: 0 };
  return responseFrame(req, body);
}

describe('ConnectionPool: one connection per address, and nothing left after close', () => {
  it('start() is idempotent: concurrent and repeated calls dial each bootstrap address once', async () => {
    broker = await startFakeBroker(() => undefined);
    const other = await startFakeBroker(() => undefined);
    try {
      const pool = new ConnectionPool({ bootstrapServers: [`127.0.0.1:${broker.port}`, `127.0.0.1:${other.port}`] });
      await Promise.all([pool.start(), pool.start()]);
      await pool.start();
      expect(broker.connections).toBe(1);
      expect(other.connections).toBe(1);
      expect(pool.list().map((c) => c.state)).toEqual(['ready', 'ready']);
      await pool.close();
      await expect(pool.start()).rejects.toThrow(/the client is closed/);
    } finally {
      await other.close();
    }
  });

  it('a start() that failed can be tried again, and then connects once', async () => {
    // Nothing listens on the port at first; then a broker comes up there.
    const probe = await startFakeBroker(() => undefined);
    const port = probe.port;
    await probe.close();
    const pool = new ConnectionPool({ bootstrapServers: `127.0.0.1:${port}`, reconnectBackoffMs: 1, reconnectBackoffMaxMs: 1 });
    await expect(pool.start()).rejects.toThrow(KafkaConnectionError);
    broker = await startFakeBroker(() => undefined, port);
    await pool.start();
    await pool.start();
    expect(broker.connections).toBe(1);
    await pool.close();
  });

  it('reuses the bootstrap connection for the broker metadata names at that address', async () => {
    broker = await startFakeBroker((req) => {
      if (req.api.name === 'Metadata') req.socket.write(selfMetadata(req, broker!.port, 1));
    });
    const pool = new ConnectionPool({ bootstrapServers: `127.0.0.1:${broker.port}` });
    await pool.start();
    const md = await pool.request<MetadataResponse>('any', 'Metadata', { topics: [] });
    pool.updateBrokers(md.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port })));
    await pool.request(1, 'Metadata', { topics: [] });
    expect(broker.connections).toBe(1);
    expect(pool.list()).toMatchObject([{ target: 1, address: `127.0.0.1:${broker.port}`, state: 'ready' }]);
    expect(pool.dialCounts.get('node:1')).toBeUndefined();
    // A broker that leaves the metadata gives the address back to the bootstrap list, connection and all.
    pool.updateBrokers([]);
    expect(pool.list()).toMatchObject([{ target: 'bootstrap', state: 'ready' }]);
    await pool.request('any', 'Metadata', { topics: [] });
    expect(broker.connections).toBe(1);
    await pool.close();
  });

  it('close() cancels backoff waits and the idle timer: no timer of the pool is left, and waiting callers fail at once', async () => {
    broker = await startFakeBroker(() => undefined);
    const clock = new FakeClock();
    const pool = new ConnectionPool({
      bootstrapServers: `127.0.0.1:${broker.port}`,
      reconnectBackoffMs: 60_000,
      reconnectBackoffMaxMs: 60_000,
      clock,
      connect: (o: ConnectionOptions) => (o.role?.kind === 'bootstrap' ? Connection.open(o) : Promise.reject(new KafkaConnectionError('refused (scripted)'))),
    });
    await pool.start();
    pool.updateBrokers([{ nodeId: 3, host: '127.0.0.1', port: 1 }]);
    await until(() => pool.list().some((c) => c.target === 3 && c.state === 'backoff'), 'the dial of broker 3 failed');
    const waiting = pool.get(3).then(
      () => 'connected',
      (e: Error) => e.message,
    );
    await flush();
    expect(clock.pending).toBeGreaterThanOrEqual(2); // the idle check and the backoff wait
    await pool.close();
    expect(await waiting).toMatch(/the client is closed/);
    expect(clock.pending).toBe(0);
    await expect(pool.request(3, 'Metadata', { topics: [] })).rejects.toThrow(/the client is closed/);
  });

  it('close() abandons a dial whose broker never answers the handshake, instead of waiting for its timeout', async () => {
    // Accepts TCP, never answers ApiVersions: without the abort, close() would wait requestTimeoutMs.
    broker = await startFakeBroker((req) => req.api.name === 'ApiVersions');
    const pool = new ConnectionPool({ bootstrapServers: `127.0.0.1:${broker.port}`, requestTimeoutMs: 600_000, connectTimeoutMs: 600_000 });
    const started = pool.start().then(
      () => 'started',
      (e: Error) => e.message,
    );
    await until(() => broker!.requests.length === 1, 'the handshake was sent');
    const outcome = await Promise.race([pool.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('still waiting'), 20_000))]);
    expect(outcome).toBe('closed');
    expect(await started).toMatch(/client closed|client is closed/);
    await until(() => broker!.sockets.size === 0, 'the socket was closed');
  });

  it('backs off before redialling a broker that closes every connection right after the handshake', async () => {
    broker = await startFakeBroker((req) => {
      if (req.api.name !== 'ApiVersions') return;
      // Answer the handshake, then hang up, as a broker that is shutting down may.
      req.socket.end(responseFrame(req, fakeApiVersions()));
      return true;
    });
    const clock = new FakeClock();
    const dials: number[] = [];
    const pool = new ConnectionPool({
      bootstrapServers: `127.0.0.1:${broker.port}`,
      reconnectBackoffMs: 100,
      reconnectBackoffMaxMs: 800,
      connectionsMaxIdleMs: -1,
      clock,
      connect: (o: ConnectionOptions) => {
        if (o.role?.kind === 'broker') dials.push(clock.now());
        return Connection.open(o);
      },
    });
    pool.updateBrokers([{ nodeId: 9, host: '127.0.0.1', port: broker.port }]);
    for (const expected of [100, 200, 400, 800]) {
      const conn = await pool.get(9);
      await until(() => conn.state === 'closed', 'the broker hung up');
      const before = dials.length;
      const again = pool.get(9).catch(() => undefined);
      for (let i = 0; i < 400 && dials.length === before; i++) await clock.advance(5);
      expect(dials.length).toBe(before + 1);
      const gap = dials[before]! - dials[before - 1]!;
      expect(gap, `gap after ${before} hang-ups`).toBeGreaterThanOrEqual(Math.floor(expected * 0.8));
      expect(gap, `gap after ${before} hang-ups`).toBeLessThanOrEqual(Math.ceil(expected * 1.2) + 5);
      await again;
    }
    await pool.close();
  });

  it('counts requests waiting for a connection being dialled as in flight, so maxInFlightRequestsPerConnection holds', async () => {
    const held: FakeRequest[] = [];
    broker = await startFakeBroker((req) => {
      if (req.api.name === 'Metadata') held.push(req);
    });
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const pool = new ConnectionPool({
      bootstrapServers: `127.0.0.1:${broker.port}`,
      maxInFlight: 2,
      connect: async (o: ConnectionOptions) => {
        if (o.role?.kind === 'broker') await gate;
        return Connection.open(o);
      },
    });
    pool.updateBrokers([{ nodeId: 4, host: '127.0.0.1', port: broker.port }]);
    const requests = [1, 2, 3, 4, 5].map(() => pool.request(4, 'Metadata', { topics: [] }));
    await flush();
    expect(pool.inFlightTo(4)).toBe(5);
    open();
    await until(() => held.length === 2, 'two requests are on the wire');
    expect(pool.inFlightTo(4)).toBe(5);
    let answered = 0;
    while (answered < 5) {
      await until(() => held.length > 0, 'the next request arrives');
      expect(held.length).toBeLessThanOrEqual(2);
      for (const r of held.splice(0)) (r.socket.write(selfMetadata(r, broker.port, 4)), answered++);
    }
    await Promise.all(requests);
    expect(pool.inFlightTo(4)).toBe(0);
    await pool.close();
  });
});

describe('ConnectionPool with many brokers', () => {
  it('dials twenty at once without a listener-leak warning from its close signal', async () => {
    // Takes TCP and never answers the TLS handshake: each dial stays open, listening for close().
    const sockets = new Set<net.Socket>();
    const server = net.createServer((sock) => (sockets.add(sock), sock.on('error', () => undefined)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    const pool = new ConnectionPool({ bootstrapServers: '127.0.0.1:1', tls: true, connectTimeoutMs: 600_000, lookup: async () => [{ address: '127.0.0.1', family: 4 }] });
    try {
      pool.updateBrokers(Array.from({ length: 20 }, (_, i) => ({ nodeId: i, host: `broker-${i}.test`, port })));
      expect(pool.list().filter((c) => c.state === 'connecting')).toHaveLength(20);
      await until(() => sockets.size === 20, 'every dial reached the server');
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
      await pool.close();
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
    expect(warnings.filter((w) => w.includes('MaxListeners'))).toEqual([]);
  });

  it('close() does not wait for a name lookup that never ends', async () => {
    const pool = new ConnectionPool({ bootstrapServers: 'kafka.test:9092', lookup: () => new Promise(() => undefined) });
    const started = pool.start().catch((e: Error) => e.message);
    const outcome = await Promise.race([pool.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('still waiting'), 20_000))]);
    expect(outcome).toBe('closed');
    expect(await started).toMatch(/client closed|client is closed/);
  });
});
