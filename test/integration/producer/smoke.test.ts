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
