// A broker that is mostly good and, on cue, answers with well-formed but
// wrong responses. Built on test/network/fake-broker.ts: it serves Metadata,
// InitProducerId and Produce like a one-node cluster (node 1), and whatever a
// test adds with serve(), until a test queues a fault for an API; each fault
// answers one request, then good answers resume, so a test can check that the
// client recovers.
import { Writer } from '../../src/codec/writer.js';
import { encodeResponseFrame } from '../../src/messages/frame.js';
import type { MetadataRequest, MetadataResponse, ProduceRequest, ProduceResponse } from '../../src/messages/generated/index.js';
import { decodeRecordBatch } from '../../src/records/batch.js';
import { retainedMemory } from '../memory.js';
import { apiVersionsBody, fakeTopicId, responseFrame, startFakeBroker, type FakeBroker, type FakeRequest } from '../network/fake-broker.js';

/** What a fault does with one request: answer with this body or these bytes, stay silent, or drop the connection. */
export type FaultAnswer = { body: unknown } | { bytes: Buffer } | { silent: true } | { close: true };

/** A fault gets the request and the answer a good broker would give. */
export type Fault = (req: FakeRequest, good: unknown) => FaultAnswer;

export interface HostileBroker {
  broker: FakeBroker;
  port: number;
  bootstrap: string;
  /** Queues faults for an API; each answers one request of it, in order. */
  fault(api: string, ...faults: Fault[]): void;
  /** Sets the good answer for an API (one this broker does not serve, or instead of its own); undefined answers nothing. */
  serve(api: string, answer: (req: FakeRequest) => unknown): void;
  /** Drops the faults still queued for an API: good answers from now on. */
  clearFaults(api: string): void;
  /** Faults queued and not yet used. */
  pending(api: string): number;
  /** Requests answered, by API name. */
  count(api: string): number;
  /** Values written to the log, by "topic/partition". */
  log: Map<string, string[]>;
  close(): Promise<void>;
}

export interface HostileOptions {
  /** Topic → partition count. */
  topics: Record<string, number>;
  /** Version ranges to advertise instead of ours, by API key. */
  versions?: Partial<Record<number, [number, number]>>;
}

/** The bytes of a response frame (size prefix included) for this request and body. */
export function frameOf(req: FakeRequest, body: unknown): Buffer {
  return Buffer.from(encodeResponseFrame(req.api, req.version, req.correlationId, body, new Writer(64)));
}

/** Replaces `remove` bytes at `at` of a frame with `insert`, and fixes the size prefix. */
export function splice(frame: Buffer, at: number, remove: number, insert: Buffer): Buffer {
  const out = Buffer.concat([frame.subarray(0, at), insert, frame.subarray(at + remove)]);
  out.writeInt32BE(out.length - 4, 0);
  return out;
}

export async function startHostileBroker(o: HostileOptions): Promise<HostileBroker> {
  const queues = new Map<string, Fault[]>();
  const counts = new Map<string, number>();
  const log = new Map<string, string[]>();
  const served = new Map<string, (req: FakeRequest) => unknown>();
  let nextProducerId = 5000n;

  const goodAnswer = (req: FakeRequest, port: number): unknown => {
    switch (req.api.name) {
      case 'ApiVersions':
        return apiVersionsBody(o.versions ?? {});
      case 'Metadata': {
        const asked = (req.body as MetadataRequest).topics?.map((t) => t.name ?? '') ?? Object.keys(o.topics);
        const res: MetadataResponse = {
          throttleTimeMs: 0,
          brokers: [{ nodeId: 1, host: '127.0.0.1', port, rack: null }],
          clusterId: 'hostile',
          controllerId: 1,
          errorCode: 0,
          clusterAuthorizedOperations: -2147483648,
          topics: asked.map((name) => ({
            errorCode: o.topics[name] === undefined ? 3 : 0,
            name,
            topicId: fakeTopicId(name),
            isInternal: false,
            topicAuthorizedOperations: -2147483648,
            partitions: Array.from({ length: o.topics[name] ?? 0 }, (_, i) => ({
              errorCode: 0, partitionIndex: i, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [],
            })),
          })),
        };
        return res;
      }
      case 'InitProducerId':
        return { throttleTimeMs: 0, errorCode: 0, producerId: nextProducerId++, producerEpoch: 0, ongoingTxnProducerId: -1n, ongoingTxnProducerEpoch: -1 };
      case 'Produce': {
        const body = req.body as ProduceRequest;
        if (body.acks === 0) return undefined;
        const res: ProduceResponse = {
          throttleTimeMs: 0,
          nodeEndpoints: [],
          responses: body.topicData.map((t) => ({
            name: t.name ?? '',
            topicId: t.topicId ?? 'AAAAAAAAAAAAAAAAAAAAAA',
            partitionResponses: t.partitionData.map((pd) => {
              const b = decodeRecordBatch(pd.records!);
              // v13+ names the topic by id only.
              const key = `${t.name || (Object.keys(o.topics).find((n) => fakeTopicId(n) === t.topicId) ?? '')}/${pd.index}`;
              const list = log.get(key) ?? [];
              const baseOffset = BigInt(list.length);
              if (!b.control) list.push(...b.records.map((r) => r.value?.toString() ?? ''));
              log.set(key, list);
              return { index: pd.index, errorCode: 0, baseOffset, logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors: [], errorMessage: null, currentLeader: { leaderId: -1, leaderEpoch: -1 } };
            }),
          })),
        } as ProduceResponse;
        return res;
      }
      default:
        return undefined;
    }
  };

  const broker: FakeBroker = await startFakeBroker((req) => {
    const name = req.api.name;
    counts.set(name, (counts.get(name) ?? 0) + 1);
    const own = served.get(name);
    const good = own ? own(req) : goodAnswer(req, broker.port);
    const fault = queues.get(name)?.shift();
    const answer: FaultAnswer = fault ? fault(req, good) : { body: good };
    if ('silent' in answer) return true;
    if ('close' in answer) {
      req.socket.destroy();
      return true;
    }
    if (req.socket.destroyed) return true;
    if ('bytes' in answer) req.socket.write(answer.bytes);
    else if (answer.body !== undefined) req.socket.write(responseFrame(req, answer.body));
    // acks=0 Produce expects no answer; the fake broker's own ApiVersions answer is replaced above.
    return true;
  });

  return {
    broker,
    port: broker.port,
    bootstrap: `127.0.0.1:${broker.port}`,
    fault: (api, ...faults) => queues.set(api, [...(queues.get(api) ?? []), ...faults]),
    serve: (api, answer) => void served.set(api, answer),
    clearFaults: (api) => queues.delete(api),
    pending: (api) => queues.get(api)?.length ?? 0,
    count: (api) => counts.get(api) ?? 0,
    log,
    close: () => broker.close(),
  };
}

/** Heap and buffer memory still referenced now, to check a case kept nothing out of proportion. */
export function memoryNow(): number {
  const m = retainedMemory();
  return m.heap + m.buffers;
}
