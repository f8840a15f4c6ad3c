import { describe, expect, it } from 'vitest';
import { Producer, type RecordMetadata } from '../../../src/index.js';
import { cluster, createTopic, kafka, noKafka, uniqueTopic } from '../kafka.js';
import { javaConsume } from '../java.js';

const harness = noKafka ? null : cluster();

describe.skipIf(noKafka || harness === null || kafka.bootstrap.split(',').length < 3)('failover', () => {
  it('with a broker killed and restarted mid-stream, every acknowledged record is present exactly once, in order', async () => {
    const topic = uniqueTopic('failover');
    await createTopic(topic, 6, 3, { 'min.insync.replicas': '2' });
    const p = new Producer({ bootstrapServers: kafka.bootstrap, requestTimeoutMs: 5000, deliveryTimeoutMs: 90_000, reconnectBackoffMaxMs: 500 });
    const acked: Array<{ value: string; meta: RecordMetadata }> = [];
    const failed: string[] = [];
    const sendChunk = async (from: number, n: number) => {
      await Promise.all(
        Array.from({ length: n }, (_, j) => {
          const i = from + j;
          const value = `r${i}`;
          return p.send({ topic, key: `k${i % 50}`, value }).then(
            (meta) => void acked.push({ value, meta }),
            () => void failed.push(value),
          );
        }),
      );
    };
    try {
      await sendChunk(0, 5000);
      await harness!.killNode(2);
      const during = sendChunk(5000, 10_000);
      await new Promise((r) => setTimeout(r, 3000));
      await sendChunk(15_000, 5000);
      await harness!.restartNode(2);
      await during;
      await sendChunk(20_000, 5000);
    } finally {
      await p.close();
      if (harness!.pid(2) === null) await harness!.restartNode(2);
    }
    expect(acked.length).toBeGreaterThan(20_000);
    const back = await javaConsume(topic, acked.length + failed.length, { timeoutMs: 30_000 });
    // No value twice (idempotence), and every acknowledged one where send() said it is.
    const counts = new Map<string, number>();
    for (const r of back) counts.set(r.value, (counts.get(r.value) ?? 0) + 1);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    const at = new Map(back.map((r) => [r.value, r]));
    for (const a of acked) {
      const r = at.get(a.value);
      expect(r, a.value).toBeDefined();
      expect([r!.partition, r!.offset]).toEqual([a.meta.partition, a.meta.offset]);
    }
    // Per key, acknowledged records are in send order in the log.
    const lastByKey = new Map<string, bigint>();
    for (const a of [...acked].sort((x, y) => Number(x.value.slice(1)) - Number(y.value.slice(1)))) {
      const key = `k${Number(a.value.slice(1)) % 50}`;
      const prev = lastByKey.get(key);
      if (prev !== undefined) expect(a.meta.offset > prev).toBe(true);
      lastByKey.set(key, a.meta.offset);
    }
  });
});
