// A broker with no state for a producer takes any sequence as its first. If a
// batch is refused (leadership moved) while the next one is written by a broker
// that has lost the producer's state, the first can never be placed: the broker
// answers OUT_OF_ORDER_SEQUENCE_NUMBER to every retry. The verifier saw such a
// batch retried until deliveryTimeoutMs, holding up its partition; now it fails
// at once, saying why, and the partition goes on. (A partition's first batch
// can no longer be overtaken so: it goes alone, see model/epoch-bump.test.ts.)
import { afterEach, describe, expect, it } from 'vitest';
import { Producer } from '../../src/index.js';
import { ErrorCode } from '../../src/messages/error-codes.js';
import { deferred, startFakeCluster, waitFor, type FakeCluster } from './fake-cluster.js';

let fake: FakeCluster | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('a batch overtaken by a later one of the same epoch', () => {
  it('fails at once with OUT_OF_ORDER_SEQUENCE_NUMBER explained, instead of retrying until deliveryTimeoutMs', async () => {
    const firstAnswer = deferred<number>();
    let firstTries = 0;
    fake = await startFakeCluster({
      topics: { t: 1 },
      produce: (b) => {
        if (!b.values.includes('first')) return 0;
        firstTries++;
        // First try: refused (not written), answered only after the next batch went out; retries: the broker
        // has sequence 1 already and expects 2.
        return firstTries === 1 ? firstAnswer.promise : ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER;
      },
    });
    const p = new Producer({ bootstrapServers: fake.bootstrap, lingerMs: 0, requestTimeoutMs: 20_000, deliveryTimeoutMs: 60_000, retryBackoffMs: 10 });
    try {
      // An acknowledged batch first: until then a partition's batches go one at a time (see model/epoch-bump.test.ts),
      // so this needs a broker that lost the producer's state after acknowledging it.
      await p.send({ topic: 't', partition: 0, value: 'warm' });
      const first = p.send({ topic: 't', partition: 0, value: 'first' }).then(() => 'delivered', (e: Error) => e.message);
      await waitFor(() => fake!.produced.length === 2, 'the first batch sent');
      const second = p.send({ topic: 't', partition: 0, value: 'second' });
      await waitFor(() => fake!.produced.length === 3, 'the second batch sent while the first is in flight');
      expect(fake.produced.map((b) => b.baseSequence)).toEqual([0, 1, 2]);
      firstAnswer.resolve(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      await expect(second).resolves.toMatchObject({ partition: 0 });
      expect(await first).toMatch(/OUT_OF_ORDER_SEQUENCE_NUMBER.*a later batch of t-0 was written first/);
      expect(firstTries).toBe(2);
      // The partition goes on.
      await expect(p.send({ topic: 't', partition: 0, value: 'third' })).resolves.toMatchObject({ partition: 0 });
    } finally {
      await p.close();
    }
  });
});
