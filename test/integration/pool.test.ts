import { describe, expect, it } from 'vitest';
import { Metadata } from '../../src/cluster/metadata.js';
import { KafkaConnectionError, KafkaError } from '../../src/errors.js';
import { systemClock, type Clock } from '../../src/network/clock.js';
import { Connection, type ConnectionOptions } from '../../src/network/connection.js';
import { ConnectionPool } from '../../src/network/pool.js';
import { cluster, describeKafka, kafka, noKafka } from './kafka.js';

const bootstrap = noKafka ? [] : kafka.bootstrap.split(',');
const harness = noKafka ? null : cluster();

/** Waits for a condition (polling); the deadline is only there to end a test that would otherwise hang. */
async function until(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describeKafka('connection pool against the cluster', () => {
  it('connects to the bootstrap servers at start, then reuses those connections for the brokers metadata names there', async () => {
    const pool = new ConnectionPool({ bootstrapServers: kafka.bootstrap });
    try {
      await pool.start();
      const atStart = pool.list();
      expect(atStart.every((c) => c.target === 'bootstrap' && c.state === 'ready')).toBe(true);
      expect(atStart.map((c) => c.address).sort()).toEqual([...bootstrap].sort());
      await new Metadata(pool).refresh();
      const brokers = pool.knownBrokers().map((b) => b.nodeId).sort();
      expect(brokers.length).toBe(bootstrap.length);
      // The brokers advertise the bootstrap addresses: one socket per address, none dialled again.
      const after = pool.list();
      expect(after.map((c) => c.target).sort()).toEqual(brokers);
      expect(after.every((c) => c.state === 'ready')).toBe(true);
      expect([...pool.dialCounts.keys()].filter((k) => k.startsWith('node:'))).toEqual([]);
      for (const id of brokers) await pool.request(id, 'Metadata', { topics: [] });
      expect([...pool.dialCounts.values()].reduce((a, b) => a + b, 0)).toBe(bootstrap.length);
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
        expect(p.list().filter((c) => c.state === 'ready').length).toBe(bootstrap.length);
      }
      await until(() => idle.list().filter((c) => c.state === 'ready').length === 0, 'the idle pool has closed its connections');
      // The same time has passed for the other pool, which must keep every connection.
      expect(never.list().filter((c) => c.state === 'ready').length).toBe(bootstrap.length);
      const node = idle.knownBrokers()[0]!.nodeId;
      const dialsBefore = [...idle.dialCounts.values()].reduce((a, b) => a + b, 0);
      const res = await idle.request<{ brokers: unknown[] }>(node, 'Metadata', { topics: [] });
      expect(res.brokers.length).toBe(bootstrap.length);
      expect([...idle.dialCounts.values()].reduce((a, b) => a + b, 0)).toBe(dialsBefore + 1);
      expect(idle.dialCounts.get(`node:${node}`)).toBe(1);
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
  it('fails its requests retriably, backs off between dials by the schedule, and resumes when it returns', async () => {
    const dials: Array<{ node: number | 'bootstrap'; at: number }> = [];
    // Real time, but every wait the pool asks for is recorded: the schedule is checked on what was asked,
    // which does not depend on how loaded the machine is.
    const waits: number[] = [];
    const clock: Clock = { ...systemClock, setTimeout: (fn, ms) => (waits.push(ms), systemClock.setTimeout(fn, ms)) };
    const pool = new ConnectionPool({
      bootstrapServers: kafka.bootstrap,
      reconnectBackoffMs: 50,
      reconnectBackoffMaxMs: 400,
      requestTimeoutMs: 5000,
      connectionsMaxIdleMs: -1,
      clock,
      connect: (o: ConnectionOptions) => {
        dials.push({ node: o.role?.kind === 'broker' ? o.role.nodeId : 'bootstrap', at: Date.now() });
        return Connection.open(o);
      },
    });
    const victim = 2;
    try {
      await pool.start();
      await new Metadata(pool).refresh();
      await until(() => pool.list().some((c) => c.target === victim && c.state === 'ready'), `broker ${victim} is connected`);
      await harness!.stopNode(victim);
      const err = await pool.request(victim, 'Metadata', { topics: [] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KafkaError);
      expect((err as KafkaError).retriable).toBe(true);
      // Keep asking until the pool has dialled the stopped broker 8 times.
      const t0 = Date.now();
      const victimDials = () => dials.filter((d) => d.node === victim && d.at >= t0).map((d) => d.at);
      while (victimDials().length < 8) {
        if (Date.now() - t0 > 60_000) throw new Error('the pool stopped dialling the stopped broker');
        await pool.get(victim).catch(() => undefined);
      }
      // Asked: 50, 100, 200, then capped at 400 — each within ±20% jitter, never above the cap.
      expect(waits.length).toBeGreaterThanOrEqual(6);
      for (const w of waits) expect(w).toBeLessThanOrEqual(400 * 1.2);
      expect(Math.max(...waits)).toBeGreaterThanOrEqual(400 * 0.8);
      // Observed: a timer never fires early, so no two dials are closer than the smallest wait (50 − 20%).
      const times = victimDials();
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      for (const g of gaps) expect(g).toBeGreaterThanOrEqual(40 - 2);
      await harness!.restartNode(victim);
      let ok = false;
      for (let i = 0; i < 300 && !ok; i++) {
        ok = await pool.request(victim, 'Metadata', { topics: [] }).then(
          () => true,
          () => false,
        );
        if (!ok) await new Promise((r) => setTimeout(r, 200));
      }
      expect(ok).toBe(true);
    } finally {
      await pool.close();
      if (harness!.pid(victim) === null) await harness!.restartNode(victim);
    }
  });
});
