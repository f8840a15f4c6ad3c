import { describe, expect, it } from 'vitest';
import { KafkaTimeoutError, Producer } from '../../../src/index.js';
import { internalsOf } from '../../../src/producer/internal.js';
import { retainedMemory } from '../../memory.js';
import { waitFor } from '../../producer/fake-cluster.js';
import { cluster, createTopic, kafka, noKafka, uniqueTopic } from '../kafka.js';

const harness = noKafka ? null : cluster();

describe.skipIf(noKafka || harness === null)('backpressure', () => {
  it('with a small bufferMemory and a paused broker, sends wait, then time out with a typed error; memory stays bounded', async () => {
    const topic = uniqueTopic('pressure');
    await createTopic(topic, 1);
    const bufferMemory = 64 * 1024;
    const p = new Producer({ bootstrapServers: kafka.bootstrap, bufferMemory, maxBlockMs: 1500, batchSize: 4096, requestTimeoutMs: 20_000, deliveryTimeoutMs: 60_000 });
    const { acc, metadata } = internalsOf(p);
    const leader = await p.send({ topic, value: 'warm-up' }).then(() => metadata.leaderFor(topic, 0));
    expect(leader).toBeGreaterThan(0);
    harness!.pauseNode(leader);
    const outcomes: Array<'ok' | 'timeout' | 'other'> = [];
    const sends: Array<Promise<void>> = [];
    const heapBefore = retainedMemory().heap;
    try {
      const value = Buffer.alloc(1000, 7);
      for (let i = 0; i < 500; i++) {
        sends.push(
          p.send({ topic, value }).then(
            () => void outcomes.push('ok'),
            (e: unknown) => void outcomes.push(e instanceof KafkaTimeoutError && /bufferMemory/.test((e as Error).message) ? 'timeout' : 'other'),
          ),
        );
      }
      // While the broker is paused, what the producer holds fills up to bufferMemory and never beyond.
      await waitFor(() => acc.used > bufferMemory / 2, 'the buffer to fill');
      expect(acc.used).toBeLessThanOrEqual(bufferMemory);
      // Sends that find no room within maxBlockMs fail with the typed error (waited for, not timed).
      await waitFor(() => outcomes.filter((o) => o === 'timeout').length > 400 || outcomes.includes('other'), 'the sends without room to time out', 60_000);
      expect(acc.used).toBeLessThanOrEqual(bufferMemory);
      expect(outcomes.includes('other')).toBe(false);
      expect(retainedMemory().heap - heapBefore).toBeLessThan(64 * 1024 * 1024);
    } finally {
      harness!.resumeNode(leader);
    }
    await Promise.all(sends);
    // Once the broker answers again, the records that got room are delivered.
    expect(outcomes.filter((o) => o === 'ok').length).toBeGreaterThan(0);
    expect(outcomes.length).toBe(500);
    await p.close();
  });
});
