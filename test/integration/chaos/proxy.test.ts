// Each control of the fault-injecting proxy, against a real cluster whose
// nodes advertise the proxies (unless KAFKA_CHAOS=0; see test/kafka/global-setup.ts),
// with the kafkawire Producer on the other side. Records are read back with
// the Java console consumer straight from the brokers, past the proxies.
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaError, KafkaTimeoutError, Producer, type ProducerOptions, type RecordMetadata } from '../../../src/index.js';
import { Metadata } from '../../../src/cluster/metadata.js';
import { ConnectionPool } from '../../../src/network/pool.js';
import { RemoteChaos } from '../../chaos/control.js';
import { javaConsume } from '../java.js';
import { createTopic, describeKafka, kafka, uniqueTopic } from '../kafka.js';

const chaosCtx = kafka.chaos;
const chaos = chaosCtx ? new RemoteChaos(chaosCtx.control) : null;

/** Leader node of every partition of topic, read straight from the brokers. */
async function leaders(topic: string): Promise<Map<number, number>> {
  const pool = new ConnectionPool({ bootstrapServers: kafka.bootstrap });
  try {
    await pool.start();
    const m = new Metadata(pool);
    const parts = await m.waitForTopic(topic, 10_000);
    return new Map(parts.map((p) => [p.partition, m.leaderFor(topic, p.partition)]));
  } finally {
    await pool.close();
  }
}

function producer(extra: Partial<ProducerOptions<string, string>> = {}): Producer<string, string> {
  return new Producer<string, string>({ bootstrapServers: chaosCtx!.bootstrap, reconnectBackoffMaxMs: 500, ...extra });
}

/** Polls cond until it holds or deadlineMs passes. */
async function eventually(cond: () => boolean | Promise<boolean>, what: string, deadlineMs = 60_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Reads the topic back and checks every acknowledged record is there once, where send() said. */
async function expectExactlyOnce(topic: string, acked: Array<{ value: string; meta: RecordMetadata }>, atMost: number): Promise<void> {
  const back = await javaConsume(topic, atMost, { timeoutMs: 15_000 });
  const counts = new Map<string, number>();
  for (const r of back) counts.set(r.value, (counts.get(r.value) ?? 0) + 1);
  expect([...counts.entries()].filter(([, c]) => c !== 1), 'records in the log more than once').toEqual([]);
  const at = new Map(back.map((r) => [r.value, r]));
  const lost = acked.filter((a) => !at.has(a.value)).map((a) => a.value);
  expect(lost, 'acknowledged records missing from the log').toEqual([]);
  for (const a of acked) expect([at.get(a.value)!.partition, at.get(a.value)!.offset], a.value).toEqual([a.meta.partition, a.meta.offset]);
}

const describeChaos = chaosCtx ? describeKafka : describe.skip;

describeChaos('chaos proxy in front of a real cluster', () => {
  afterEach(async () => {
    await chaos!.heal();
  });

  it('the client reaches every broker through its proxy', async () => {
    const topic = uniqueTopic('chaos-via');
    await createTopic(topic, 6, 3);
    const before = await chaos!.stats();
    const p = producer();
    try {
      await Promise.all(Array.from({ length: 60 }, (_, i) => p.send({ topic, partition: i % 6, value: `v${i}` })));
    } finally {
      await p.close();
    }
    const after = await chaos!.stats();
    const leaderNodes = new Set((await leaders(topic)).values());
    for (const s of after) {
      const b = before.find((x) => x.node === s.node)!;
      if (!leaderNodes.has(s.node)) continue;
      expect(s.accepted, `connections through node ${s.node}'s proxy`).toBeGreaterThan(b.accepted);
      expect(s.up.forwarded, `bytes to node ${s.node}`).toBeGreaterThan(b.up.forwarded);
      expect(s.down.forwarded, `bytes from node ${s.node}`).toBeGreaterThan(b.down.forwarded);
    }
    expect(leaderNodes.size).toBeGreaterThan(1);
  });

  it('connections cut again and again mid-stream: every acknowledged record is in the log exactly once', async () => {
    const topic = uniqueTopic('chaos-cut');
    await createTopic(topic, 6, 3, { 'min.insync.replicas': '2' });
    const p = producer({ requestTimeoutMs: 5000, deliveryTimeoutMs: 60_000 });
    const acked: Array<{ value: string; meta: RecordMetadata }> = [];
    const failed: unknown[] = [];
    let sent = 0;
    const sendChunk = (n: number) =>
      Promise.all(
        Array.from({ length: n }, () => {
          const value = `r${sent++}`;
          return p.send({ topic, key: `k${sent % 40}`, value }).then(
            (meta) => void acked.push({ value, meta }),
            (e: unknown) => void failed.push(e),
          );
        }),
      );
    let cuts = 0;
    try {
      await sendChunk(500);
      // Cut everything every 250 ms while chunks keep flowing, until 8 cuts hit open connections.
      const cutter = (async () => {
        for (let round = 0; round < 200 && cuts < 8; round++) {
          await new Promise((r) => setTimeout(r, 250));
          if ((await chaos!.cut('all')) > 0) cuts++;
        }
      })();
      for (let i = 0; i < 200 && cuts < 8; i++) await sendChunk(300);
      await cutter;
      await sendChunk(500);
    } finally {
      await p.close();
    }
    expect(cuts).toBe(8);
    expect(failed, 'sends that failed although the delivery timeout was never reached').toEqual([]);
    expect(acked.length).toBe(sent);
    await expectExactlyOnce(topic, acked, sent);
  });

  it('a black-holed broker: its partitions time out as deliveryTimeoutMs says, the others deliver, and it recovers when healed', async () => {
    const topic = uniqueTopic('chaos-hole');
    await createTopic(topic, 6, 3);
    const lead = await leaders(topic);
    const victim = lead.get(0)!;
    const victimParts = [...lead].filter(([, n]) => n === victim).map(([pt]) => pt);
    const others = [...lead].filter(([, n]) => n !== victim).map(([pt]) => pt);
    const p = producer({ requestTimeoutMs: 2000, deliveryTimeoutMs: 5000, lingerMs: 0 });
    const acked: Array<{ value: string; meta: RecordMetadata }> = [];
    const keep = (value: string, meta: RecordMetadata) => (acked.push({ value, meta }), meta);
    try {
      // Warm: connections to every leader are open before the hole opens.
      await Promise.all([...lead.keys()].map((pt) => p.send({ topic, partition: pt, value: `warm${pt}` }).then((m) => keep(`warm${pt}`, m))));
      await chaos!.blackhole(victim, 'both');
      const outcomes = await Promise.allSettled([...lead.keys()].map((pt) => p.send({ topic, partition: pt, value: `hole${pt}` }).then((m) => keep(`hole${pt}`, m))));
      for (const [i, o] of outcomes.entries()) {
        if (victimParts.includes(i)) {
          expect(o.status, `partition ${i} on the black-holed node ${victim}`).toBe('rejected');
          const err = (o as PromiseRejectedResult).reason as unknown;
          expect(err).toBeInstanceOf(KafkaError);
          expect(err).toBeInstanceOf(KafkaTimeoutError);
        } else {
          expect(o.status, `partition ${i} on node ${lead.get(i)}: ${String((o as PromiseRejectedResult).reason)}`).toBe('fulfilled');
        }
      }
      expect(others.length).toBeGreaterThan(0);
      const dropped = (await chaos!.stats(victim))[0]!;
      expect(dropped.up.dropped).toBeGreaterThan(0);
      await chaos!.heal(victim);
      await Promise.all(victimParts.map((pt) => p.send({ topic, partition: pt, value: `after${pt}` }).then((m) => keep(`after${pt}`, m))));
    } finally {
      await p.close();
    }
    // The timed-out records never reached the broker (the hole drops what the client sends); allow for them anyway.
    await expectExactlyOnce(topic, acked, acked.length + victimParts.length);
  });

  it('answers black-holed for a while (the broker writes, the client hears nothing): retries are deduplicated, each record is in the log once', async () => {
    const topic = uniqueTopic('chaos-deaf');
    await createTopic(topic, 3, 3, { 'min.insync.replicas': '2' });
    const p = producer({ requestTimeoutMs: 1500, deliveryTimeoutMs: 60_000, lingerMs: 0 });
    const acked: Array<{ value: string; meta: RecordMetadata }> = [];
    const send = (value: string, partition: number) => p.send({ topic, partition, value }).then((meta) => void acked.push({ value, meta }));
    try {
      await Promise.all([0, 1, 2].map((pt) => send(`warm${pt}`, pt)));
      // Every broker's answers vanish for 4 s: the Produce requests reach the log, their acknowledgements do not.
      const before = await chaos!.stats();
      await chaos!.blackhole('all', 'down', 4000);
      await Promise.all(Array.from({ length: 30 }, (_, i) => send(`deaf${i}`, i % 3)));
      const after = await chaos!.stats();
      expect(after.reduce((n, s) => n + s.down.dropped, 0)).toBeGreaterThan(before.reduce((n, s) => n + s.down.dropped, 0));
    } finally {
      await p.close();
    }
    expect(acked.length).toBe(33);
    await expectExactlyOnce(topic, acked, 33);
  });

  it('latency: sends still succeed, and take at least the added round trip', async () => {
    const topic = uniqueTopic('chaos-slow');
    await createTopic(topic, 1, 3);
    const p = producer();
    try {
      await p.send({ topic, value: 'warm' });
      await chaos!.latency('all', 'both', 400);
      const t0 = performance.now();
      const meta = await p.send({ topic, value: 'slow' });
      // A lower bound only (400 ms each way): load can make it slower, never faster.
      expect(performance.now() - t0).toBeGreaterThanOrEqual(790);
      expect(meta.offset).toBe(1n);
    } finally {
      await chaos!.heal();
      await p.close();
    }
  });

  it('one byte at a time: a new producer connects, negotiates and delivers', async () => {
    const topic = uniqueTopic('chaos-trickle');
    await createTopic(topic, 3, 3);
    await chaos!.trickle('all', 'both');
    const before = await chaos!.stats();
    const p = producer();
    const acked: Array<{ value: string; meta: RecordMetadata }> = [];
    try {
      await Promise.all(Array.from({ length: 20 }, (_, i) => p.send({ topic, key: `k${i}`, value: `t${i}` }).then((meta) => void acked.push({ value: `t${i}`, meta }))));
    } finally {
      await p.close();
      await chaos!.heal();
    }
    const after = await chaos!.stats();
    let trickled = 0;
    for (const s of after) {
      const b = before.find((x) => x.node === s.node)!;
      const bytes = s.down.forwarded - b.down.forwarded;
      trickled += bytes;
      expect(s.down.writes - b.down.writes, `writes from node ${s.node}`).toBe(bytes);
    }
    expect(trickled).toBeGreaterThan(100);
    await expectExactlyOnce(topic, acked, 20);
  });

  it('refused connections: send fails within maxBlockMs with a typed error, and the same producer recovers when accepted again', async () => {
    const topic = uniqueTopic('chaos-refuse');
    await createTopic(topic, 1, 3);
    await chaos!.refuse('all');
    const p = producer({ maxBlockMs: 3000 });
    try {
      const err = await p.send({ topic, value: 'refused' }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(KafkaError);
      const refused = (await chaos!.stats()).reduce((n, s) => n + s.refused, 0);
      expect(refused).toBeGreaterThan(0);
      await chaos!.refuse('all', false);
      let meta: RecordMetadata | null = null;
      await eventually(async () => {
        meta = await p.send({ topic, value: 'accepted' }).catch(() => null);
        return meta !== null;
      }, 'a send after connections are accepted again');
      expect(meta!.partition).toBe(0);
    } finally {
      await p.close();
    }
  });
});
