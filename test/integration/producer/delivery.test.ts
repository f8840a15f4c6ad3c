import { describe, expect, it } from 'vitest';
import { Producer, type RecordMetadata } from '../../../src/index.js';
import { createTopic, kafka, noKafka, uniqueTopic } from '../kafka.js';
import { javaConsume } from '../java.js';

const N = 100_000;
const KEYS = 1000;

describe.skipIf(noKafka)('delivery', () => {
  it(`${N} keyed records sent concurrently all resolve, keep per-key order, and read back exactly through Java`, async () => {
    const topic = uniqueTopic('delivery');
    await createTopic(topic, 6, 3, { 'min.insync.replicas': '2' });
    const p = new Producer({ bootstrapServers: kafka.bootstrap, lingerMs: 5 });
    let results: RecordMetadata[];
    try {
      const sends: Array<Promise<RecordMetadata>> = [];
      for (let i = 0; i < N; i++) sends.push(p.send({ topic, key: `key-${i % KEYS}`, value: `${i % KEYS}:${Math.floor(i / KEYS)}` }));
      results = await Promise.all(sends);
    } finally {
      await p.close();
    }
    // Each key's records got increasing offsets in one partition, in send order.
    const lastByKey = new Map<number, RecordMetadata>();
    const seen = new Set<string>();
    results.forEach((r, i) => {
      const k = i % KEYS;
      const prev = lastByKey.get(k);
      if (prev) {
        expect(r.partition).toBe(prev.partition);
        expect(r.offset > prev.offset).toBe(true);
      }
      lastByKey.set(k, r);
      const id = `${r.partition}/${r.offset}`;
      expect(seen.has(id)).toBe(false);
      seen.add(id);
    });
    const back = await javaConsume(topic, N, { timeoutMs: 60_000 });
    expect(back.length).toBe(N);
    // The Java consumer sees every value once, at the partition and offset send() reported.
    const where = new Map(results.map((r, i) => [`${i % KEYS}:${Math.floor(i / KEYS)}`, r]));
    const nextSeq = new Map<number, number>();
    for (const rec of back) {
      const sent = where.get(rec.value);
      expect(sent, `value ${rec.value}`).toBeDefined();
      expect(rec.partition).toBe(sent!.partition);
      expect(rec.offset).toBe(sent!.offset);
      where.delete(rec.value);
      const [k, seq] = rec.value.split(':').map(Number) as [number, number];
      expect(rec.key).toBe(`key-${k}`);
      if (back.length === N) {
        // Within a partition the console consumer prints in offset order, so per-key sequences must rise.
        expect(seq).toBeGreaterThan(nextSeq.get(k) ?? -1);
        nextSeq.set(k, seq);
      }
    }
    expect(where.size).toBe(0);
  });
});
