// An in-process Kafka cluster (one or two brokers on 127.0.0.1) that applies the
// broker's rules for idempotent produce, so a model test can check what a
// producer leaves in the log. Real framing, the project's generated codecs, and
// record batches decoded with src/records. Faults are scripted per request.
//
// Rules, as Kafka's ProducerStateManager applies them per producer id and partition:
// - the last five batches' sequence ranges are kept; a batch with the same epoch
//   and the same first and last sequence as one of them is a duplicate, answered
//   with success and the original base offset, and not written again;
// - same epoch: the first sequence must be the last one + 1 (wrapping at 2^31),
//   else OUT_OF_ORDER_SEQUENCE_NUMBER;
// - an older epoch: INVALID_PRODUCER_EPOCH; a newer epoch must start at sequence 0
//   (else OUT_OF_ORDER_SEQUENCE_NUMBER) and replaces the kept batches;
// - a producer id with no state on this partition whose first sequence is not 0:
//   UNKNOWN_PRODUCER_ID (what brokers before KIP-360 answered once the state had
//   expired; newer ones accept it, which would hide a client bug here).
// InitProducerId without a transactional id hands out a new producer id at epoch 0
// (as Kafka does for idempotent producers, whatever id and epoch the request names).
// Leadership and producer state are cluster-wide (a leader change keeps them, as
// replication does for acks=all); a broker that is not the leader answers
// NOT_LEADER_OR_FOLLOWER.
import net from 'node:net';
import { ErrorCode, errorName } from '../../../src/messages/error-codes.js';
import type { InitProducerIdRequest, MetadataRequest, ProduceRequest } from '../../../src/messages/generated/index.js';
import { decodeRecordBatch } from '../../../src/records/batch.js';
import { FrameReader } from '../../../src/network/frame-reader.js';
import { decodeRequestFrame } from '../../../src/messages/frame.js';
import { apiByKey } from '../../../src/messages/registry.js';

/** The id of the broker's one topic. */
const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';
import { apiVersionsBody, responseFrame, type FakeRequest } from '../../network/fake-broker.js';

/**
 * A fault for the next Produce request that carries `partition` (any Produce
 * request when it is undefined). Connection faults act on the whole request;
 * `error` and `timeout-after-append` act on that partition only.
 */
export type ProduceFault =
  /** Apply the request, never answer; the socket then stays silent ('apply': later requests are still applied; 'ignore': they are lost). */
  | { kind: 'drop'; partition?: number; later: 'apply' | 'ignore' }
  /** Apply at once, answer after `ms` (later requests on the socket wait, as a broker mutes a connection until it has answered). */
  | { kind: 'delay'; partition?: number; ms: number }
  /** Close the connection instead of reading the request. */
  | { kind: 'cut-before'; partition?: number }
  /** Apply the request, then close the connection without answering. */
  | { kind: 'cut-after'; partition?: number }
  /**
   * Answer `code` for the partition without writing the batch. NOT_LEADER_OR_FOLLOWER and REQUEST_TIMED_OUT act
   * on any batch (a broker checks them first); a log error (OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID)
   * only on a batch the rules would write: a duplicate or a refused batch is answered by the rules, and the
   * fault waits for the next request. So the fake never claims to lack state it has for a batch it wrote.
   */
  | { kind: 'error'; partition?: number; code: number }
  /** Write the batch, then answer REQUEST_TIMED_OUT (acks=all: the replicas did not confirm in time); waits for a batch the rules would write. */
  | { kind: 'timeout-after-append'; partition?: number };

export interface LogEntry {
  offset: bigint;
  key: string | null;
  value: string | null;
  producerId: bigint;
  epoch: number;
  sequence: number;
}

interface KeptBatch {
  firstSeq: number;
  lastSeq: number;
  baseOffset: bigint;
}

interface ProducerEntry {
  epoch: number;
  /** The last five batches written, oldest first. */
  batches: KeptBatch[];
}

interface PartitionState {
  leader: number;
  leaderEpoch: number;
  log: LogEntry[];
  producers: Map<bigint, ProducerEntry>;
}

interface Node {
  id: number;
  server: net.Server;
  port: number;
  sockets: Set<net.Socket>;
}

/** What the socket does after a dropped response. */
type Silence = 'none' | 'apply' | 'ignore';

export interface RuleBrokerOptions {
  topic: string;
  partitions: number;
  /** 1 or 2 brokers (node ids 1 and 2). */
  brokers: 1 | 2;
  /**
   * A producer id with no state on a partition may start at any sequence, as
   * brokers since Kafka 2.5 (KIP-360) allow. Off: UNKNOWN_PRODUCER_ID, as older ones answered.
   */
  acceptUnknownProducer?: boolean;
}

const SEQ_WRAP = 2147483648;
const KEEP_BATCHES = 5;
const TRACE_LIMIT = 400;

/** `faultUsed`: the fault decided this answer. */
type PartitionAnswer = { errorCode: number; baseOffset: bigint; errorMessage: string | null; faultUsed: boolean };

export class RuleBroker {
  readonly topic: string;
  private readonly partitions: PartitionState[] = [];
  private readonly nodes: Node[] = [];
  private readonly faults: ProduceFault[] = [];
  private nextProducerId = 1000n;
  /** What happened, in order, for the failure report of a test. */
  readonly trace: string[] = [];
  /** Errors in the broker itself (a request it could not decode): a test should assert there are none. */
  readonly problems: string[] = [];
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(private readonly opts: RuleBrokerOptions) {
    this.topic = opts.topic;
    for (let p = 0; p < opts.partitions; p++) {
      this.partitions.push({ leader: 1 + (p % opts.brokers), leaderEpoch: 0, log: [], producers: new Map() });
    }
  }

  static async start(opts: RuleBrokerOptions): Promise<RuleBroker> {
    const b = new RuleBroker(opts);
    for (let id = 1; id <= opts.brokers; id++) await b.listen(id);
    return b;
  }

  get bootstrap(): string {
    return `127.0.0.1:${this.nodes[0]!.port}`;
  }

  /** The records written to a partition, in offset order. */
  log(partition: number): readonly LogEntry[] {
    return this.partitions[partition]!.log;
  }

  /** Queues a fault for a later Produce request (first in, first used). */
  inject(fault: ProduceFault): void {
    this.faults.push(fault);
  }

  /** Faults no request has used yet. */
  get pendingFaults(): number {
    return this.faults.length;
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Moves a partition's leadership to the other broker (no-op with one broker). */
  moveLeader(partition: number): void {
    if (this.opts.brokers < 2) return;
    const s = this.partitions[partition]!;
    s.leader = s.leader === 1 ? 2 : 1;
    s.leaderEpoch++;
    this.note(`leader of p${partition} → node ${s.leader} (epoch ${s.leaderEpoch})`);
  }

  /** Closes every client connection now. */
  cutAll(): void {
    let n = 0;
    for (const node of this.nodes) for (const s of node.sockets) (s.destroy(), n++);
    this.note(`cut ${n} connection(s)`);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all(
      this.nodes.map(
        (n) =>
          new Promise<void>((r) => {
            for (const s of n.sockets) s.destroy();
            n.server.close(() => r());
          }),
      ),
    );
  }

  private note(line: string): void {
    if (this.trace.length < TRACE_LIMIT) this.trace.push(line);
    else if (this.trace.length === TRACE_LIMIT) this.trace.push('… (trace cut)');
  }

  private async listen(id: number): Promise<void> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => this.accept(id, socket, sockets));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    this.nodes.push({ id, server, port: (server.address() as net.AddressInfo).port, sockets });
  }

  private accept(nodeId: number, socket: net.Socket, sockets: Set<net.Socket>): void {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let silence: Silence = 'none';
    // A broker reads the next request of a connection only after answering the last one.
    let chain = Promise.resolve();
    const frames = new FrameReader(1 << 24, (frame) => {
      let req: FakeRequest;
      try {
        req = { ...decodeRequestFrame(frame, apiByKey), socket };
      } catch (e) {
        this.problems.push(`node ${nodeId}: undecodable request: ${(e as Error).message}`);
        socket.destroy();
        return;
      }
      chain = chain.then(async () => {
        if (this.closed || socket.destroyed) return;
        if (silence === 'ignore') return;
        const answer = this.handle(nodeId, req);
        if (answer.kind === 'none') return;
        if (silence === 'apply') return; // applied above, never answered
        if (answer.kind === 'cut') {
          socket.destroy();
          return;
        }
        if (answer.kind === 'drop') {
          silence = answer.later;
          return;
        }
        if (answer.delayMs > 0) await this.sleep(answer.delayMs);
        if (!socket.destroyed && !this.closed) socket.write(responseFrame(req, answer.body));
      });
    });
    socket.on('data', (c: Buffer) => {
      try {
        frames.push(c);
      } catch (e) {
        this.problems.push(`node ${nodeId}: bad frame: ${(e as Error).message}`);
        socket.destroy();
      }
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => {
      const t = setTimeout(() => (this.timers.delete(t), r()), ms);
      this.timers.add(t);
    });
  }

  private handle(
    nodeId: number,
    req: FakeRequest,
  ): { kind: 'answer'; body: unknown; delayMs: number } | { kind: 'cut' } | { kind: 'drop'; later: 'apply' | 'ignore' } | { kind: 'none' } {
    const answer = (body: unknown, delayMs = 0) => ({ kind: 'answer' as const, body, delayMs });
    switch (req.api.name) {
      case 'ApiVersions':
        return answer(apiVersionsBody());
      case 'Metadata':
        return answer(this.metadata(req.body as MetadataRequest));
      case 'InitProducerId': {
        const body = req.body as InitProducerIdRequest;
        if (body.transactionalId !== null) {
          return answer({ throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1, ongoingTxnProducerId: -1n, ongoingTxnProducerEpoch: -1 });
        }
        const producerId = this.nextProducerId++;
        this.note(`node ${nodeId} InitProducerId (had ${body.producerId ?? -1n}/${body.producerEpoch ?? -1}) → ${producerId}/0`);
        return answer({ throttleTimeMs: 0, errorCode: 0, producerId, producerEpoch: 0, ongoingTxnProducerId: -1n, ongoingTxnProducerEpoch: -1 });
      }
      case 'Produce':
        return this.produce(nodeId, req.body as ProduceRequest);
      default:
        this.problems.push(`node ${nodeId}: no answer for ${req.api.name} v${req.version}`);
        return { kind: 'none' };
    }
  }

  private metadata(body: MetadataRequest): unknown {
    const brokers = this.nodes.map((n) => ({ nodeId: n.id, host: '127.0.0.1', port: n.port, rack: null }));
    const names = body.topics === null ? [this.topic] : body.topics.map((t) => t.name ?? '');
    return {
      throttleTimeMs: 0,
      brokers,
      clusterId: 'rule-broker',
      controllerId: 1,
      clusterAuthorizedOperations: 0,
      errorCode: 0,
      topics: names.map((name) =>
        name === this.topic
          ? {
              errorCode: 0,
              name,
              topicId: TOPIC_ID,
              isInternal: false,
              topicAuthorizedOperations: 0,
              partitions: this.partitions.map((s, i) => ({
                errorCode: 0,
                partitionIndex: i,
                leaderId: s.leader,
                leaderEpoch: s.leaderEpoch,
                replicaNodes: this.nodes.map((n) => n.id),
                isrNodes: this.nodes.map((n) => n.id),
                offlineReplicas: [],
              })),
            }
          : { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', isInternal: false, topicAuthorizedOperations: 0, partitions: [] },
      ),
    };
  }

  /** Takes the first queued fault that concerns one of these partitions. */
  private takeFault(partitions: number[]): ProduceFault | undefined {
    const i = this.faults.findIndex((f) => f.partition === undefined || partitions.includes(f.partition));
    return i < 0 ? undefined : this.faults.splice(i, 1)[0];
  }

  private produce(nodeId: number, body: ProduceRequest) {
    // v13+ names the topic by id only (this broker's one topic has id TOPIC_ID).
    const nameOf = (t: ProduceRequest['topicData'][number]) => t.name || (t.topicId === TOPIC_ID ? this.topic : '');
    const parts = body.topicData.flatMap((t) => (nameOf(t) === this.topic ? t.partitionData.map((p) => p.index) : []));
    const fault = this.takeFault(parts);
    const tag = fault ? ` [fault ${describeFault(fault)}]` : '';
    if (fault?.kind === 'cut-before') {
      this.note(`node ${nodeId} Produce ${parts.map((p) => `p${p}`).join(',')}${tag}: not read`);
      return { kind: 'cut' as const };
    }
    let used = fault !== undefined && fault.kind !== 'error' && fault.kind !== 'timeout-after-append';
    const responses = body.topicData.map((t) => ({
      name: nameOf(t),
      topicId: t.topicId ?? TOPIC_ID,
      partitionResponses: t.partitionData.map((pd) => {
        const own = fault && (fault.partition === undefined || fault.partition === pd.index) ? fault : undefined;
        const a = this.producePartition(nodeId, nameOf(t), pd.index, pd.records ?? null, own);
        used ||= a.faultUsed;
        return { index: pd.index, errorCode: a.errorCode, baseOffset: a.baseOffset, logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors: [], errorMessage: a.errorMessage };
      }),
    }));
    // An error meant for a batch the log would write waits for one (a duplicate or a refused batch is answered by the rules).
    if (fault && !used) this.faults.unshift(fault);
    if (body.acks === 0) return { kind: 'none' as const };
    if (fault?.kind === 'cut-after') return { kind: 'cut' as const };
    if (fault?.kind === 'drop') return { kind: 'drop' as const, later: fault.later };
    const delayMs = fault?.kind === 'delay' ? fault.ms : 0;
    return { kind: 'answer' as const, body: { throttleTimeMs: 0, nodeEndpoints: [], responses }, delayMs };
  }

  private producePartition(nodeId: number, topic: string, index: number, records: Uint8Array | null, fault: ProduceFault | undefined): PartitionAnswer {
    const fail = (code: number, why: string, faultUsed = false): PartitionAnswer => {
      this.note(`node ${nodeId} p${index}: ${errorName(code)} (${why})`);
      return { errorCode: code, baseOffset: -1n, errorMessage: why, faultUsed };
    };
    const s = topic === this.topic ? this.partitions[index] : undefined;
    if (!s) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `no partition ${topic}-${index}`);
    if (s.leader !== nodeId) return fail(ErrorCode.NOT_LEADER_OR_FOLLOWER, `leader is node ${s.leader}`);
    // Leadership and request timeouts come before the log looks at the batch.
    if (fault?.kind === 'error' && (fault.code === ErrorCode.NOT_LEADER_OR_FOLLOWER || fault.code === ErrorCode.REQUEST_TIMED_OUT)) {
      return fail(fault.code, 'injected, not written', true);
    }
    if (!records || records.length === 0) return fail(ErrorCode.INVALID_RECORD, 'no records');
    let batch;
    try {
      batch = decodeRecordBatch(records);
    } catch (e) {
      this.problems.push(`node ${nodeId} p${index}: undecodable batch: ${(e as Error).message}`);
      return fail(ErrorCode.CORRUPT_MESSAGE, (e as Error).message);
    }
    if (batch.sizeInBytes !== records.length) {
      this.problems.push(`node ${nodeId} p${index}: more than one batch in a partition's records`);
      return fail(ErrorCode.INVALID_RECORD, 'one batch per partition');
    }
    if (batch.control) {
      this.problems.push(`node ${nodeId} p${index}: control batch from a client`);
      return fail(ErrorCode.INVALID_RECORD, 'control batch');
    }
    const { producerId: pid, producerEpoch: epoch, baseSequence: seq } = batch;
    const count = batch.records.length;
    const lastSeq = (seq + count - 1) % SEQ_WRAP;
    const what = `pid ${pid} e${epoch} seq ${seq}..${lastSeq} [${batch.records.map((r) => r.value?.toString() ?? 'null').join(' ')}]`;
    let entry = pid >= 0n ? s.producers.get(pid) : undefined;
    if (pid >= 0n) {
      if (!entry) {
        if (seq !== 0 && !this.opts.acceptUnknownProducer) return fail(ErrorCode.UNKNOWN_PRODUCER_ID, `${what}: no state for this producer id and the sequence is not 0`);
      } else if (epoch < entry.epoch) {
        return fail(ErrorCode.INVALID_PRODUCER_EPOCH, `${what}: epoch ${epoch} is older than ${entry.epoch}`);
      } else if (epoch === entry.epoch) {
        const dup = entry.batches.find((k) => k.firstSeq === seq && k.lastSeq === lastSeq);
        if (dup) {
          this.note(`node ${nodeId} p${index}: ${what} duplicate of offset ${dup.baseOffset}`);
          return { errorCode: 0, baseOffset: dup.baseOffset, errorMessage: null, faultUsed: false };
        }
        const last = entry.batches[entry.batches.length - 1]!.lastSeq;
        if (seq !== (last + 1) % SEQ_WRAP) return fail(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, `${what}: expected sequence ${(last + 1) % SEQ_WRAP}`);
      } else if (seq !== 0) {
        return fail(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, `${what}: new epoch ${epoch} (was ${entry.epoch}) must start at sequence 0`);
      }
    }
    // The rules would write it: an injected log error answers instead.
    if (fault?.kind === 'error') return fail(fault.code, `${what}: injected, not written`, true);
    const baseOffset = BigInt(s.log.length);
    batch.records.forEach((r, i) => {
      s.log.push({
        offset: baseOffset + BigInt(i),
        key: r.key?.toString() ?? null,
        value: r.value?.toString() ?? null,
        producerId: pid,
        epoch,
        sequence: pid >= 0n ? (seq + i) % SEQ_WRAP : -1,
      });
    });
    if (pid >= 0n) {
      if (!entry || epoch !== entry.epoch) s.producers.set(pid, (entry = { epoch, batches: [] }));
      entry.batches.push({ firstSeq: seq, lastSeq, baseOffset });
      if (entry.batches.length > KEEP_BATCHES) entry.batches.shift();
    }
    if (fault?.kind === 'timeout-after-append') {
      this.note(`node ${nodeId} p${index}: ${what} written at ${baseOffset}, answered REQUEST_TIMED_OUT`);
      return { errorCode: ErrorCode.REQUEST_TIMED_OUT, baseOffset: -1n, errorMessage: 'injected after writing', faultUsed: true };
    }
    this.note(`node ${nodeId} p${index}: ${what} written at ${baseOffset}${fault ? ` [${describeFault(fault)}]` : ''}`);
    return { errorCode: 0, baseOffset, errorMessage: null, faultUsed: false };
  }
}

export function describeFault(f: ProduceFault): string {
  const where = f.partition === undefined ? '' : `@p${f.partition}`;
  switch (f.kind) {
    case 'drop':
      return `drop${where}(then ${f.later})`;
    case 'delay':
      return `delay${where}(${f.ms}ms)`;
    case 'error':
      return `${errorName(f.code)}${where}`;
    default:
      return `${f.kind}${where}`;
  }
}
