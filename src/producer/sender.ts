import createDebug from 'debug';
import type { Metadata } from '../cluster/metadata.js';
import { ZERO_UUID } from '../codec/uuid.js';
import { KafkaError, KafkaTimeoutError } from '../errors.js';
import { ErrorCode, errorFor } from '../messages/error-codes.js';
import type { ProduceResponse } from '../messages/generated/index.js';
import { backoffMs } from '../network/backoff.js';
import type { ConnectionPool } from '../network/pool.js';
import { encodeRecordBatch } from '../records/batch.js';
import type { ProducerBatch, RecordAccumulator } from './accumulator.js';
import { BatchBufferPool } from './batch-buffers.js';
import { BatchFaults } from './batch-faults.js';
import type { ResolvedProducerOptions } from './options.js';
import type { PartitionState } from './partition-state.js';
import type { ProducerIdManager } from './producer-id.js';

const log = createDebug('kafkawire:producer');

type PartitionResponse = ProduceResponse['responses'][number]['partitionResponses'][number];

/** Errors after which the partition's leader must be looked up again. */
const LEADER_ERRORS = new Set<number>([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  // v13+: the topic id we sent is not (or no longer) the topic's; new metadata has the current one.
  ErrorCode.UNKNOWN_TOPIC_ID,
]);

/** The newest Produce version that names topics by name (v13 names them by id). */
const LAST_PRODUCE_BY_NAME = 12;

/** A full batch encodes to a little more than batchSize (its header, and estimates that run short). */
const BATCH_SLACK = 4096;

/** Errors that leave the batch possibly written (the leader appended it; replication or the answer is what failed). */
const MAYBE_WRITTEN = new Set<number>([ErrorCode.REQUEST_TIMED_OUT, ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND]);

export interface SenderHooks {
  now(): number;
  /** A flush is waiting: send everything without lingering. */
  flushing(): boolean;
  /** Transactions: true once the partition may be written in the current transaction. */
  partitionReady?(topic: string, partition: number): boolean;
  /** Transactions: the error that makes the transaction abortable, if any (queued batches then fail with it). */
  transactionError?(): KafkaError | null;
  /** A batch failed for good (the transaction must be aborted). */
  onBatchError?(err: KafkaError): void;
  /** Idempotent producer: a new producer id (KIP-360) when the epoch cannot be bumped further. */
  renewProducerId?(): Promise<void>;
}

/** What one drain decided: batches per leader, and when to look again. */
interface DrainPlan {
  now: number;
  nextWake: number;
  more: boolean;
  byLeader: Map<number, { items: Array<[PartitionState, ProducerBatch]>; bytes: number }>;
}

export function asKafkaError(e: unknown, what: string, ctx: { topic?: string; partition?: number } = {}): KafkaError {
  if (e instanceof KafkaError) return e;
  return new KafkaError(`${what}: ${e instanceof Error ? e.message : String(e)}`, false, { ...ctx, cause: e });
}

/**
 * Moves ready batches from the partition queues to the brokers: one Produce
 * request per leader per drain, holding every ready partition it leads; then
 * settles each batch from the answer — success, retry (same bytes, same
 * sequence), split, or failure. A drain reads in order: expire what is past
 * deliveryTimeoutMs, keep sequences valid, take ready batches, send.
 */
export class Sender {
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private immediate = false;
  private closed = false;
  private lastRefresh = -Infinity;
  private lastIdleCheck = 0;
  /** Batches in requests not yet answered. */
  private readonly inFlight = new Set<ProducerBatch>();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly faults: BatchFaults;
  /** Transactional: a partition's sequences have a gap; the abort must bump the epoch. */
  private sequenceGap = false;

  constructor(
    private readonly opts: ResolvedProducerOptions,
    private readonly pool: ConnectionPool,
    private readonly metadata: Metadata,
    private readonly acc: RecordAccumulator,
    private readonly ids: ProducerIdManager | null,
    private readonly hooks: SenderHooks,
  ) {
    this.buffers = new BatchBufferPool(opts.batchSize + BATCH_SLACK);
    this.faults = new BatchFaults(pool, acc, {
      failed: (ps, b, err) => this.failed(ps, b, err),
      drain: () => this.drain(),
      transactional: opts.transactionalId !== null,
      onBatchError: (err) => hooks.onBatchError?.(err),
    });
  }

  private get transactional(): boolean {
    return this.opts.transactionalId !== null;
  }

  // The callbacks are made once: wakeup() and wakeAt() run for every record, and a closure
  // written inside them would make V8 allocate a context on each call, even one that returns at once.
  private readonly onImmediate = (): void => {
    this.immediate = false;
    this.drain();
  };

  private readonly onTimer = (): void => {
    this.timer = null;
    this.timerAt = Infinity;
    this.drain();
  };

  private readonly buffers: BatchBufferPool;
  private readonly takeBuffer = (size: number): Buffer => this.buffers.take(size);

  /** Batch buffers given back and not yet reused (for tests). */
  get idleBatchBuffers(): number {
    return this.buffers.idle;
  }

  /** Runs a drain soon (a batch filled up, a partition went idle, a flush started, a retry came due). */
  wakeup(): void {
    if (this.immediate || this.closed) return;
    this.immediate = true;
    setImmediate(this.onImmediate);
  }

  /** Runs a drain at `at` (or earlier, if one is already due sooner). */
  wakeAt(at: number): void {
    if (this.closed || (this.timer && this.timerAt <= at)) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.onTimer, Math.max(0, at - this.hooks.now()));
  }

  /** A record was appended: send at once if the partition is idle or a batch is full, else within lingerMs. */
  appended(ps: PartitionState, full: boolean, now: number): void {
    if (full || this.opts.lingerMs === 0 || ps.inFlight === 0) this.wakeup();
    else this.wakeAt(now + this.opts.lingerMs);
  }

  /** Resolves when nothing is queued or in flight. */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private isIdle(): boolean {
    return this.inFlight.size === 0 && this.faults.pending === 0 && this.acc.isEmpty();
  }

  private checkIdle(): void {
    if (this.isIdle()) for (const w of this.idleWaiters.splice(0)) w();
  }

  private refreshMetadata(): void {
    const now = this.hooks.now();
    if (now - this.lastRefresh < this.opts.retryBackoffMs) return;
    this.lastRefresh = now;
    this.metadata.refresh().then(
      () => this.wakeup(),
      (e: unknown) => log('metadata refresh failed: %s', (e as Error).message),
    );
  }

  drain(): void {
    if (this.closed) return;
    const now = this.hooks.now();
    // metadataMaxAgeMs: refresh even without errors, so new partitions and moved leaders are seen.
    if (this.metadata.stale) this.refreshMetadata();
    const plan: DrainPlan = { now, nextWake: Infinity, more: false, byLeader: new Map() };
    this.expireInFlight(plan);
    const txnError = this.hooks.transactionError?.() ?? null;
    for (const ps of this.acc.states()) {
      if (txnError) this.failQueued(ps, txnError);
      this.expireQueued(ps, plan);
      if (this.ids) this.keepSequencesValid(ps);
      this.take(ps, plan);
    }
    for (const [leader, g] of plan.byLeader) this.dispatch(leader, g.items);
    if (plan.more && plan.byLeader.size > 0) this.wakeup();
    if (plan.nextWake !== Infinity) this.wakeAt(plan.nextWake);
    this.dropIdlePartitions(now);
    this.checkIdle();
  }

  // --- drain steps ---

  /** In-flight batches past deliveryTimeoutMs fail now; their answer, when it comes, only settles the bookkeeping. */
  private expireInFlight(plan: DrainPlan): void {
    for (const b of this.inFlight) {
      if (b.done) continue;
      const deadline = b.createdAt + this.opts.deliveryTimeoutMs;
      if (plan.now < deadline) {
        plan.nextWake = Math.min(plan.nextWake, deadline);
        continue;
      }
      const err = this.expired(b, plan.now);
      b.fail(err);
      this.acc.releaseBatch(b);
      this.hooks.onBatchError?.(err);
    }
  }

  /** Every queued batch past deliveryTimeoutMs fails now (not only the first); the next one sets a wake-up. */
  private expireQueued(ps: PartitionState, plan: DrainPlan): void {
    const q = ps.queue;
    while (q[0] && plan.now - q[0].createdAt >= this.opts.deliveryTimeoutMs) {
      const b = q.shift() as ProducerBatch;
      this.failed(ps, b, this.expired(b, plan.now));
    }
    if (q[0]) plan.nextWake = Math.min(plan.nextWake, q[0].createdAt + this.opts.deliveryTimeoutMs);
  }

  /**
   * Idempotence housekeeping with nothing of the partition in flight: after a
   * failed batch, find out whether a gap opened; move to a new epoch when the
   * broker's sequence state no longer matches ours.
   */
  private keepSequencesValid(ps: PartitionState): void {
    const ids = this.ids as ProducerIdManager;
    if (ps.inFlight > 0) return;
    if (ps.resolve() === 'gap') {
      if (this.transactional) this.sequenceGap = true;
      else ps.wantsNewEpoch = true;
    }
    if (!ps.wantsNewEpoch || this.transactional) return;
    if (!ps.isStale(ids) && !this.bumpEpoch()) return;
    if (ps.moveToEpoch(ids)) log('%s-%d moved to epoch %d of producer id %s', ps.topic, ps.partition, ids.epoch, ids.producerId);
  }

  /** Bumps the idempotent producer's epoch; false while a new producer id is being fetched. */
  private bumpEpoch(): boolean {
    const ids = this.ids as ProducerIdManager;
    if (ids.pending) return false;
    if (ids.bumpLocally()) return true;
    const renew = this.hooks.renewProducerId;
    if (renew) {
      ids.once(renew).then(
        () => this.wakeup(),
        (e: unknown) => {
          log('new producer id failed: %s', (e as Error).message);
          this.wakeAt(this.hooks.now() + this.opts.retryBackoffMs);
        },
      );
    }
    return false;
  }

  /** Takes the partition's head batch into this drain's request for its leader, if it may go now. */
  private take(ps: PartitionState, plan: DrainPlan): void {
    const head = ps.queue[0];
    if (!head) return;
    const { now } = plan;
    if (head.retryAt > now) {
      plan.nextWake = Math.min(plan.nextWake, head.retryAt);
      return;
    }
    const leader = this.metadata.leaderFor(ps.topic, ps.partition);
    if (leader < 0) {
      this.refreshMetadata();
      plan.nextWake = Math.min(plan.nextWake, now + this.opts.retryBackoffMs);
      return;
    }
    if (this.hooks.partitionReady && !this.hooks.partitionReady(ps.topic, ps.partition)) return;
    if (!this.isReady(ps, head, leader, now)) {
      plan.nextWake = Math.min(plan.nextWake, head.createdAt + this.opts.lingerMs);
      return;
    }
    if (!this.mayAddInFlight(ps, head)) return;
    const group = plan.byLeader.get(leader);
    // Like Java's sender: while a broker's connection is full, keep its batches here; a later
    // drain packs them into one request instead of queueing many small ones behind each other.
    if (!group && this.pool.inFlightTo(leader) >= this.opts.maxInFlightRequestsPerConnection) return;
    // Java's max.request.size: stop adding partitions once the request would be too large.
    const size = head.encoded?.length ?? head.bytes;
    if (group && group.bytes + size > this.opts.maxRequestSize) {
      plan.more = true;
      return;
    }
    ps.queue.shift();
    head.closed = true;
    if (this.ids && head.baseSequence < 0) ps.assignSequence(head, this.ids);
    if (group) {
      group.items.push([ps, head]);
      group.bytes += size;
    } else plan.byLeader.set(leader, { items: [[ps, head]], bytes: size });
    if (ps.queue[0]?.closed) plan.more = true;
  }

  /**
   * Natural batching: a partition with nothing in flight, on a connection
   * with nothing in flight, sends at once; otherwise records gather while
   * requests are out, up to batchSize or lingerMs.
   */
  private isReady(ps: PartitionState, head: ProducerBatch, leader: number, now: number): boolean {
    if (head.closed || ps.queue.length > 1 || this.hooks.flushing() || now - head.createdAt >= this.opts.lingerMs) return true;
    return ps.inFlight === 0 && this.pool.inFlightTo(leader) === 0;
  }

  /**
   * The per-partition in-flight limits, and the idempotence rules on what may
   * be sent next (a partition's first batch of an id and epoch goes alone: see
   * PartitionState.acknowledgedInEpoch).
   */
  private mayAddInFlight(ps: PartitionState, head: ProducerBatch): boolean {
    const max = this.opts.maxInFlightRequestsPerConnection;
    if (!this.ids) return max === 1 ? ps.inFlight === 0 : true;
    // A retry goes alone and in sequence order, once everything before it has come back.
    if (head.baseSequence >= 0) return ps.inFlight === 0 && ps.unacked[0] === head;
    if (ps.retrying) {
      if (ps.inFlight > 0) return false;
      ps.retrying = false;
    }
    return ps.maySequenceNew(this.ids) && ps.inFlight < (ps.acknowledgedInEpoch(this.ids) ? max : 1);
  }

  /** Encodes each batch (a batch that cannot be encoded fails alone) and sends the request. */
  private dispatch(leader: number, items: Array<[PartitionState, ProducerBatch]>): void {
    const sendable: Array<[PartitionState, ProducerBatch]> = [];
    for (const [ps, b] of items) {
      try {
        this.encode(b);
        sendable.push([ps, b]);
      } catch (e) {
        if (this.ids) ps.unassignSequence(b);
        this.failed(ps, b, asKafkaError(e, `could not encode a batch of ${b.count} record(s) for ${b.topic}-${b.partition}`, { topic: b.topic, partition: b.partition }));
      }
    }
    if (sendable.length === 0) return;
    for (const [ps, b] of sendable) {
      b.inRequest = true;
      b.attempts++;
      ps.inFlight++;
      this.inFlight.add(b);
    }
    this.produce(leader, sendable).catch((e: unknown) => {
      // Not expected (produce handles its own errors); whatever it was, the batches fail and every count is released.
      const err = asKafkaError(e, `Produce to broker ${leader} failed`);
      for (const [ps, b] of sendable) if (this.endAttempt(ps, b)) this.failed(ps, b, err);
      this.drain();
    });
  }

  private encode(b: ProducerBatch): Buffer {
    b.encoded ??= encodeRecordBatch(b, {
      compression: this.opts.compressionType,
      producerId: b.producerId,
      producerEpoch: b.producerEpoch,
      baseSequence: b.baseSequence,
      transactional: this.transactional,
      allocate: this.takeBuffer,
    });
    return b.encoded;
  }

  private async produce(leader: number, items: Array<[PartitionState, ProducerBatch]>): Promise<void> {
    const topicData = new Map<string, Array<{ index: number; records: Buffer }>>();
    let bytes = 256;
    for (const [, b] of items) {
      let list = topicData.get(b.topic);
      if (!list) topicData.set(b.topic, (list = []));
      const records = b.encoded as Buffer;
      bytes += records.length + b.topic.length + 32;
      list.push({ index: b.partition, records });
    }
    // Each topic goes with its name and its id: the encoder writes the name up to v12 and the id from v13 (KIP-516).
    // While some topic's id is unknown (a broker without topic ids, or not in the metadata), the request stays at v12.
    const namesById = new Map<string, string>();
    const body = {
      transactionalId: this.opts.transactionalId,
      acks: this.opts.acks,
      timeoutMs: this.opts.requestTimeoutMs,
      topicData: [...topicData].map(([name, partitionData]) => {
        const topicId = this.metadata.topicIdOf(name);
        if (topicId !== undefined) namesById.set(topicId, name);
        return { name, topicId: topicId ?? ZERO_UUID, partitionData };
      }),
    };
    const maxVersion = namesById.size === topicData.size ? undefined : LAST_PRODUCE_BY_NAME;
    let res: ProduceResponse | undefined;
    try {
      res = await this.pool.request<ProduceResponse>(leader, 'Produce', body, { expectResponse: this.opts.acks !== 0, sizeHint: bytes, maxVersion });
    } catch (e) {
      const err = asKafkaError(e, `Produce to broker ${leader} failed`);
      log('Produce to broker %d failed: %s', leader, err.message);
      if (err.retriable) this.refreshMetadata();
      for (const [ps, b] of items) {
        if (!this.endAttempt(ps, b)) continue;
        // No answer: the broker may have written the batch.
        b.maybeWritten = true;
        if (err.retriable) this.retryLater(ps, b, err);
        else this.failed(ps, b, err);
      }
      this.drain();
      return;
    }
    const now = this.hooks.now();
    const byTp = new Map<string, PartitionResponse>();
    if (res) {
      for (const t of res.responses) {
        // v13+ answers by topic id (the name is then empty).
        const name = t.name !== '' ? t.name : namesById.get(t.topicId);
        if (name === undefined) continue;
        for (const p of t.partitionResponses) byTp.set(`${name}\u0000${p.index}`, p);
      }
    }
    for (const [ps, b] of items) {
      if (!this.endAttempt(ps, b)) continue;
      if (!res) {
        this.succeeded(ps, b, -1n, -1);
        continue;
      }
      const p = byTp.get(`${b.topic}\u0000${b.partition}`);
      if (p) this.onPartitionResponse(ps, b, p, leader, now);
      else this.retryLater(ps, b, new KafkaError(`broker ${leader} did not answer for ${b.topic}-${b.partition}`, true, { broker: leader }));
    }
    this.drain();
  }

  /** The one place a partition's in-flight count goes down; false if the batch was not in a request. */
  private endAttempt(ps: PartitionState, b: ProducerBatch): boolean {
    if (!b.inRequest) return false;
    b.inRequest = false;
    ps.inFlight--;
    this.inFlight.delete(b);
    return true;
  }

  private onPartitionResponse(ps: PartitionState, b: ProducerBatch, p: PartitionResponse, leader: number, now: number): void {
    const code = p.errorCode;
    if (code === ErrorCode.NONE || code === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
      // The broker answered the request, so its bytes left the socket: the batch's buffer can carry another.
      if (b.encoded) this.buffers.give(b.encoded);
      b.encoded = null;
      return this.succeeded(ps, b, p.baseOffset, Number(p.logAppendTimeMs));
    }
    const err = errorFor(code, { api: 'Produce', broker: leader, topic: b.topic, partition: b.partition }, p.errorMessage);
    if (MAYBE_WRITTEN.has(code)) b.maybeWritten = true;
    if (LEADER_ERRORS.has(code)) {
      const hint = p.currentLeader;
      if (hint && hint.leaderId >= 0) this.metadata.setLeader(b.topic, b.partition, hint.leaderId, hint.leaderEpoch);
      this.refreshMetadata();
    }
    if (b.done) return this.failed(ps, b, err);
    if (code === ErrorCode.MESSAGE_TOO_LARGE && b.count > 1) return this.faults.split(ps, b, this.ids !== null);
    if (code === ErrorCode.MESSAGE_TOO_LARGE || code === ErrorCode.RECORD_LIST_TOO_LARGE) return this.faults.tooLarge(ps, b, err);
    if (code === ErrorCode.INVALID_RECORD && p.recordErrors.length > 0) return this.faults.dropInvalid(ps, b, p.recordErrors, err);
    if (this.ids && code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER && ps.behindAcked(b)) {
      const why = `${err.message} — a later batch of ${b.topic}-${b.partition} was written first (sequence ${ps.lastAckedSequence} is acknowledged), so these records cannot be placed before it and were not written`;
      return this.failed(ps, b, new KafkaError(why, false, { ...err.context, cause: err }));
    }
    if (this.ids && !this.transactional && (code === ErrorCode.UNKNOWN_PRODUCER_ID || code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)) {
      // As Java's idempotent producer: the broker lost our state, or the gap is right before this batch:
      // move the partition to a new epoch once nothing is in flight. Otherwise a retry before it fills the gap.
      if (code === ErrorCode.UNKNOWN_PRODUCER_ID || ps.provesGap(b)) ps.wantsNewEpoch = true;
      return this.retryLater(ps, b, err);
    }
    if (err.retriable) this.retryLater(ps, b, err);
    else this.failed(ps, b, err);
  }

  // --- settling one batch ---

  private succeeded(ps: PartitionState, b: ProducerBatch, baseOffset: bigint, appendTime: number): void {
    if (this.ids) ps.acked(b);
    b.succeed(baseOffset, appendTime);
    this.acc.releaseBatch(b);
  }

  /** Back in the queue after a backoff, same bytes, unless time, retries or the producer have run out. */
  private retryLater(ps: PartitionState, b: ProducerBatch, err: KafkaError): void {
    const now = this.hooks.now();
    b.lastError = err;
    if (this.closed) {
      const closedErr = new KafkaError(`the producer was closed before ${b.count} record(s) for ${b.topic}-${b.partition} were acknowledged`, false, {
        topic: b.topic,
        partition: b.partition,
        cause: err,
      });
      return this.failed(ps, b, closedErr);
    }
    if (b.done || b.attempts > this.opts.retries) return this.failed(ps, b, err);
    if (now - b.createdAt >= this.opts.deliveryTimeoutMs) return this.failed(ps, b, this.expired(b, now));
    b.retryAt = now + backoffMs(b.attempts, { initialMs: this.opts.retryBackoffMs, maxMs: this.opts.retryBackoffMaxMs });
    if (b.baseSequence >= 0) ps.retrying = true;
    this.acc.requeue(ps, b);
  }

  /** Fails the batch's records (once) and records what its sequence numbers mean now. */
  private failed(ps: PartitionState, b: ProducerBatch, err: KafkaError): void {
    if (this.ids) ps.failed(b);
    if (b.done) return;
    b.fail(err);
    this.acc.releaseBatch(b);
    this.hooks.onBatchError?.(err);
  }

  private expired(b: ProducerBatch, now: number): KafkaTimeoutError {
    return new KafkaTimeoutError(
      `${b.count} record(s) for ${b.topic}-${b.partition} expired after ${now - b.createdAt} ms without an acknowledgement (deliveryTimeoutMs ${this.opts.deliveryTimeoutMs})` +
        (b.lastError ? `; last error: ${b.lastError.message}` : ''),
      { topic: b.topic, partition: b.partition },
    );
  }

  // --- what the producer and transactions ask of the sender ---

  /** Fails a partition's queued batches (abort, close, a transaction error), with their sequence bookkeeping. */
  failQueued(ps: PartitionState, err: KafkaError): void {
    for (const b of ps.queue.splice(0)) this.failed(ps, b, err);
  }

  failAllQueued(err: KafkaError): void {
    for (const ps of this.acc.states()) this.failQueued(ps, err);
    this.checkIdle();
  }

  /**
   * Transactional: whether a batch's sequence numbers were lost (the abort
   * must then get a new epoch, KIP-360). Asked with nothing in flight.
   */
  takeSequenceGap(): boolean {
    for (const ps of this.acc.states()) if (ps.resolve() === 'gap') this.sequenceGap = true;
    const gap = this.sequenceGap;
    this.sequenceGap = false;
    return gap;
  }

  /**
   * metadataMaxIdleMs: forgets partitions of topics not sent to for that
   * long, once nothing of theirs is pending. An idempotent producer then
   * bumps its epoch, so that a partition that comes back starts at sequence 0
   * of an epoch the broker has not seen for it. Transactional producers keep
   * the sequence state (their epoch changes only with the coordinator).
   */
  private dropIdlePartitions(now: number): void {
    if (now - this.lastIdleCheck < Math.min(1000, this.opts.metadataMaxIdleMs)) return;
    this.lastIdleCheck = now;
    if (this.transactional) return;
    let sequenced = false;
    for (const [topic, byPartition] of this.acc.topics) {
      let idle = true;
      for (const ps of byPartition.values()) if (!ps.idle || now - ps.lastUsedAt < this.opts.metadataMaxIdleMs) idle = false;
      if (!idle) continue;
      for (const ps of byPartition.values()) if (ps.producerId >= 0n) sequenced = true;
      this.acc.forgetTopic(topic);
      log('forgot topic %s: not sent to for %d ms (metadataMaxIdleMs)', topic, this.opts.metadataMaxIdleMs);
    }
    if (sequenced && this.ids?.ready) this.ids.bumpLocally();
  }

  /** Stops sending: no more drains or timers; batches coming back from the brokers fail instead of retrying. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
