// A one-broker stand-in for the producer tests of what a real broker cannot be
// made to do on cue (hold one answer, refuse AddPartitionsToTxn, stay silent on
// EndTxn). Real framing and codecs; Produce batches decoded with src/records.
// With `sequences`, Produce applies the broker's idempotence rules in short:
// per partition, the same epoch must continue at last + 1, a new epoch must
// start at 0, else OUT_OF_ORDER_SEQUENCE_NUMBER.
import { ErrorCode } from '../../src/messages/error-codes.js';
import type { MetadataRequest, ProduceRequest } from '../../src/messages/generated/index.js';
import { decodeRecordBatch } from '../../src/records/batch.js';
import { API_DEFINITIONS } from '../../src/messages/registry.js';
import { apiVersionsBody, fakeTopicId, responseFrame, startFakeBroker, type FakeBroker, type FakeRequest } from '../network/fake-broker.js';

export interface ProducedBatch {
  topic: string;
  partition: number;
  producerId: bigint;
  epoch: number;
  baseSequence: number;
  values: string[];
}

/** An answer for one batch: an error code, or a promise of one (the whole response waits for it). */
export type ProduceAnswer = number | Promise<number>;

export interface FakeClusterOptions {
  /** Topic name → partition count. */
  topics: Record<string, number>;
  produce?: (b: ProducedBatch, call: number) => ProduceAnswer;
  addPartitions?: (topic: string, partition: number) => number;
  /** EndTxn: an error code, or 'silent' (never answer). */
  endTxn?: (call: number, committed: boolean) => number | 'silent';
  /** InitProducerId: an error code to answer instead of an id (0: hand one out). */
  initProducerIdError?: () => number;
  /** Apply the broker's sequence rules to Produce. */
  sequences?: boolean;
  /** Metadata gives every topic the zero id, as brokers without topic ids do. */
  noTopicIds?: boolean;
  /** The offset of every partition's first record (0 unless given): where `log` index 0 sits. */
  firstOffset?: bigint;
  /** APIs left out of the ApiVersions answer (a Kafka 2.8 KRaft node lists no InitProducerId, for one). */
  missingApis?: string[];
}

export interface FakeCluster {
  broker: FakeBroker;
  bootstrap: string;
  /** Every batch received, in order. */
  produced: ProducedBatch[];
  /** Values written to the log, per "topic/partition". */
  log: Map<string, string[]>;
  /** Topic names of every Metadata request. */
  metadataTopics: string[][];
  initProducerId: Array<{ producerId: bigint; producerEpoch: number }>;
  endTxn: boolean[];
  close(): Promise<void>;
}

export async function startFakeCluster(o: FakeClusterOptions): Promise<FakeCluster> {
  const produced: ProducedBatch[] = [];
  const log = new Map<string, string[]>();
  const metadataTopics: string[][] = [];
  const initProducerId: FakeCluster['initProducerId'] = [];
  const endTxn: boolean[] = [];
  const seq = new Map<string, { epoch: number; last: number }>();
  let nextId = 1000n;
  let epochOf = new Map<bigint, number>();
  // A broker answers a connection's requests in order: each answer waits for the ones before it.
  const answered = new WeakMap<object, Promise<void>>();
  const broker: FakeBroker = await startFakeBroker((req: FakeRequest) => {
    const later = (body: Promise<unknown>) => {
      const next = (answered.get(req.socket) ?? Promise.resolve()).then(async () => {
        const b = await body;
        if (!req.socket.destroyed) req.socket.write(responseFrame(req, b));
      });
      answered.set(req.socket, next);
    };
    const reply = (body: unknown) => later(Promise.resolve(body));
    switch (req.api.name) {
      case 'ApiVersions': {
        if (!o.missingApis) return false;
        const body = apiVersionsBody() as { apiKeys: Array<{ apiKey: number }> };
        const missing = new Set(o.missingApis.map((name) => API_DEFINITIONS.find((a) => a.name === name)!.key));
        reply({ ...body, apiKeys: body.apiKeys.filter((k) => !missing.has(k.apiKey)) });
        return true;
      }
      case 'Metadata': {
        const asked = (req.body as MetadataRequest).topics?.map((t) => t.name ?? '') ?? Object.keys(o.topics);
        metadataTopics.push(asked);
        reply({
          throttleTimeMs: 0,
          brokers: [{ nodeId: 1, host: '127.0.0.1', port: broker.port, rack: null }],
          clusterId: 'fake',
          controllerId: 1,
          clusterAuthorizedOperations: 0,
          errorCode: 0,
          topics: asked.map((name) => ({
            errorCode: o.topics[name] === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : 0,
            name,
            topicId: o.noTopicIds ? 'AAAAAAAAAAAAAAAAAAAAAA' : fakeTopicId(name),
            isInternal: false,
            topicAuthorizedOperations: 0,
            partitions: Array.from({ length: o.topics[name] ?? 0 }, (_, i) => ({
              errorCode: 0, partitionIndex: i, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [],
            })),
          })),
        });
        return;
      }
      case 'InitProducerId': {
        const body = req.body as { producerId: bigint; producerEpoch: number };
        initProducerId.push({ producerId: body.producerId, producerEpoch: body.producerEpoch });
        const refused = o.initProducerIdError?.() ?? 0;
        if (refused !== 0) {
          reply({ throttleTimeMs: 0, errorCode: refused, producerId: -1n, producerEpoch: -1, ongoingTxnProducerId: -1n, ongoingTxnProducerEpoch: -1 });
          return;
        }
        let id = body.producerId;
        let epoch = 0;
        if (id >= 0n && epochOf.get(id) === body.producerEpoch) epoch = body.producerEpoch + 1;
        else id = nextId++;
        epochOf = new Map(epochOf).set(id, epoch);
        reply({ throttleTimeMs: 0, errorCode: 0, producerId: id, producerEpoch: epoch, ongoingTxnProducerId: -1n, ongoingTxnProducerEpoch: -1 });
        return;
      }
      case 'FindCoordinator':
        reply({
          throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 1, host: '127.0.0.1', port: broker.port,
          coordinators: [{ key: 'x', nodeId: 1, host: '127.0.0.1', port: broker.port, errorCode: 0, errorMessage: null }],
        });
        return;
      case 'AddPartitionsToTxn': {
        const body = req.body as { v3AndBelowTopics: Array<{ name: string; partitions: number[] }> };
        reply({
          throttleTimeMs: 0, errorCode: 0, resultsByTransaction: [],
          resultsByTopicV3AndBelow: body.v3AndBelowTopics.map((t) => ({
            name: t.name,
            resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: o.addPartitions?.(t.name, p) ?? 0 })),
          })),
        });
        return;
      }
      case 'EndTxn': {
        const committed = (req.body as { committed: boolean }).committed;
        endTxn.push(committed);
        const answer = o.endTxn?.(endTxn.length, committed) ?? 0;
        if (answer !== 'silent') reply({ throttleTimeMs: 0, errorCode: answer, producerId: -1n, producerEpoch: -1 });
        return;
      }
      case 'Produce': {
        const body = req.body as ProduceRequest;
        const answers: Array<{ topic: string; partition: number; code: Promise<number>; count: number }> = [];
        for (const t of body.topicData) {
          // v13+ names the topic by id only.
          const topic = t.name || (Object.keys(o.topics).find((n) => fakeTopicId(n) === t.topicId) ?? '');
          for (const pd of t.partitionData) {
            const b = decodeRecordBatch(pd.records!);
            const batch: ProducedBatch = {
              topic,
              partition: pd.index,
              producerId: b.producerId,
              epoch: b.producerEpoch,
              baseSequence: b.baseSequence,
              values: b.control ? [] : b.records.map((r) => r.value?.toString() ?? ''),
            };
            produced.push(batch);
            answers.push({ topic, partition: pd.index, code: Promise.resolve(o.produce?.(batch, produced.length) ?? 0).then((code) => apply(batch, code)), count: batch.values.length });
          }
        }
        if (body.acks === 0) return;
        later(Promise.all(answers.map((a) => a.code)).then((codes) => {
          const byTopic = new Map<string, unknown[]>();
          answers.forEach((a, i) => {
            const code = codes[i] as number;
            const key = `${a.topic}/${a.partition}`;
            const baseOffset = code === 0 ? (o.firstOffset ?? 0n) + BigInt((log.get(key)?.length ?? 0) - a.count) : -1n;
            const list = byTopic.get(a.topic) ?? [];
            list.push({ index: a.partition, errorCode: code, baseOffset, logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors: [], errorMessage: null });
            byTopic.set(a.topic, list);
          });
          return { throttleTimeMs: 0, nodeEndpoints: [], responses: [...byTopic].map(([name, partitionResponses]) => ({ name, topicId: fakeTopicId(name), partitionResponses })) };
        }));
        return;
      }
    }
  });

  /** Writes the batch if the answer is success and the sequence rules allow it; returns the final code. */
  function apply(b: ProducedBatch, code: number): number {
    if (code !== 0) return code;
    const key = `${b.topic}/${b.partition}`;
    if (o.sequences && b.producerId >= 0n) {
      const s = seq.get(`${key}/${b.producerId}`);
      const ok = s === undefined || b.epoch > s.epoch ? b.baseSequence === 0 : b.epoch === s.epoch && b.baseSequence === s.last + 1;
      if (!ok) return ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER;
      seq.set(`${key}/${b.producerId}`, { epoch: b.epoch, last: b.baseSequence + b.values.length - 1 });
    }
    const list = log.get(key) ?? [];
    list.push(...b.values);
    log.set(key, list);
    return 0;
  }

  return { broker, bootstrap: `127.0.0.1:${broker.port}`, produced, log, metadataTopics, initProducerId, endTxn, close: () => broker.close() };
}

/** Polls `cond` until it holds, failing after `ms` (waits on an event, never asserts elapsed time). */
export async function waitFor(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A promise with its resolve function, for holding a broker's answer. */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
