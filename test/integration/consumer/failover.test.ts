// A partition leader SIGKILLed while the consumer reads: it follows the new
// leader and misses nothing. Needs node control, so it runs only on a cluster
// the test run started (KAFKA_BASE_PORT=21092 KAFKA_MATRIX=0, no KAFKA_BOOTSTRAP).
import { describe, expect, it } from 'vitest';
import { Consumer } from '../../../src/consumer/index.js';
import { Producer } from '../../../src/index.js';
import { cluster, createTopic, kafka, noKafka, uniqueTopic } from '../kafka.js';

const harness = noKafka ? null : cluster();

describe.skipIf(noKafka || harness === null || kafka.bootstrap.split(',').length < 3)('consumer failover', () => {
  it('a partition leader SIGKILLed during consumption: the consumer moves to the new leader and misses nothing', async () => {
    const topic = uniqueTopic('c-failover');
    await createTopic(topic, 3, 3, { 'min.insync.replicas': '2', 'unclean.leader.election.enable': 'false' });
    const p = new Producer({ bootstrapServers: kafka.bootstrap, requestTimeoutMs: 5000, deliveryTimeoutMs: 90_000, reconnectBackoffMaxMs: 500 });
    const c = new Consumer({ bootstrapServers: kafka.bootstrap, autoOffsetReset: 'earliest', fetchMaxWaitMs: 100, requestTimeoutMs: 5000, reconnectBackoffMaxMs: 500, retryBackoffMaxMs: 500, maxPollRecords: 50 });
    const acked = new Map<string, { partition: number; offset: bigint }>();
    const seen = new Map<string, { partition: number; offset: bigint }>();
    let victim = -1;
    const send = async (from: number, n: number) => {
      await Promise.all(
        Array.from({ length: n }, (_, j) => {
          const value = `r${from + j}`;
          return p.send({ topic, partition: (from + j) % 3, value }).then(
            (m) => void acked.set(value, { partition: m.partition, offset: m.offset }),
            () => undefined,
          );
        }),
      );
    };
    try {
      await send(0, 3000);
      c.assign([0, 1, 2].map((partition) => ({ topic, partition })));
      const readUntil = async (count: number, deadlineMs: number) => {
        const deadline = Date.now() + deadlineMs;
        while (seen.size < count && Date.now() < deadline) {
          for (const r of await c.poll(200)) {
            const v = r.value!.toString();
            expect(seen.has(v), `${v} delivered twice`).toBe(false);
            seen.set(v, { partition: r.partition, offset: r.offset });
          }
        }
      };
      await readUntil(1000, 60_000);
      expect(seen.size).toBeGreaterThanOrEqual(1000);
      victim = c.fetches.metadata.leaderFor(topic, 0);
      expect(victim).toBeGreaterThanOrEqual(0);
      await harness!.killNode(victim);
      const during = send(3000, 3000);
      await readUntil(acked.size, 90_000);
      await during;
      await readUntil(acked.size, 90_000);
    } finally {
      await c.close();
      await p.close();
      if (victim >= 0 && harness!.pid(victim) === null) await harness!.restartNode(victim);
    }
    expect(acked.size).toBeGreaterThan(5000);
    for (const [value, at] of acked) expect(seen.get(value), value).toEqual(at);
    // Partition 0 is now read from a different leader.
    expect(c.fetches.metadata.leaderFor(topic, 0)).not.toBe(victim);
  });
});
