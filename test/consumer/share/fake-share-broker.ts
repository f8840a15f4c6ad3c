// A one-broker share group over real sockets, for ShareConsumer tests: one
// topic with one partition, records acquired / acknowledged / released as a
// KIP-932 broker does (in offset order, with delivery counts), share session
// epochs checked, and every ShareFetch / ShareAcknowledge kept for asserts.
import type { ShareAcknowledgeRequest, ShareFetchRequest } from '../../../src/messages/generated/index.js';
import { API_DEFINITIONS } from '../../../src/messages/registry.js';
import { encodeRecordBatch } from '../../../src/records/batch.js';
import { responseFrame, startFakeBroker, type FakeBroker, type FakeRequest } from '../../network/fake-broker.js';

export const TOPIC = 'queue';
export const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAg';

type RecState = { state: 'available' | 'acquired' | 'done'; deliveries: number };

export interface FakeShareBroker {
  broker: FakeBroker;
  bootstrap: string;
  values: string[];
  records: RecState[];
  fetches: ShareFetchRequest[];
  acks: ShareAcknowledgeRequest[];
  heartbeats: Array<{ memberId: string; memberEpoch: number }>;
  /** Answer the next ShareFetch with this top-level error code. */
  failNextFetch: number;
  /** Answer the next ShareFetch with this error code for the partition. */
  failNextPartition: number;
  append(...values: string[]): void;
  close(): Promise<void>;
}

export async function fakeShareBroker(opts: { withoutShareApis?: boolean; deliveryLimit?: number; lockMs?: number } = {}): Promise<FakeShareBroker> {
  const limit = opts.deliveryLimit ?? 5;
  const f = { values: [], records: [], fetches: [], acks: [], heartbeats: [], failNextFetch: 0, failNextPartition: 0 } as unknown as FakeShareBroker;
  f.append = (...values) => {
    for (const v of values) {
      f.values.push(v);
      f.records.push({ state: 'available', deliveries: 0 });
    }
  };
  let sessionEpoch: number | null = null;
  const applyAcks = (topics: Array<{ partitions: Array<{ acknowledgementBatches: Array<{ firstOffset: bigint; lastOffset: bigint; acknowledgeTypes: number[] }> }> }>) => {
    let bad = false;
    for (const t of topics)
      for (const p of t.partitions)
        for (const b of p.acknowledgementBatches)
          for (let o = b.firstOffset, i = 0; o <= b.lastOffset; o++, i++) {
            const type = b.acknowledgeTypes.length === 1 ? b.acknowledgeTypes[0]! : b.acknowledgeTypes[i]!;
            const r = f.records[Number(o)];
            if (!r || r.state !== 'acquired') {
              bad = true;
              continue;
            }
            if (type === 2) r.state = r.deliveries >= limit ? 'done' : 'available';
            else if (type !== 4) r.state = 'done';
          }
    return bad ? 121 : 0; // INVALID_RECORD_STATE
  };
  const releaseAll = () => {
    for (const r of f.records) if (r.state === 'acquired') r.state = r.deliveries >= limit ? 'done' : 'available';
  };
  const checkEpoch = (epoch: number, opening: boolean): number => {
    if (opening) return 0;
    if (sessionEpoch === null) return 122; // SHARE_SESSION_NOT_FOUND
    if (epoch !== sessionEpoch) return 123; // INVALID_SHARE_SESSION_EPOCH
    return 0;
  };
  const handle = (req: FakeRequest): boolean | void => {
    const reply = (body: unknown) => void req.socket.write(responseFrame(req, body));
    switch (req.api.name) {
      case 'ApiVersions': {
        if (!opts.withoutShareApis) return;
        reply({ errorCode: 0, throttleTimeMs: 0, apiKeys: API_DEFINITIONS.filter((a) => ![76, 77, 78, 79].includes(a.key)).map((a) => ({ apiKey: a.key, minVersion: a.minVersion, maxVersion: a.maxVersion })) });
        return true;
      }
      case 'Metadata':
        reply({
          throttleTimeMs: 0, clusterId: 'fake', controllerId: 1, clusterAuthorizedOperations: 0, errorCode: 0,
          brokers: [{ nodeId: 1, host: '127.0.0.1', port: f.broker.port, rack: null }],
          topics: [{ errorCode: 0, name: TOPIC, topicId: TOPIC_ID, isInternal: false, topicAuthorizedOperations: 0, partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }] }],
        });
        return true;
      case 'FindCoordinator':
        reply({ throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 1, host: '127.0.0.1', port: f.broker.port, coordinators: [{ key: 'g', nodeId: 1, host: '127.0.0.1', port: f.broker.port, errorCode: 0, errorMessage: null }] });
        return true;
      case 'ShareGroupHeartbeat': {
        const b = req.body as { memberId: string; memberEpoch: number };
        f.heartbeats.push({ memberId: b.memberId, memberEpoch: b.memberEpoch });
        const leaving = b.memberEpoch === -1;
        reply({ throttleTimeMs: 0, errorCode: 0, errorMessage: null, memberId: b.memberId, memberEpoch: leaving ? -1 : 1, heartbeatIntervalMs: 200, assignment: b.memberEpoch === 0 ? { topicPartitions: [{ topicId: TOPIC_ID, partitions: [0] }] } : null });
        return true;
      }
      case 'ShareFetch': {
        const b = req.body as ShareFetchRequest;
        f.fetches.push(b);
        const base = { throttleTimeMs: 0, errorMessage: null, acquisitionLockTimeoutMs: opts.lockMs ?? 30_000, nodeEndpoints: [] };
        if (f.failNextFetch !== 0) {
          const code = f.failNextFetch;
          f.failNextFetch = 0;
          sessionEpoch = null;
          reply({ ...base, errorCode: code, responses: [] });
          return true;
        }
        const opening = b.shareSessionEpoch === 0;
        const hasAcks = b.topics.some((t) => t.partitions.some((p) => p.acknowledgementBatches.length > 0));
        let code = checkEpoch(b.shareSessionEpoch, opening);
        if (opening && hasAcks) code = 42; // INVALID_REQUEST: no acknowledgements when opening a session
        if (code !== 0) {
          reply({ ...base, errorCode: code, responses: [] });
          return true;
        }
        if (opening) releaseAll();
        sessionEpoch = b.shareSessionEpoch + 1;
        const ackCode = applyAcks(b.topics);
        if (f.failNextPartition !== 0) {
          const pcode = f.failNextPartition;
          f.failNextPartition = 0;
          reply({ ...base, errorCode: 0, responses: [{ topicId: TOPIC_ID, partitions: [{ partitionIndex: 0, errorCode: pcode, errorMessage: 'scripted', acknowledgeErrorCode: 0, acknowledgeErrorMessage: null, currentLeader: { leaderId: -1, leaderEpoch: -1 }, records: Buffer.alloc(0), acquiredRecords: [] }] }] });
          return true;
        }
        const acquired: number[] = [];
        for (let o = 0; o < f.records.length && acquired.length < b.maxRecords; o++) {
          const r = f.records[o]!;
          if (r.state !== 'available') continue;
          r.state = 'acquired';
          r.deliveries++;
          acquired.push(o);
        }
        const records = acquired.length === 0 ? Buffer.alloc(0) : Buffer.concat(acquired.map((o) => encodeRecordBatch([{ key: null, value: Buffer.from(f.values[o]!) }], { baseOffset: BigInt(o) })));
        reply({
          ...base,
          errorCode: 0,
          responses: [{
            topicId: TOPIC_ID,
            partitions: [{
              partitionIndex: 0, errorCode: 0, errorMessage: null, acknowledgeErrorCode: ackCode, acknowledgeErrorMessage: null,
              currentLeader: { leaderId: -1, leaderEpoch: -1 }, records,
              acquiredRecords: acquired.map((o) => ({ firstOffset: BigInt(o), lastOffset: BigInt(o), deliveryCount: f.records[o]!.deliveries })),
            }],
          }],
        });
        return true;
      }
      case 'ShareAcknowledge': {
        const b = req.body as ShareAcknowledgeRequest;
        f.acks.push(b);
        const closing = b.shareSessionEpoch === -1;
        const code = closing ? (sessionEpoch === null ? 122 : 0) : checkEpoch(b.shareSessionEpoch, false);
        const base = { throttleTimeMs: 0, errorMessage: null, acquisitionLockTimeoutMs: opts.lockMs ?? 30_000, nodeEndpoints: [] };
        if (code !== 0) {
          reply({ ...base, errorCode: code, responses: [] });
          return true;
        }
        const ackCode = applyAcks(b.topics);
        if (closing) {
          releaseAll();
          sessionEpoch = null;
        } else sessionEpoch = b.shareSessionEpoch + 1;
        reply({ ...base, errorCode: 0, responses: b.topics.map((t) => ({ topicId: t.topicId, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ackCode, errorMessage: null, currentLeader: { leaderId: -1, leaderEpoch: -1 } })) })) });
        return true;
      }
    }
  };
  f.broker = await startFakeBroker(handle);
  f.bootstrap = `127.0.0.1:${f.broker.port}`;
  f.close = () => f.broker.close();
  return f;
}
