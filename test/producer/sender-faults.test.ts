// The producer's answers to broker errors that a real broker cannot be made to
// return on cue (an unknown producer id, a duplicate sequence, a too-large batch
// at exactly one request): a scripted broker replies, and the test reads what the
// producer sent back from the request bytes.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaError, KafkaTimeoutError, Producer } from '../../src/index.js';
import type { ProduceRequest } from '../../src/messages/generated/index.js';
import { decodeRecordBatch } from '../../src/records/batch.js';
import { internalsOf } from '../../src/producer/internal.js';
import type { SendBatchError } from '../../src/producer/send-batch.js';
import { waitFor } from './fake-cluster.js';
import { responseFrame, startFakeBroker, type FakeBroker, type FakeRequest } from '../network/fake-broker.js';

const TOPIC = 'faults';

interface SentBatch {
  producerId: bigint;
  epoch: number;
  baseSequence: number;
  values: string[];
  /** Each record as key|value|headers, for checking what arrived with which value. */
  rendered: string[];
}

/** A one-broker cluster whose Produce answers come from `answer`, in order. */
async function cluster(answer: (call: number, batch: SentBatch) => { errorCode: number; recordErrors?: Array<{ batchIndex: number; batchIndexErrorMessage: string | null }> }, port = 0) {
  const sent: SentBatch[] = [];
  const acks: number[] = [];
  let offset = 0n;
  let metadataCalls = 0;
  let producerIds = 0;
  const broker: FakeBroker = await startFakeBroker((req: FakeRequest) => {
    const reply = (body: unknown) => req.socket.write(responseFrame(req, body));
    if (req.api.name === 'Metadata') {
      metadataCalls++;
      reply({
        throttleTimeMs: 0,
        brokers: [{ nodeId: 1, host: '127.0.0.1', port: broker.port, rack: null }],
        clusterId: 'fake', controllerId: 1, clusterAuthorizedOperations: 0, errorCode: 0,
        topics: [{ errorCode: 0, name: TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', isInternal: false, topicAuthorizedOperations: 0,
          partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }] }],
      });
    } else if (req.api.name === 'InitProducerId') {
      reply({ throttleTimeMs: 0, errorCode: 0, producerId: 42n + BigInt(producerIds++), producerEpoch: 0, ongoingTxnProducerId: -1n, ongoingTxnProducerEpoch: -1 });
    } else if (req.api.name === 'Produce') {
      const body = req.body as ProduceRequest;
      acks.push(body.acks);
      const records = body.topicData[0]!.partitionData[0]!.records!;
      const b = decodeRecordBatch(records);
      const batch: SentBatch = {
        producerId: b.producerId,
        epoch: b.producerEpoch,
        baseSequence: b.baseSequence,
        values: b.control ? [] : b.records.map((r) => r.value!.toString()),
        rendered: b.control ? [] : b.records.map((r) => `${r.key?.toString() ?? '-'}|${r.value!.toString()}|${r.headers.map((h) => `${h.key}=${h.value?.toString()}`).join(',')}`),
      };
      sent.push(batch);
      const { errorCode, recordErrors = [] } = answer(sent.length, batch);
      if (body.acks === 0) return; // no answer at all, as a broker does
      const baseOffset = errorCode === 0 ? offset : -1n;
      if (errorCode === 0) offset += BigInt(batch.values.length);
      reply({
        throttleTimeMs: 0, nodeEndpoints: [],
        responses: [{ name: TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitionResponses: [{ index: 0, errorCode, baseOffset, logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors, errorMessage: null }] }],
      });
    }
  }, port);
  return { broker, sent, acks, metadataCalls: () => metadataCalls };
}

let fake: FakeBroker | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const producerFor = (port: number, extra: object = {}) =>
  new Producer({ bootstrapServers: `127.0.0.1:${port}`, lingerMs: 20, retryBackoffMs: 10, retryBackoffMaxMs: 20, ...extra });

describe('producer against scripted broker errors', () => {
  it('retries a retriable error with the same bytes: same producer id, epoch and sequence', async () => {
    const c = await cluster((call) => ({ errorCode: call === 1 ? 6 : 0 })); // NOT_LEADER_OR_FOLLOWER once
    fake = c.broker;
    const p = producerFor(fake.port);
    const metas = await Promise.all(['a', 'b', 'c'].map((value) => p.send({ topic: TOPIC, value })));
    await p.close();
    expect(metas.map((m) => m.offset)).toEqual([0n, 1n, 2n]);
    expect(c.sent.length).toBe(2);
    expect(c.sent[1]).toEqual(c.sent[0]);
    expect(c.sent[0]!.producerId).toBe(42n);
  });

  it('bumps the epoch and restarts sequences at 0 after UNKNOWN_PRODUCER_ID', async () => {
    const c = await cluster((call) => ({ errorCode: call === 2 ? 59 : 0 }));
    fake = c.broker;
    const p = producerFor(fake.port);
    const first = await p.send({ topic: TOPIC, value: 'one' });
    const second = await p.send({ topic: TOPIC, value: 'two' });
    await p.close();
    expect([first.offset, second.offset]).toEqual([0n, 1n]);
    expect(c.sent.map((b) => [b.epoch, b.baseSequence, b.values])).toEqual([
      [0, 0, ['one']],
      [0, 1, ['two']],
      [1, 0, ['two']],
    ]);
  });

  it('counts DUPLICATE_SEQUENCE_NUMBER as success', async () => {
    const c = await cluster(() => ({ errorCode: 46 }));
    fake = c.broker;
    const p = producerFor(fake.port);
    const m = await p.send({ topic: TOPIC, value: 'dup' });
    await p.close();
    expect(m.partition).toBe(0);
    expect(c.sent.length).toBe(1);
  });

  it('splits a batch the broker finds too large, and delivers every record in order', async () => {
    const c = await cluster((_, batch) => ({ errorCode: batch.values.length > 2 ? 10 : 0 }));
    fake = c.broker;
    const p = producerFor(fake.port);
    const values = ['r0', 'r1', 'r2', 'r3', 'r4'];
    const metas = await Promise.all(values.map((value) => p.send({ topic: TOPIC, value })));
    await p.close();
    expect(metas.map((m) => m.offset)).toEqual([0n, 1n, 2n, 3n, 4n]);
    const delivered = c.sent.filter((b) => b.values.length <= 2).flatMap((b) => b.values);
    expect(delivered).toEqual(values);
  });

  it('rejects only the records a KIP-467 answer names; the others go out again', async () => {
    const c = await cluster((call) => (call === 1 ? { errorCode: 87, recordErrors: [{ batchIndex: 1, batchIndexErrorMessage: 'bad record' }] } : { errorCode: 0 }));
    fake = c.broker;
    const p = producerFor(fake.port);
    const results = await Promise.allSettled(['x0', 'x1', 'x2'].map((value) => p.send({ topic: TOPIC, value })));
    await p.close();
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason.message)).toContain('bad record');
    expect(c.sent[1]!.values).toEqual(['x0', 'x2']);
  });

  it('sendBatch() records that a split or a KIP-467 answer takes apart keep their own outcome, key, headers and order', async () => {
    // A call is a sendBatch() of records with or without key and header, or (null) one send().
    const call = fc.oneof(fc.array(fc.record({ key: fc.boolean(), header: fc.boolean() }), { minLength: 1, maxLength: 12 }), fc.constant(null));
    await fc.assert(
      fc.asyncProperty(
        fc.array(call, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.nat(12), { minLength: 1, maxLength: 4 }),
        async (calls, maxRecords, refusingCall, refusedIndexes) => {
          const log: string[] = [];
          const c = await cluster((n, batch) => {
            if (batch.values.length > maxRecords) return { errorCode: 10 }; // MESSAGE_TOO_LARGE: split
            const named = [...new Set(refusedIndexes.filter((i) => i < batch.values.length))];
            if (n === refusingCall && named.length > 0) {
              return { errorCode: 87, recordErrors: named.map((i) => ({ batchIndex: i, batchIndexErrorMessage: `refused ${batch.rendered[i]}` })) };
            }
            log.push(...batch.rendered);
            return { errorCode: 0 };
          });
          const p = producerFor(c.broker.port, { maxInFlightRequestsPerConnection: 1 });
          try {
            let n = 0;
            const sent: Array<{ rendered: string; outcome: Promise<{ offset: bigint } | Error> }> = [];
            for (const x of calls) {
              const shapes = x ?? [{ key: true, header: false }];
              const records = shapes.map(({ key, header }) => {
                const i = n++;
                return { topic: TOPIC, value: `v${i}`, key: key ? `k${i}` : undefined, headers: header ? { h: `x${i}` } : undefined };
              });
              const outcomes: Promise<Array<{ offset: bigint } | Error>> =
                x === null
                  ? p.send(records[0]!).then((m) => [m], (e: Error) => [e])
                  : p.sendBatch(records).then(
                      (ms) => ms,
                      (e: SendBatchError) => e.outcomes.map((o) => (o.ok ? o.metadata : (o.error as Error))),
                    );
              records.forEach((r, i) => sent.push({ rendered: `${r.key ?? '-'}|${r.value}|${r.headers ? `h=${r.headers.h}` : ''}`, outcome: outcomes.then((all) => all[i]!) }));
            }
            await p.flush();
            const written: string[] = [];
            for (const s of sent) {
              const o = await s.outcome;
              if (o instanceof Error) {
                expect(o.message).toContain(`refused ${s.rendered}`);
                continue;
              }
              expect(log[Number(o.offset)]).toBe(s.rendered);
              written.push(s.rendered);
            }
            // Every record not refused was written once, in the order sent (one request in flight).
            expect(log).toEqual(written);
          } finally {
            await p.close();
            await c.broker.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('fails a non-retriable error at once, naming the topic', async () => {
    const c = await cluster(() => ({ errorCode: 17 })); // INVALID_TOPIC_EXCEPTION
    fake = c.broker;
    const p = producerFor(fake.port);
    const err = (await p.send({ topic: TOPIC, value: 'v' }).catch((e: unknown) => e)) as KafkaError;
    await p.close();
    expect(err).toBeInstanceOf(KafkaError);
    expect(err.message).toMatch(/INVALID_TOPIC_EXCEPTION.*topic faults/);
    expect(c.sent.length).toBe(1);
  });

  it('gives up after deliveryTimeoutMs with a timeout that names the last error', async () => {
    const c = await cluster(() => ({ errorCode: 19 })); // NOT_ENOUGH_REPLICAS, for ever
    fake = c.broker;
    const p = producerFor(fake.port, { deliveryTimeoutMs: 600, requestTimeoutMs: 500, lingerMs: 0 });
    const err = (await p.send({ topic: TOPIC, value: 'v' }).catch((e: unknown) => e)) as KafkaError;
    await p.close();
    expect(err).toBeInstanceOf(KafkaTimeoutError);
    expect(err.message).toMatch(/expired after \d+ ms .*deliveryTimeoutMs 600.*NOT_ENOUGH_REPLICAS/);
    expect(c.sent.length).toBeGreaterThan(1);
  });

  it('with acks 0, resolves once written, with offset -1, and the broker answers nothing', async () => {
    const c = await cluster(() => ({ errorCode: 0 }));
    fake = c.broker;
    const p = producerFor(fake.port, { acks: 0 });
    expect(p.options.enableIdempotence).toBe(false);
    const metas = await Promise.all(['a', 'b'].map((value) => p.send({ topic: TOPIC, value })));
    await p.close();
    expect(metas.map((m) => m.offset)).toEqual([-1n, -1n]);
    for (let i = 0; i < 100 && c.acks.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(c.acks).toEqual([0]);
    expect(c.sent[0]!.producerId).toBe(-1n);
  });

  it('refreshes metadata once it is older than metadataMaxAgeMs', async () => {
    const c = await cluster(() => ({ errorCode: 0 }));
    fake = c.broker;
    const p = producerFor(fake.port, { metadataMaxAgeMs: 200 });
    await p.send({ topic: TOPIC, value: 'a' });
    const before = c.metadataCalls();
    // Each send drains; once the metadata is older than 200 ms, a drain refreshes it (waited for, not timed).
    for (let i = 0; i < 2000 && c.metadataCalls() === before; i++) {
      await p.send({ topic: TOPIC, value: 'b' });
      await new Promise((r) => setTimeout(r, 10));
    }
    await p.close();
    expect(c.metadataCalls()).toBeGreaterThan(before);
  });

  it('waits for a cluster that is not up yet, within maxBlockMs, instead of failing at once', async () => {
    // Find a free port, then start the broker on it only after the send began.
    const probe = await cluster(() => ({ errorCode: 0 }));
    const port = probe.broker.port;
    await probe.broker.close();
    const p = producerFor(port, { maxBlockMs: 30_000, reconnectBackoffMaxMs: 100 });
    const sending = p.send({ topic: TOPIC, value: 'late' });
    // Start the broker once the producer has failed to reach it at least twice.
    const { pool } = internalsOf(p);
    await waitFor(() => [...pool.dialCounts.values()].reduce((a, b) => a + b, 0) >= 2, 'failed dials');
    const c = await cluster(() => ({ errorCode: 0 }), port);
    fake = c.broker;
    const m = await sending;
    await p.close();
    expect(m.offset).toBe(0n);
  });

  it('gives up after maxBlockMs when no bootstrap server answers, naming each address', async () => {
    const p = producerFor(1, { maxBlockMs: 2000 });
    const err = (await p.send({ topic: TOPIC, value: 'x' }).catch((e: unknown) => e)) as Error;
    const dials = [...internalsOf(p).pool.dialCounts.values()].reduce((a, b) => a + b, 0);
    await p.close();
    expect(err.message).toMatch(/none of the bootstrap servers could be reached[\s\S]*127\.0\.0\.1:1.*connection refused/);
    // It tried again within maxBlockMs rather than failing at the first refusal.
    expect(dials).toBeGreaterThan(1);
  });

  it('keeps the partition order when the first of several in-flight batches hits UNKNOWN_PRODUCER_ID', async () => {
    // The first try of a fails with 59; b and c, already in flight behind it, get OUT_OF_ORDER_SEQUENCE_NUMBER as a broker would.
    const seen = new Set<string>();
    const c = await cluster((_, batch) => {
      const v = batch.values[0]!;
      const first = !seen.has(v);
      seen.add(v);
      return { errorCode: !first ? 0 : v === 'a' ? 59 : v === 'b' || v === 'c' ? 45 : 0 };
    });
    fake = c.broker;
    const p = producerFor(fake.port, { lingerMs: 0, batchSize: 1 });
    await p.send({ topic: TOPIC, value: 'warm' });
    const metas = await Promise.all(['a', 'b', 'c'].map((value) => p.send({ topic: TOPIC, value })));
    await p.close();
    const attempts = c.sent.slice(1).map((b) => b.values[0]);
    // At least two went out before the first answer; whatever the timing, the log gets a, b, c in order.
    expect(attempts.slice(0, 2)).toEqual(['a', 'b']);
    const written = attempts.filter((v, i) => attempts.indexOf(v) !== i);
    expect(written).toEqual(['a', 'b', 'c'].filter((v) => attempts.filter((x) => x === v).length > 1));
    expect(metas.map((m) => m.offset)).toEqual([1n, 2n, 3n]);
  });

  it('fails every expired batch of a partition whose leader never appears, and flush() returns', async () => {
    const c = await cluster(() => ({ errorCode: 0 }));
    fake = c.broker;
    const p = producerFor(fake.port, { deliveryTimeoutMs: 400, requestTimeoutMs: 300, lingerMs: 0, batchSize: 1 });
    await p.send({ topic: TOPIC, value: 'warm' });
    // The leader disappears from this producer's view (as while a partition has none).
    const { metadata } = internalsOf(p);
    metadata.topics.get(TOPIC)!.partitions[0]!.leader = -1;
    metadata.refresh = async () => undefined;
    const results = await Promise.allSettled(['a', 'b', 'c'].map((value) => p.send({ topic: TOPIC, value })));
    await p.flush();
    await p.close();
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(String((results[2] as PromiseRejectedResult).reason.message)).toMatch(/expired/);
  });

  it('close() stops retrying: records still in the producer fail at once, saying it was closed', async () => {
    const c = await cluster(() => ({ errorCode: 19 })); // retriable for ever
    fake = c.broker;
    const p = producerFor(fake.port, { lingerMs: 0 });
    const sending = p.send({ topic: TOPIC, value: 'v' }).catch((e: unknown) => e);
    await waitFor(() => c.sent.length >= 1, 'the first attempt');
    await p.close({ timeoutMs: 200 });
    const err = (await sending) as KafkaError;
    expect(err).toBeInstanceOf(KafkaError);
    expect(err.message).toMatch(/closed/);
    // Nothing is sent after close() returned: once the broker has seen every connection close (so has read all
    // that was on the wire before), no further request arrives.
    await waitFor(() => fake!.sockets.size === 0, 'the connections to close');
    const sentAtClose = c.sent.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(c.sent.length).toBe(sentAtClose);
  });
});
