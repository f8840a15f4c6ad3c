// A one-broker scripted cluster for consumer tests: one topic, a log of v2
// batches per partition, committed offsets of one group (FindCoordinator,
// OffsetCommit and OffsetFetch; broker 1 coordinates), and hooks to answer Fetch, ListOffsets
// and OffsetForLeaderEpoch differently on cue.
import type { FetchRequest, FetchResponse } from '../../src/messages/generated/index.js';
import { encodeRecordBatch } from '../../src/records/batch.js';
import { apiVersionsBody, responseFrame, startFakeBroker, type FakeBroker, type FakeRequest } from '../network/fake-broker.js';

export const TOPIC = 'fake-topic';
export const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

export interface FakeLog {
  /** Encoded batches, in offset order. */
  batches: Array<{ baseOffset: bigint; count: number; bytes: Buffer }>;
  next: bigint;
}

export interface FakeCluster {
  /** The leader of every partition (node 1). */
  broker: FakeBroker;
  /** Every broker: node ids 1, 2, …, each in rack r<id>. */
  brokers: FakeBroker[];
  /** Node id that received each Fetch (same order as `fetches`). */
  fetchNodes: number[];
  /** Lets the leader name a preferred read replica (KIP-392) for a fetch from this rack. */
  preferredReplicaFor: (rackId: string) => number;
  logs: FakeLog[];
  leaderEpoch: number;
  fetches: FetchRequest[];
  append(partition: number, values: string[], opts?: { leaderEpoch?: number; corrupt?: boolean }): void;
  /** Replaces the answer to the n-th Fetch (1-based); return undefined for the default answer. */
  onFetch: (n: number, req: FetchRequest) => Partial<FetchResponse> | undefined;
  onEpochEnd: (partition: number, epoch: number) => { errorCode?: number; leaderEpoch: number; endOffset: bigint };
  /** OffsetForLeaderEpoch requests seen: partition, the epoch asked about and the sender's current leader epoch. */
  epochRequests: Array<{ partition: number; leaderEpoch: number; currentLeaderEpoch: number }>;
  /** API version ranges the brokers advertise instead of ours (api key → [min, max]), for connections made after it is set. */
  apiVersions: Partial<Record<number, [number, number]>>;
  /** Committed offsets per partition: what OffsetFetch answers (absent: none), and what OffsetCommit stores. */
  committed: Map<number, { offset: bigint; leaderEpoch: number; metadata?: string }>;
  close(): Promise<void>;
}

export async function fakeCluster(partitions = 1, brokerCount = 1): Promise<FakeCluster> {
  const logs: FakeLog[] = Array.from({ length: partitions }, () => ({ batches: [], next: 0n }));
  const fc = {
    logs,
    leaderEpoch: 0,
    fetches: [] as FetchRequest[],
    fetchNodes: [] as number[],
    preferredReplicaFor: () => -1,
    onFetch: () => undefined,
    onEpochEnd: (_p: number, epoch: number) => ({ leaderEpoch: epoch, endOffset: 1n << 40n }),
    epochRequests: [],
    committed: new Map(),
    apiVersions: {},
  } as unknown as FakeCluster;
  fc.append = (partition, values, opts = {}) => {
    const log = logs[partition]!;
    const bytes = encodeRecordBatch(values.map((v) => ({ value: Buffer.from(v), key: null })), { baseOffset: log.next, partitionLeaderEpoch: opts.leaderEpoch ?? fc.leaderEpoch });
    if (opts.corrupt) bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    log.batches.push({ baseOffset: log.next, count: values.length, bytes });
    log.next += BigInt(values.length);
  };
  const queues = new Map<unknown, Promise<void>>();
  const session = new Map<number, FetchRequest['topics'][number]['partitions'][number]>();
  const brokers: FakeBroker[] = [];
  const handler = (nodeId: number) => (req: FakeRequest) => {
    // Answers leave in request order per connection, as a broker's do, even when one is held back.
    const reply = (body: unknown, delayMs = 0) => {
      const prev = queues.get(req.socket) ?? Promise.resolve();
      const next = prev.then(() => new Promise<void>((r) => setTimeout(r, delayMs))).then(() => void req.socket.write(responseFrame(req, body)));
      queues.set(req.socket, next);
    };
    switch (req.api.name) {
      case 'ApiVersions':
        req.socket.write(responseFrame(req, apiVersionsBody(fc.apiVersions)));
        return true;
      case 'Metadata':
        reply({
          throttleTimeMs: 0,
          brokers: brokers.map((b, i) => ({ nodeId: i + 1, host: '127.0.0.1', port: b.port, rack: `r${i + 1}` })),
          clusterId: 'fake', controllerId: 1, clusterAuthorizedOperations: 0,
          topics: [{ errorCode: 0, name: TOPIC, topicId: TOPIC_ID, isInternal: false, topicAuthorizedOperations: 0,
            partitions: logs.map((_, i) => ({ errorCode: 0, partitionIndex: i, leaderId: 1, leaderEpoch: fc.leaderEpoch, replicaNodes: brokers.map((_b, j) => j + 1), isrNodes: brokers.map((_b, j) => j + 1), offlineReplicas: [] })) }],
        });
        return;
      case 'ListOffsets': {
        const body = req.body as { topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; timestamp: bigint }> }> };
        reply({
          throttleTimeMs: 0,
          topics: body.topics.map((t) => ({
            name: t.name,
            partitions: t.partitions.map((p) => {
              const log = logs[p.partitionIndex]!;
              const offset = p.timestamp === -2n ? (log.batches[0]?.baseOffset ?? log.next) : log.next;
              return { partitionIndex: p.partitionIndex, errorCode: 0, oldStyleOffsets: [], timestamp: -1n, offset, leaderEpoch: fc.leaderEpoch };
            }),
          })),
        });
        return;
      }
      case 'FindCoordinator': {
        const port = brokers[0]!.port;
        const keys = (req.body as { coordinatorKeys?: string[] }).coordinatorKeys ?? [];
        reply({
          throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 1, host: '127.0.0.1', port,
          coordinators: keys.map((key) => ({ key, nodeId: 1, host: '127.0.0.1', port, errorCode: 0, errorMessage: null })),
        });
        return;
      }
      case 'OffsetFetch': {
        // Answered in both shapes (per group for v8+, top level before); the encoder writes what the version has.
        const body = req.body as { groupId: string; groups?: Array<{ groupId: string; topics: Array<{ name: string; topicId?: string; partitionIndexes: number[] }> | null }> };
        const asked = body.groups?.[0]?.topics ?? [{ name: TOPIC, topicId: TOPIC_ID, partitionIndexes: logs.map((_, i) => i) }];
        const partitions = (indexes: number[]) =>
          indexes.map((i) => {
            const c = fc.committed.get(i);
            return { partitionIndex: i, committedOffset: c?.offset ?? -1n, committedLeaderEpoch: c?.leaderEpoch ?? -1, metadata: c?.metadata ?? '', errorCode: 0 };
          });
        const topics = asked.map((t) => ({ name: TOPIC, topicId: TOPIC_ID, partitions: partitions(t.partitionIndexes) }));
        reply({ throttleTimeMs: 0, errorCode: 0, topics, groups: [{ groupId: body.groups?.[0]?.groupId ?? body.groupId, errorCode: 0, topics }] });
        return;
      }
      case 'OffsetCommit': {
        const body = req.body as { topics: Array<{ name?: string; topicId?: string; partitions: Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch?: number; committedMetadata: string | null }> }> };
        for (const t of body.topics) for (const p of t.partitions) fc.committed.set(p.partitionIndex, { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch ?? -1, metadata: p.committedMetadata ?? '' });
        reply({ throttleTimeMs: 0, topics: body.topics.map((t) => ({ name: TOPIC, topicId: TOPIC_ID, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0 })) })) });
        return;
      }
      case 'OffsetForLeaderEpoch': {
        const body = req.body as { topics: Array<{ topic: string; partitions: Array<{ partition: number; leaderEpoch: number; currentLeaderEpoch: number }> }> };
        reply({
          throttleTimeMs: 0,
          topics: body.topics.map((t) => ({
            topic: t.topic,
            partitions: t.partitions.map((p) => {
              fc.epochRequests.push({ partition: p.partition, leaderEpoch: p.leaderEpoch, currentLeaderEpoch: p.currentLeaderEpoch });
              const r = fc.onEpochEnd(p.partition, p.leaderEpoch);
              return { errorCode: r.errorCode ?? 0, partition: p.partition, leaderEpoch: r.leaderEpoch, endOffset: r.endOffset };
            }),
          })),
        });
        return;
      }
      case 'Fetch': {
        const body = req.body as FetchRequest;
        fc.fetches.push(body);
        fc.fetchNodes.push(nodeId);
        const preferred = nodeId === 1 && body.rackId ? fc.preferredReplicaFor(body.rackId) : -1;
        const n = fc.fetches.length;
        // The broker's side of the fetch session: a full request replaces it, an incremental one updates it.
        if (body.sessionEpoch === 0 || body.sessionId === 0) session.clear();
        for (const p of body.topics.flatMap((t) => t.partitions)) session.set(p.partition, p);
        for (const t of body.forgottenTopicsData ?? []) for (const p of t.partitions ?? []) session.delete(p);
        const incremental = body.sessionId !== 0 && (body.sessionEpoch ?? 0) > 0;
        const partitionsAsked = [...session.values()].filter((p) => {
          if (!incremental) return true;
          const log = logs[p.partition]!;
          return body.topics.some((t) => t.partitions.some((q) => q.partition === p.partition)) || log.next > p.fetchOffset;
        });
        const base: FetchResponse = {
          throttleTimeMs: 0,
          errorCode: 0,
          sessionId: 0,
          nodeEndpoints: [],
          responses: [
            {
              topic: TOPIC,
              topicId: TOPIC_ID,
              partitions: partitionsAsked.map((p) => {
                const log = logs[p.partition]!;
                const from = log.batches.filter((b) => b.baseOffset + BigInt(b.count) > p.fetchOffset);
                const records = from.length === 0 || preferred >= 0 ? null : Buffer.concat(from.map((b) => b.bytes));
                return { partitionIndex: p.partition, errorCode: 0, highWatermark: log.next, lastStableOffset: log.next, logStartOffset: 0n, abortedTransactions: null, preferredReadReplica: preferred, records };
              }),
            },
          ],
        };
        const custom = fc.onFetch(n, body);
        const res = { ...base, ...custom };
        // An empty answer is held for maxWaitMs (capped here), as a broker does, so idle loops do not spin.
        const empty = res.errorCode === 0 && res.responses.every((t) => t.partitions.every((p) => p.records === null && p.errorCode === 0 && p.preferredReadReplica < 0));
        reply(res, empty ? Math.min(body.maxWaitMs, 50) : 0);
        return;
      }
    }
  };
  for (let id = 1; id <= brokerCount; id++) brokers.push(await startFakeBroker(handler(id)));
  fc.brokers = brokers;
  fc.broker = brokers[0]!;
  fc.close = async () => {
    await Promise.all(brokers.map((b) => b.close()));
  };
  return fc;
}
