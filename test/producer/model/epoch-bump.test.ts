// The two shapes of the epoch-bump duplicate the model test finds (issue 10, item 2),
// as fixed examples against the rule broker: a batch whose earlier attempt may be in
// the log must keep its epoch and sequence when the producer starts a new epoch, so
// that the broker recognises its retry as a duplicate.
//
// And a partition's first batch: a broker with no state for a producer id on a
// partition takes any sequence (Kafka 2.5 and later). Were the first batch
// refused without being written while later ones were on their way, the broker
// would take the next one as the producer's first, and the refused batch could
// never be written after it. So a partition's first batch of an id and epoch
// goes alone, until the broker has acknowledged one.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaError, Producer, type RecordMetadata } from '../../../src/index.js';
import { ErrorCode } from '../../../src/messages/error-codes.js';
import { RuleBroker } from './rule-broker.js';

const TOPIC = 'bump';
let broker: RuleBroker | undefined;
let producer: Producer<string, string> | undefined;

afterEach(async () => {
  await producer?.close({ timeoutMs: 500 }).catch(() => undefined);
  await broker?.close();
  producer = undefined;
  broker = undefined;
});

/** Polls `cond` until it holds (or fails after `ms`): waits on an event, not a fixed time. */
async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const values = (b: RuleBroker, p: number) => b.log(p).map((e) => e.value);

function start(b: RuleBroker, extra: object = {}): Producer<string, string> {
  return new Producer<string, string>({
    bootstrapServers: b.bootstrap,
    lingerMs: 0,
    requestTimeoutMs: 250,
    deliveryTimeoutMs: 5000,
    retryBackoffMs: 10,
    retryBackoffMaxMs: 40,
    reconnectBackoffMs: 10,
    reconnectBackoffMaxMs: 50,
    ...extra,
  });
}

describe('epoch bump and batches whose outcome is unknown', () => {
  it("another partition's UNKNOWN_PRODUCER_ID does not re-sequence a batch whose response was lost", async () => {
    broker = await RuleBroker.start({ topic: TOPIC, partitions: 2, brokers: 2 }); // p0 led by node 1, p1 by node 2
    producer = start(broker);
    await Promise.all([producer.send({ topic: TOPIC, partition: 0, value: 'w0' }), producer.send({ topic: TOPIC, partition: 1, value: 'w1' })]);
    // r0 is written, its answer lost: the producer learns nothing until requestTimeoutMs.
    broker.inject({ kind: 'drop', partition: 0, later: 'apply' });
    const r0 = producer.send({ topic: TOPIC, partition: 0, value: 'r0' });
    await until(() => values(broker!, 0).includes('r0'), 'r0 is in the log');
    // Meanwhile the other partition's broker says it does not know the producer: the producer starts a new epoch.
    broker.inject({ kind: 'error', partition: 1, code: ErrorCode.UNKNOWN_PRODUCER_ID });
    const r1 = producer.send({ topic: TOPIC, partition: 1, value: 'r1' });
    const [m0, m1] = (await Promise.all([r0, r1])) as [RecordMetadata, RecordMetadata];
    expect(values(broker, 0), broker.trace.join('\n')).toEqual(['w0', 'r0']);
    expect(values(broker, 1)).toEqual(['w1', 'r1']);
    expect([m0.offset, m1.offset]).toEqual([1n, 1n]);
  });

  it('a later batch of the same partition that meets UNKNOWN_PRODUCER_ID does not re-sequence an earlier one being retried', async () => {
    broker = await RuleBroker.start({ topic: TOPIC, partitions: 1, brokers: 1 });
    // batchSize 1: each record is its own batch, and both go out before the first answer comes back.
    producer = start(broker, { batchSize: 1, retryBackoffMs: 200, retryBackoffMaxMs: 200 });
    await producer.send({ topic: TOPIC, partition: 0, value: 'w0' });
    // r0 is written but answered REQUEST_TIMED_OUT (acks=all: replicas too slow), so it is retried after a backoff;
    // r1, right behind it, is answered UNKNOWN_PRODUCER_ID before that retry goes out.
    broker.inject({ kind: 'timeout-after-append', partition: 0 });
    broker.inject({ kind: 'error', partition: 0, code: ErrorCode.UNKNOWN_PRODUCER_ID });
    const metas = await Promise.all(['r0', 'r1'].map((value) => producer!.send({ topic: TOPIC, partition: 0, value })));
    expect(values(broker, 0), broker.trace.join('\n')).toEqual(['w0', 'r0', 'r1']);
    expect(metas.map((m) => m.offset)).toEqual([1n, 2n]);
  });

  it("a batch that expires after lost answers does not make the epoch bump re-sequence another partition's written batch", async () => {
    broker = await RuleBroker.start({ topic: TOPIC, partitions: 2, brokers: 2 }); // p0 led by node 1, p1 by node 2
    producer = start(broker, { requestTimeoutMs: 200, deliveryTimeoutMs: 1000 });
    await Promise.all([producer.send({ topic: TOPIC, partition: 0, value: 'w0' }), producer.send({ topic: TOPIC, partition: 1, value: 'w1' })]);
    // Every answer for either partition is lost from now on: r0, then r1 a little later, are written once and never confirmed.
    for (let i = 0; i < 12; i++) broker.inject({ kind: 'drop', later: 'apply' });
    const r0 = producer.send({ topic: TOPIC, partition: 0, value: 'r0' }).catch((e: unknown) => e);
    await until(() => broker!.trace.filter((l) => l.includes('[r0]')).length >= 2, 'r0 was sent a second time');
    const r1 = producer.send({ topic: TOPIC, partition: 1, value: 'r1' }).catch((e: unknown) => e);
    const [e0, e1] = await Promise.all([r0, r1]);
    // Neither can be confirmed in time; whatever the producer did about r0's unknown outcome, r1 is written once.
    expect(e0).toBeInstanceOf(KafkaError);
    expect(e1).toBeInstanceOf(KafkaError);
    expect(values(broker, 0), broker.trace.join('\n')).toEqual(['w0', 'r0']);
    expect(values(broker, 1), broker.trace.join('\n')).toEqual(['w1', 'r1']);
    // Once the answers flow again, both partitions take new records, once each.
    broker.clearFaults();
    const metas = await Promise.all([producer.send({ topic: TOPIC, partition: 0, value: 'a0' }), producer.send({ topic: TOPIC, partition: 1, value: 'a1' })]);
    expect(values(broker, 0)).toEqual(['w0', 'r0', 'a0']);
    expect(values(broker, 1)).toEqual(['w1', 'r1', 'a1']);
    expect(metas.map((m) => m.offset)).toEqual([2n, 2n]);
  });
});

/** Errors a broker answers without writing the batch, and that the producer retries. */
const REFUSALS = [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.REQUEST_TIMED_OUT, ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.UNKNOWN_PRODUCER_ID];

describe("a partition's first batch, refused by a broker that holds no state for the producer", () => {
  it('is retried and written before the batches sent after it; every record lands once, in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 8 }), fc.constantFrom(...REFUSALS), fc.integer({ min: 1, max: 3 }), async (count, code, refusals) => {
        broker = await RuleBroker.start({ topic: TOPIC, partitions: 1, brokers: 1, acceptUnknownProducer: true });
        // batchSize 1: each record is a batch of its own, so several could be in flight at once.
        producer = start(broker, { batchSize: 1, requestTimeoutMs: 2000, deliveryTimeoutMs: 10_000 });
        await producer.connect();
        for (let i = 0; i < refusals; i++) broker.inject({ kind: 'error', partition: 0, code });
        const sent = Array.from({ length: count }, (_, i) => `v${i}`);
        const results = await Promise.allSettled(sent.map((value) => producer!.send({ topic: TOPIC, partition: 0, value })));
        const trace = broker.trace.join('\n');
        const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [`v${i}: ${(r.reason as Error).message}`] : []));
        expect(failures, trace).toEqual([]);
        expect(values(broker, 0), trace).toEqual(sent);
        expect(results.map((r) => (r.status === 'fulfilled' ? r.value.offset : -1n))).toEqual(sent.map((_, i) => BigInt(i)));
        await producer.close();
        await broker.close();
        producer = undefined;
        broker = undefined;
      }),
      { numRuns: 25 },
    );
  });
});
