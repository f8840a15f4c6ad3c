import { describe, expect, it } from 'vitest';
import { Metadata } from '../../src/cluster/metadata.js';
import { KafkaConnectionError, KafkaError } from '../../src/errors.js';
import { Connection, type ConnectionOptions } from '../../src/network/connection.js';
import { ConnectionPool } from '../../src/network/pool.js';
import { cluster, kafka, noKafka } from './kafka.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bootstrap = noKafka ? [] : kafka.bootstrap.split(',');
const harness = noKafka ? null : cluster();

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe.skipIf(noKafka)('connection pool against the cluster', () => {
  it('connects to the bootstrap servers at start, then to every broker after metadata', async () => {
    const pool = new ConnectionPool({ bootstrapServers: kafka.bootstrap });
    try {
      await pool.start();
      const atStart = pool.list();
      expect(atStart.every((c) => c.target === 'bootstrap' && c.state === 'ready')).toBe(true);
      expect(atStart.map((c) => c.address).sort()).toEqual([...bootstrap].sort());
      const metadata = new Metadata(pool);
      await metadata.refresh();
      const brokers = pool.knownBrokers().map((b) => b.nodeId).sort();
      expect(brokers.length).toBe(bootstrap.length);
      await until(() => brokers.every((id) => pool.list().some((c) => c.target === id && c.state === 'ready')));
      const byBroker = pool.list().filter((c) => c.target !== 'bootstrap');
      expect(byBroker.map((c) => c.target).sort()).toEqual(brokers);
    } finally {
      await pool.close();
    }
  });

  it('closes idle connections after connectionsMaxIdleMs (bootstrap ones too), keeps them with -1, and dials again when needed', async () => {
    const idle = new ConnectionPool({ bootstrapServers: kafka.bootstrap, connectionsMaxIdleMs: 1000 });
    const never = new ConnectionPool({ bootstrapServers: kafka.bootstrap, connectionsMaxIdleMs: -1 });
    try {
      for (const p of [idle, never]) {
        await p.start();
        await new Metadata(p).refresh();
        await until(() => p.list().filter((c) => c.state === 'ready').length === bootstrap.length * 2);
      }
      await sleep(2500);
      expect(idle.list().filter((c) => c.state === 'ready')).toEqual([]);
      expect(never.list().filter((c) => c.state === 'ready').length).toBe(bootstrap.length * 2);
      const node = idle.knownBrokers()[0]!.nodeId;
      const dialsBefore = idle.dialCounts.get(`node:${node}`) ?? 0;
      const res = await idle.request<{ brokers: unknown[] }>(node, 'Metadata', { topics: [] });
      expect(res.brokers.length).toBe(bootstrap.length);
      expect(idle.dialCounts.get(`node:${node}`)).toBe(dialsBefore + 1);
    } finally {
      await idle.close();
      await never.close();
    }
  });

  it('starts when only some bootstrap servers answer, and names every one that did not when none do', async () => {
    const some = new ConnectionPool({ bootstrapServers: ['127.0.0.1:1', bootstrap[0]!] });
    await some.start();
    expect(some.list().filter((c) => c.state === 'ready').length).toBe(1);
    await some.close();
    const none = new ConnectionPool({ bootstrapServers: ['127.0.0.1:1', '127.0.0.1:2'] });
    const err = (await none.start().catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(KafkaConnectionError);
    expect(err.message).toMatch(/127\.0\.0\.1:1[\s\S]*127\.0\.0\.1:2/);
    await none.close();
  });
});

describe.skipIf(noKafka || harness === null || bootstrap.length < 3)('connection pool when a broker goes away', () => {
  it('fails its requests retriably, backs off between dials within the bounds, and resumes when it returns', async () => {
    const dials: Array<{ node: number | 'bootstrap'; at: number }> = [];
    const pool = new ConnectionPool({
      bootstrapServers: kafka.bootstrap,
      reconnectBackoffMs: 50,
      reconnectBackoffMaxMs: 400,
      requestTimeoutMs: 5000,
      connect: (o: ConnectionOptions) => {
        dials.push({ node: o.role?.kind === 'broker' ? o.role.nodeId : 'bootstrap', at: Date.now() });
        return Connection.open(o);
      },
    });
    const victim = 2;
    try {
      await pool.start();
      await new Metadata(pool).refresh();
      await until(() => pool.list().some((c) => c.target === victim && c.state === 'ready'));
      await harness!.stopNode(victim);
      const err = await pool.request(victim, 'Metadata', { topics: [] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KafkaError);
      expect((err as KafkaError).retriable).toBe(true);
      // Keep asking for 3 s: every failed dial is followed by a wait from the backoff schedule.
      const t0 = Date.now();
      while (Date.now() - t0 < 3000) await pool.get(victim).catch(() => undefined);
      const times = dials.filter((d) => d.node === victim && d.at >= t0).map((d) => d.at);
      expect(times.length).toBeGreaterThan(5);
      expect(times.length).toBeLessThan(3000 / 50);
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      // 50, 100, 200, then capped at 400 — each within ±20% jitter (plus timer slack).
      for (const g of gaps) expect(g).toBeGreaterThanOrEqual(35);
      for (const g of gaps) expect(g).toBeLessThanOrEqual(400 * 1.2 + 300);
      expect(Math.max(...gaps)).toBeGreaterThan(300);
      await harness!.restartNode(victim);
      let ok = false;
      for (let i = 0; i < 50 && !ok; i++) {
        ok = await pool.request(victim, 'Metadata', { topics: [] }).then(() => true, () => false);
        if (!ok) await sleep(200);
      }
      expect(ok).toBe(true);
    } finally {
      await pool.close();
      if (harness!.pid(victim) === null) await harness!.restartNode(victim);
    }
  });
});
