import { describe, expect, it } from 'vitest';
import { Producer } from '../../../src/index.js';
import { createTopic, kafka, noKafka, uniqueTopic } from '../kafka.js';

describe.skipIf(noKafka)('producer basics', () => {
  it('send() resolves to partition and offset; offsets increase per partition', async () => {
    const topic = uniqueTopic('smoke');
    await createTopic(topic, 3);
    const p = new Producer({ bootstrapServers: kafka.bootstrap });
    try {
      const results = await Promise.all(Array.from({ length: 300 }, (_, i) => p.send({ topic, key: `k${i % 10}`, value: `v${i}` })));
      const byPartition = new Map<number, bigint[]>();
      for (const r of results) {
        expect(r.topic).toBe(topic);
        expect(r.partition).toBeGreaterThanOrEqual(0);
        expect(r.partition).toBeLessThan(3);
        byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r.offset]);
      }
      for (const offsets of byPartition.values()) {
        expect(new Set(offsets).size).toBe(offsets.length);
        expect(offsets.every((o) => o >= 0n)).toBe(true);
      }
      expect([...byPartition.values()].flat().length).toBe(300);
    } finally {
      await p.close();
    }
  });
});

describe.skipIf(noKafka)('producer edges', () => {
  it('close() sends what is buffered, even with a long lingerMs', async () => {
    const topic = uniqueTopic('close');
    await createTopic(topic, 1);
    const p = new Producer({ bootstrapServers: kafka.bootstrap, lingerMs: 60_000 });
    const sends = Array.from({ length: 10 }, (_, i) => p.send({ topic, value: `v${i}` }));
    // Had close() not sent them, its timeout would fail them ("closed before these records were sent").
    await p.close({ timeoutMs: 10_000 });
    const metas = await Promise.all(sends);
    expect(metas.map((m) => m.offset)).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(i)));
  });

  it('per-record errors (KIP-467) reject only the records the broker named; the rest of the batch is delivered', async () => {
    const topic = uniqueTopic('kip467');
    // A compacted topic refuses records without a key, naming each one by its index in the batch.
    await createTopic(topic, 1, undefined, { 'cleanup.policy': 'compact' });
    const p = new Producer({ bootstrapServers: kafka.bootstrap, lingerMs: 100 });
    try {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => p.send({ topic, partition: 0, key: i % 3 === 0 ? null : `k${i}`, value: `v${i}` })),
      );
      outcomes.forEach((o, i) => {
        if (i % 3 === 0) {
          expect(o.status).toBe('rejected');
          expect(String((o as PromiseRejectedResult).reason.message)).toMatch(/record \d+ of its batch was rejected.*key/i);
        } else {
          expect(o.status).toBe('fulfilled');
        }
      });
      const offsets = outcomes.filter((o) => o.status === 'fulfilled').map((o) => (o as PromiseFulfilledResult<{ offset: bigint }>).value.offset);
      expect(new Set(offsets).size).toBe(6);
    } finally {
      await p.close();
    }
  });

  it('serializes with the serializers given', async () => {
    const topic = uniqueTopic('serde');
    await createTopic(topic, 1);
    const { jsonSerializer, stringSerializer } = await import('../../../src/index.js');
    const p = new Producer<string, unknown>({ bootstrapServers: kafka.bootstrap, keySerializer: stringSerializer, valueSerializer: jsonSerializer });
    try {
      const m = await p.send({ topic, key: 'k', value: { a: 1, b: [true, null] } });
      expect(m.offset).toBe(0n);
      const { fetchBatches } = await import('../fetch.js');
      const [batch] = await fetchBatches(topic);
      expect(batch && !batch.control && JSON.parse(batch.records[0]!.value!.toString())).toEqual({ a: 1, b: [true, null] });
    } finally {
      await p.close();
    }
  });
});
