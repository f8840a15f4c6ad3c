import createDebug from 'debug';
import type { Metadata } from '../cluster/metadata.js';
import { KafkaError, KafkaTimeoutError } from '../errors.js';
import { errorFor } from '../messages/error-codes.js';
import type { DescribeConfigsResponse, ProduceResponse } from '../messages/generated/index.js';
import { backoffMs } from '../network/backoff.js';
import type { ConnectionPool } from '../network/pool.js';
import { encodeRecordBatch } from '../records/batch.js';
import { ProducerBatch, type RecordAccumulator } from './accumulator.js';
import type { ProducerState } from './idempotence.js';
import type { ResolvedProducerOptions } from './options.js';

const log = createDebug('kafkawire:producer');

/** Errors after which the partition's leader must be looked up again. */
const LEADER_ERRORS = new Set([3, 5, 6, 13, 19, 20, 56, 74, 75]);
const MESSAGE_TOO_LARGE = 10;
const OUT_OF_ORDER_SEQUENCE = 45;
const DUPLICATE_SEQUENCE = 46;
const UNKNOWN_PRODUCER_ID = 59;
const INVALID_RECORD = 87;
const RECORD_LIST_TOO_LARGE = 18;

interface PartitionState {
  inFlight: number;
  /** A batch of this partition is being retried: send one at a time until it lands. */
  retrying: boolean;
}

export interface SenderHooks {
  /** Transactions: true once the partition may be written in the current transaction. */
  partitionReady?(topic: string, partition: number): boolean;
  /** A batch failed with an error that ends the transaction (abortable or fatal). */
  onBatchError?(err: KafkaError): void;
}

/**
 * Moves ready batches from the accumulator to the brokers: one Produce request
 * per leader per drain, holding every ready partition it leads; then settles
 * each batch from the answer — success, retry (same bytes, same sequence),
 * split, or failure.
 */
export class Sender {
  private readonly partitions = new Map<string, PartitionState>();
  private timer: NodeJS.Timeout | null = null;
  private immediate = false;
  /** Batches sent and not yet settled. */
  inFlight = 0;
  /** Send everything now, ignoring lingerMs (flush, close, commit). */
  flushing = 0;
  private epochBumpNeeded = false;
  private bumping: Promise<void> | null = null;
  private lastRefresh = 0;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    private readonly opts: ResolvedProducerOptions,
    private readonly pool: ConnectionPool,
    private readonly metadata: Metadata,
    private readonly acc: RecordAccumulator,
    private readonly state: ProducerState | null,
    private readonly hooks: SenderHooks = {},
  ) {}

  private part(topic: string, partition: number): PartitionState {
    const key = `${topic}\u0000${partition}`;
    let s = this.partitions.get(key);
    if (!s) this.partitions.set(key, (s = { inFlight: 0, retrying: false }));
    return s;
  }

  /** Runs a drain soon (a batch filled up, a flush started, a retry came due). */
  wakeup(): void {
    if (this.immediate) return;
    this.immediate = true;
    setImmediate(() => {
      this.immediate = false;
      this.drain();
    });
  }

  private timerAt = Infinity;

  /** Runs a drain at `at` (or earlier, if one is already due sooner). */
  wakeAt(at: number): void {
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.drain();
    }, Math.max(0, at - Date.now()));
  }

  /** Resolves when nothing is queued or in flight. */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0 && this.acc.isEmpty()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private checkIdle(): void {
    if (this.inFlight === 0 && this.acc.isEmpty()) for (const w of this.idleWaiters.splice(0)) w();
  }

  private refreshMetadata(): void {
    const now = Date.now();
    if (now - this.lastRefresh < this.opts.retryBackoffMs) return;
    this.lastRefresh = now;
    this.metadata.refresh().then(
      () => this.wakeup(),
      (e: unknown) => log('metadata refresh failed: %s', (e as Error).message),
    );
  }

  drain(): void {
    if (this.closed) return;
    // metadataMaxAgeMs: refresh even without errors, so new partitions and moved leaders are seen.
    if (this.metadata.stale) this.refreshMetadata();
    if (this.state && this.epochBumpNeeded) {
      this.bumpEpoch();
      return;
    }
    const now = Date.now();
    let nextWake = Infinity;
    let moreReady = false;
    const bytesFor = new Map<number, number>();
    const byLeader = new Map<number, ProducerBatch[]>();
    for (const [topic, byPartition] of this.acc.queues) {
      for (const [partition, q] of byPartition) {
        // Every batch past deliveryTimeoutMs fails now (not only the first), and the next one sets a wake-up.
        while (q[0] && now - q[0].createdAt >= this.opts.deliveryTimeoutMs) {
          const expired = q.shift() as ProducerBatch;
          this.settleFailed(expired, this.expired(expired, now));
        }
        const head = q[0];
        if (!head) continue;
        nextWake = Math.min(nextWake, head.createdAt + this.opts.deliveryTimeoutMs);
        const ready = head.closed || q.length > 1 || this.flushing > 0 || now - head.createdAt >= this.opts.lingerMs;
        if (!ready) {
          nextWake = Math.min(nextWake, head.createdAt + this.opts.lingerMs);
          continue;
        }
        if (head.retryAt > now) {
          nextWake = Math.min(nextWake, head.retryAt);
          continue;
        }
        if (this.hooks.partitionReady && !this.hooks.partitionReady(topic, partition)) continue;
        const ps = this.part(topic, partition);
        // Idempotent: up to maxInFlight per partition, one while a retry is pending. Otherwise, with
        // maxInFlight 1 (Java's way to keep order without idempotence), one per partition.
        const limit = this.state ? (ps.retrying ? 1 : this.opts.maxInFlightRequestsPerConnection) : this.opts.maxInFlightRequestsPerConnection === 1 ? 1 : Infinity;
        if (ps.inFlight >= limit) continue;
        const leader = this.metadata.leaderFor(topic, partition);
        if (leader < 0) {
          this.refreshMetadata();
          nextWake = Math.min(nextWake, now + this.opts.retryBackoffMs);
          continue;
        }
        // Like Java's sender: while a broker's connection is full, keep its batches here; a later
        // drain packs them into one request instead of queueing many small ones behind each other.
        if (!byLeader.has(leader) && this.pool.inFlightTo(leader) >= this.opts.maxInFlightRequestsPerConnection) continue;
        const group = byLeader.get(leader) ?? [];
        // Java's max.request.size: stop adding partitions once the request would be too large.
        const size = head.encoded?.length ?? head.bytes;
        const groupBytes = bytesFor.get(leader) ?? 0;
        if (group.length > 0 && groupBytes + size > this.opts.maxRequestSize) continue;
        q.shift();
        ps.inFlight++;
        group.push(head);
        byLeader.set(leader, group);
        bytesFor.set(leader, groupBytes + size);
        // More ready batches behind this one: drain again once this request is on its way (Java's sender loops too).
        if (q.length > 0 && (q.length > 1 || q[0]!.closed || this.flushing > 0)) moreReady = true;
      }
    }
    for (const [leader, batches] of byLeader) void this.send(leader, batches);
    if (moreReady && byLeader.size > 0) this.wakeup();
    if (nextWake !== Infinity) this.wakeAt(nextWake);
    this.checkIdle();
  }

  private expired(b: ProducerBatch, now: number): KafkaTimeoutError {
    return new KafkaTimeoutError(
      `${b.count} record(s) for ${b.topic}-${b.partition} expired after ${now - b.createdAt} ms without an acknowledgement (deliveryTimeoutMs ${this.opts.deliveryTimeoutMs})` +
        (b.lastError ? `; last error: ${b.lastError.message}` : ''),
      { topic: b.topic, partition: b.partition },
    );
  }

  private encode(b: ProducerBatch): Buffer {
    if (b.encoded) return b.encoded;
    if (this.state && b.baseSequence < 0) {
      b.producerId = this.state.producerId;
      b.producerEpoch = this.state.epoch;
      b.baseSequence = this.state.takeSequence(b.topic, b.partition, b.count);
    }
    b.encoded = encodeRecordBatch(b.records, {
      compression: this.opts.compressionType,
      producerId: b.producerId,
      producerEpoch: b.producerEpoch,
      baseSequence: b.baseSequence,
      transactional: this.opts.transactionalId !== null,
    });
    return b.encoded;
  }

  private async send(leader: number, batches: ProducerBatch[]): Promise<void> {
    this.inFlight += batches.length;
    const topicData = new Map<string, Array<{ index: number; records: Buffer }>>();
    let bytes = 256;
    for (const b of batches) {
      b.attempts++;
      let list = topicData.get(b.topic);
      if (!list) topicData.set(b.topic, (list = []));
      const records = this.encode(b);
      bytes += records.length + b.topic.length + 32;
      list.push({ index: b.partition, records });
    }
    const body = {
      transactionalId: this.opts.transactionalId,
      acks: this.opts.acks,
      timeoutMs: this.opts.requestTimeoutMs,
      topicData: [...topicData].map(([name, partitionData]) => ({ name, partitionData })),
    };
    let res: ProduceResponse | undefined;
    try {
      res = await this.pool.request<ProduceResponse>(leader, 'Produce', body, { expectResponse: this.opts.acks !== 0, sizeHint: bytes });
    } catch (e) {
      const err = e instanceof KafkaError ? e : new KafkaError(String(e), false, { cause: e });
      log('Produce to broker %d failed: %s', leader, err.message);
      if (err.retriable) this.refreshMetadata();
      for (const b of batches) this.settle(b, err.retriable ? 'retry' : 'fail', err);
      this.afterSettle(batches.length);
      return;
    }
    const now = Date.now();
    if (!res) {
      for (const b of batches) this.settle(b, 'ok', undefined, -1n, -1, now);
      this.afterSettle(batches.length);
      return;
    }
    const byTp = new Map<string, ProduceResponse['responses'][number]['partitionResponses'][number]>();
    for (const t of res.responses) for (const p of t.partitionResponses) byTp.set(`${t.name}\u0000${p.index}`, p);
    for (const b of batches) {
      const p = byTp.get(`${b.topic}\u0000${b.partition}`);
      if (!p) {
        this.settle(b, 'retry', new KafkaError(`broker ${leader} did not answer for ${b.topic}-${b.partition}`, true, { broker: leader }));
        continue;
      }
      this.settlePartition(b, p, leader, now);
    }
    this.afterSettle(batches.length);
  }

  private afterSettle(n: number): void {
    this.inFlight -= n;
    this.drain();
  }

  private settlePartition(b: ProducerBatch, p: ProduceResponse['responses'][number]['partitionResponses'][number], leader: number, now: number): void {
    const code = p.errorCode;
    if (code === 0 || code === DUPLICATE_SEQUENCE) return this.settle(b, 'ok', undefined, p.baseOffset, Number(p.logAppendTimeMs), now);
    const ctx = { api: 'Produce', broker: leader, topic: b.topic, partition: b.partition };
    const err = errorFor(code, ctx, p.errorMessage);
    if (LEADER_ERRORS.has(code)) {
      const hint = p.currentLeader;
      if (hint && hint.leaderId >= 0) this.metadata.setLeader(b.topic, b.partition, hint.leaderId, hint.leaderEpoch);
      this.refreshMetadata();
    }
    if (code === MESSAGE_TOO_LARGE && b.count > 1) return this.split(b);
    if (code === MESSAGE_TOO_LARGE || code === RECORD_LIST_TOO_LARGE) return this.tooLarge(b, err);
    if (code === INVALID_RECORD && p.recordErrors.length > 0) return this.dropInvalid(b, p.recordErrors, err);
    if (this.state && (code === UNKNOWN_PRODUCER_ID || code === OUT_OF_ORDER_SEQUENCE)) {
      // A gap before this batch that another retry will fill: try again as it is.
      if (code === OUT_OF_ORDER_SEQUENCE && this.part(b.topic, b.partition).retrying) return this.settle(b, 'retry', err);
      this.epochBumpNeeded = this.opts.transactionalId === null;
      if (this.epochBumpNeeded) return this.settle(b, 'reset', err);
    }
    this.settle(b, err.retriable ? 'retry' : 'fail', err);
  }

  /** A single record the broker refused as too large: say both sizes (the limit is read from the topic's config). */
  private tooLarge(b: ProducerBatch, err: KafkaError): void {
    const size = b.encoded?.length ?? b.bytes;
    this.part(b.topic, b.partition).inFlight--;
    // Counted as in flight until settled, so flush() waits for it.
    this.inFlight++;
    this.topicLimit(b.topic).then(
      (limit) => {
        const e = new KafkaError(
          `RECORD_TOO_LARGE: the broker refused a batch of ${size} bytes (one record) for ${b.topic}-${b.partition}: ` +
            `larger than the topic's max.message.bytes (${limit ?? 'unknown'} bytes); raise max.message.bytes or send smaller records`,
          false,
          { ...err.context, cause: err },
        );
        this.settleFailed(b, e);
        this.inFlight--;
        this.drain();
      },
      () => {
        this.settleFailed(b, err);
        this.inFlight--;
        this.drain();
      },
    );
  }

  private async topicLimit(topic: string): Promise<string | undefined> {
    const res = await this.pool.request<DescribeConfigsResponse>('any', 'DescribeConfigs', {
      resources: [{ resourceType: 2, resourceName: topic, configurationKeys: ['max.message.bytes'] }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    return res.results[0]?.configs.find((c) => c.name === 'max.message.bytes')?.value ?? undefined;
  }

  /**
   * Splits a batch the broker found too large into two. As in Java, the halves
   * keep the original's producer id, epoch and sequence range (first half from
   * its base sequence, second half after it), so no gap opens before the
   * batches sent after it.
   */
  private split(b: ProducerBatch): void {
    const half = Math.ceil(b.count / 2);
    const parts = [new ProducerBatch(b.topic, b.partition, b.createdAt), new ProducerBatch(b.topic, b.partition, b.createdAt)];
    b.records.forEach((r, i) => {
      const target = parts[i < half ? 0 : 1] as ProducerBatch;
      target.records.push(r);
      target.completions.push(b.completions[i]!);
    });
    parts[0]!.reserved = b.reserved;
    parts[0]!.order = b.order;
    parts[1]!.order = b.order;
    if (b.baseSequence >= 0) {
      parts.forEach((x, i) => {
        x.producerId = b.producerId;
        x.producerEpoch = b.producerEpoch;
        x.baseSequence = (b.baseSequence + (i === 0 ? 0 : half)) % 2147483648;
      });
    }
    log('splitting a too-large batch of %d records for %s-%d', b.count, b.topic, b.partition);
    const ps = this.part(b.topic, b.partition);
    ps.inFlight--;
    ps.retrying = this.state !== null;
    b.done = true;
    for (const x of parts) this.acc.requeue(x);
  }

  /** KIP-467: reject only the records the broker named; send the others again. */
  private dropInvalid(b: ProducerBatch, errors: Array<{ batchIndex: number; batchIndexErrorMessage: string | null }>, err: KafkaError): void {
    const bad = new Map(errors.map((e) => [e.batchIndex, e.batchIndexErrorMessage]));
    const rest = new ProducerBatch(b.topic, b.partition, b.createdAt);
    b.records.forEach((r, i) => {
      if (bad.has(i)) b.completions[i]!.reject(new KafkaError(`record ${i} of its batch was rejected by the broker: ${bad.get(i) ?? err.message}`, false, err.context));
      else {
        rest.records.push(r);
        rest.completions.push(b.completions[i]!);
      }
    });
    this.part(b.topic, b.partition).inFlight--;
    b.done = true;
    rest.reserved = b.reserved;
    rest.order = b.order;
    if (rest.count === 0) {
      this.acc.release(rest.reserved);
    } else if (this.opts.transactionalId !== null) {
      // A transaction cannot resend part of a batch without a sequence gap; it must be aborted anyway.
      this.settleFailed(rest, new KafkaError(`${rest.count} record(s) were sent in a batch the broker refused for other records: ${err.message}`, false, err.context));
    } else {
      if (this.state) this.epochBumpNeeded = true;
      this.acc.requeue(rest);
    }
    if (this.opts.transactionalId !== null) this.hooks.onBatchError?.(err);
  }

  private settle(b: ProducerBatch, outcome: 'ok' | 'retry' | 'reset' | 'fail', err?: KafkaError, baseOffset = -1n, appendTime = -1, now = Date.now()): void {
    const ps = this.part(b.topic, b.partition);
    ps.inFlight--;
    if (outcome === 'ok') {
      b.succeed(baseOffset, appendTime, now);
      this.acc.release(b.reserved);
      if (ps.inFlight === 0) ps.retrying = false;
      return;
    }
    b.lastError = err;
    const timeLeft = b.createdAt + this.opts.deliveryTimeoutMs - now;
    if (this.closed && outcome !== 'fail') {
      this.settleFailed(b, new KafkaError(`the producer was closed before ${b.count} record(s) for ${b.topic}-${b.partition} were acknowledged`, false, { topic: b.topic, partition: b.partition, cause: err }));
      return;
    }
    if ((outcome === 'retry' || outcome === 'reset') && timeLeft > 0 && b.attempts <= this.opts.retries) {
      if (outcome === 'reset') {
        b.encoded = null;
        b.baseSequence = -1;
      }
      b.retryAt = now + backoffMs(b.attempts, { initialMs: this.opts.retryBackoffMs, maxMs: this.opts.retryBackoffMaxMs });
      ps.retrying = this.state !== null;
      this.acc.requeue(b);
      return;
    }
    this.settleFailed(b, outcome === 'fail' || timeLeft > 0 ? (err as KafkaError) : this.expired(b, now));
  }

  private settleFailed(b: ProducerBatch, err: KafkaError): void {
    b.fail(err);
    this.acc.release(b.reserved);
    // Its sequence numbers were taken but never written: later batches would find a gap. An idempotent
    // producer starts a new epoch; a transactional one does so when the transaction is aborted.
    if (this.state && b.baseSequence >= 0) {
      this.part(b.topic, b.partition).retrying = false;
      if (this.opts.transactionalId === null && !this.closed) this.epochBumpNeeded = true;
    }
    this.hooks.onBatchError?.(err);
  }

  /** After a sequence problem: wait for in-flight batches, bump the epoch, re-sequence everything queued. */
  private bumpEpoch(): void {
    if (this.bumping || this.inFlight > 0 || !this.state) return;
    this.bumping = (async () => {
      if (!this.state!.bumpLocally()) await this.state!.init(this.pool, 'any', null, this.opts.transactionTimeoutMs);
      for (const byPartition of this.acc.queues.values()) {
        for (const q of byPartition.values()) {
          for (const b of q) {
            b.encoded = null;
            b.baseSequence = -1;
          }
        }
      }
      for (const ps of this.partitions.values()) ps.retrying = false;
    })()
      .catch((e: unknown) => log('epoch bump failed: %s', (e as Error).message))
      .finally(() => {
        this.epochBumpNeeded = false;
        this.bumping = null;
        this.wakeup();
      });
  }

  private closed = false;

  /** Stops sending: no more drains or timers; batches coming back from the brokers fail instead of retrying. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
