import createDebug from 'debug';
import { KafkaConfigError, KafkaError, KafkaTimeoutError } from '../errors.js';
import { ErrorCode, errorFor, KafkaBrokerError } from '../messages/error-codes.js';
import type {
  AddOffsetsToTxnResponse,
  AddPartitionsToTxnResponse,
  EndTxnResponse,
  FindCoordinatorResponse,
  InitProducerIdResponse,
  TxnOffsetCommitResponse,
} from '../messages/generated/index.js';
import { backoffMs, retry } from '../network/backoff.js';
import type { ConnectionPool } from '../network/pool.js';
import type { ProducerIdManager } from './producer-id.js';

const log = createDebug('kafkawire:producer');

/** Errors after which this producer can do nothing more with its transactionalId. */
const FATAL = new Set<number>([
  ErrorCode.INVALID_PRODUCER_EPOCH,
  ErrorCode.TRANSACTION_COORDINATOR_FENCED,
  ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
  ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  ErrorCode.UNSUPPORTED_VERSION,
  ErrorCode.PRODUCER_FENCED,
]);
/** Coordinator moved or is loading: look it up again and retry. */
const COORDINATOR_MOVED = new Set<number>([ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.NOT_COORDINATOR]);
/** The coordinator is finishing the previous transaction: ask again soon. */
const CONCURRENT_RETRY_MS = 20;

/** What the transaction manager needs from the rest of the producer. */
export interface TransactionHooks {
  /** Partitions were added: their batches may go. */
  onPartitionsAdded(): void;
  /** The transaction became abortable or fatal: queued batches fail now. */
  onError(): void;
  /** Commit: waits for every record sent in the transaction. */
  flush(): Promise<void>;
  /** Abort: fails queued batches and waits for those in flight. */
  discard(): Promise<void>;
  /** After discard: whether a batch's sequence numbers were lost (the epoch must be bumped). */
  sequenceGap(): boolean;
}

export type TransactionState = 'uninitialized' | 'ready' | 'in-transaction' | 'committing' | 'aborting' | 'abortable-error' | 'fatal-error';

/** A group's identity for sendOffsetsToTransaction: a group id, or a consumer's group metadata. */
export interface ConsumerGroupMetadata {
  groupId: string;
  generationId?: number;
  memberId?: string;
  groupInstanceId?: string | null;
}

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  /** The next offset to consume (last processed + 1), as in Java. */
  offset: bigint;
  metadata?: string | null;
  leaderEpoch?: number;
}

/** A transaction error the user can recover from by aborting (abortable) or not at all (fatal). */
export class KafkaTransactionError extends KafkaError {
  constructor(
    message: string,
    readonly fatal: boolean,
    cause?: unknown,
  ) {
    super(message, false, { cause });
  }
}

/**
 * The client side of Kafka transactions (KIP-98), as the Java producer runs
 * them: a coordinator per transactionalId; partitions added to the
 * transaction before their first batch; offsets added through the group;
 * commit or abort with EndTxn. An error during the transaction makes it
 * abortable; fencing and authorization errors make the producer unusable.
 */
export class TransactionManager {
  state: TransactionState = 'uninitialized';
  private coordinator = -1;
  private readonly added = new Set<string>();
  private readonly pending = new Map<string, { topic: string; partition: number }>();
  private adding: Promise<void> | null = null;
  private error: KafkaError | null = null;
  hooks: TransactionHooks | null = null;

  constructor(
    private readonly transactionalId: string,
    private readonly pool: ConnectionPool,
    private readonly producer: ProducerIdManager,
    private readonly retryBackoffMs: number,
    private readonly retryBackoffMaxMs: number,
    private readonly maxBlockMs: number,
  ) {}

  /** The error that makes the current transaction abortable (or the producer unusable), if any. */
  get failure(): KafkaError | null {
    return this.state === 'abortable-error' || this.state === 'fatal-error' ? this.error : null;
  }

  /**
   * Why a queued batch may not be sent now: the transaction failed, or it is
   * being aborted. The latter also covers a batch that was in flight when the
   * abort began and came back retriable: it fails instead of being retried
   * into a transaction that is ending (as Java aborts undrained batches).
   */
  get queuedBatchError(): KafkaError | null {
    if (this.state === 'aborting') return (this.abortError ??= new KafkaError('the transaction was aborted before these records were sent', false));
    this.abortError = null;
    return this.failure;
  }

  private abortError: KafkaError | null = null;

  private fail(err: KafkaError): never {
    const code = err instanceof KafkaBrokerError ? err.code : undefined;
    const fatal = err instanceof KafkaTransactionError ? err.fatal : code !== undefined && FATAL.has(code);
    const fenced = code === 90 || code === 47 ? ' (another producer with the same transactionalId has started: this one is fenced; close it)' : '';
    const e =
      err instanceof KafkaTransactionError
        ? err
        : new KafkaTransactionError(
            fatal
              ? `transactionalId ${this.transactionalId} can no longer be used by this producer: ${err.message}${fenced}`
              : `the transaction of ${this.transactionalId} failed and must be aborted: ${err.message}`,
            fatal,
            err,
          );
    this.error = e;
    this.state = fatal ? 'fatal-error' : 'abortable-error';
    this.hooks?.onError();
    throw e;
  }

  /** Records an error a batch hit while in a transaction (the sender calls it). */
  batchFailed(err: KafkaError): void {
    if (this.state !== 'in-transaction' && this.state !== 'committing') return;
    try {
      this.fail(err);
    } catch {
      /* recorded */
    }
  }

  /** Throws unless the state is one of `states`: the error that put the producer in an error state, or what to call first. */
  private require(call: string, ...states: TransactionState[]): void {
    if (states.includes(this.state)) return;
    if (this.error && (this.state === 'fatal-error' || this.state === 'abortable-error')) throw this.error;
    throw new KafkaConfigError(`${call} cannot run in transaction state ${this.state}: ${this.whatFirst(states)}`);
  }

  private whatFirst(states: TransactionState[]): string {
    if (this.state === 'uninitialized') return 'call initTransactions() first';
    if (states.includes('uninitialized')) return 'initTransactions() has run already';
    if (this.state === 'ready') return 'no transaction is open; call beginTransaction() first';
    if (this.state === 'in-transaction') return 'a transaction is open; commit or abort it first';
    if (this.state === 'committing' || this.state === 'aborting') return `the transaction is ${this.state}; wait for that call`;
    return `it needs state ${states.join(' or ')}`;
  }

  /** Sends a request to the coordinator, looking it up again and retrying while it moves or is busy (up to maxBlockMs). */
  private async call<T extends { errorCode?: number }>(
    api: 'InitProducerId' | 'AddOffsetsToTxn' | 'EndTxn' | 'AddPartitionsToTxn',
    body: () => unknown,
    errorOf: (res: T) => number = (r) => r.errorCode ?? 0,
  ): Promise<T> {
    const deadline = Date.now() + this.maxBlockMs;
    for (let attempt = 1; ; attempt++) {
      let code: number;
      let res: T | undefined;
      let cause: unknown;
      try {
        if (this.coordinator < 0) this.coordinator = await this.findCoordinator(1, this.transactionalId);
        res = await this.pool.request<T>(this.coordinator, api, body());
        code = errorOf(res);
      } catch (e) {
        if (!(e instanceof KafkaError) || !e.retriable) throw e;
        cause = e;
        code = ErrorCode.COORDINATOR_NOT_AVAILABLE;
      }
      if (code === ErrorCode.NONE) return res as T;
      const busy = code === ErrorCode.CONCURRENT_TRANSACTIONS;
      if (!COORDINATOR_MOVED.has(code) && !busy) throw errorFor(code, { api, broker: this.coordinator });
      if (Date.now() >= deadline) {
        const last = cause instanceof KafkaError ? cause.message : errorFor(code, { api, broker: this.coordinator }).message;
        throw new KafkaTimeoutError(`${api} for transactionalId ${this.transactionalId} did not complete within ${this.maxBlockMs} ms (maxBlockMs): ${last}`, { api, cause });
      }
      if (COORDINATOR_MOVED.has(code)) this.coordinator = -1;
      const wait = busy ? CONCURRENT_RETRY_MS : backoffMs(attempt, { initialMs: this.retryBackoffMs, maxMs: this.retryBackoffMaxMs });
      await new Promise((r) => setTimeout(r, Math.min(wait, Math.max(0, deadline - Date.now()))));
    }
  }

  /** FindCoordinator: keyType 0 for a group, 1 for a transactional id. */
  findCoordinator(keyType: 0 | 1, key: string): Promise<number> {
    return retry(
      async () => {
        const res = await this.pool.request<FindCoordinatorResponse>('any', 'FindCoordinator', { key, keyType, coordinatorKeys: [key] });
        const c = res.coordinators[0];
        const code = c ? c.errorCode : res.errorCode;
        if (code !== ErrorCode.NONE) throw errorFor(code, { api: 'FindCoordinator' });
        return c ? c.nodeId : res.nodeId;
      },
      { initialMs: this.retryBackoffMs, maxMs: this.retryBackoffMaxMs, deadline: Date.now() + this.maxBlockMs },
    );
  }

  /** A new producer id and epoch from the coordinator (bump: KIP-360's next epoch of the current id). */
  private initProducerId(bump: boolean): Promise<void> {
    return this.producer.once(() => this.producer.request((body) => this.call<InitProducerIdResponse>('InitProducerId', () => body), bump));
  }

  /** A timeout or retriable error leaves the call to be made again; anything else ends the transaction. */
  private failOrRetry(e: unknown, what: string): never {
    const err = e instanceof KafkaError ? e : new KafkaError(String(e), false, { cause: e });
    if (err.retriable) {
      throw err instanceof KafkaTimeoutError ? err : new KafkaTimeoutError(`${what} did not complete: ${err.message}; call it again`, { cause: err });
    }
    this.fail(err);
  }

  /** InitProducerId through the coordinator; after a timeout it may be called again. */
  async init(): Promise<void> {
    this.require('initTransactions()', 'uninitialized');
    try {
      await this.initProducerId(false);
    } catch (e) {
      this.failOrRetry(e, 'initTransactions()');
    }
    log('transactional producer %s: id %s, epoch %d', this.transactionalId, this.producer.producerId, this.producer.epoch);
    this.state = 'ready';
  }

  begin(): void {
    this.require('beginTransaction()', 'ready');
    this.state = 'in-transaction';
  }

  inTransaction(): boolean {
    return this.state === 'in-transaction';
  }

  /** Whether batches of this partition may be sent (it has been added to the transaction). */
  partitionReady(topic: string, partition: number): boolean {
    const key = `${topic}\u0000${partition}`;
    if (this.added.has(key)) return true;
    if (!this.pending.has(key)) this.pending.set(key, { topic, partition });
    this.adding ??= this.addPending().catch((e: unknown) => log('AddPartitionsToTxn: %s', (e as Error).message));
    return false;
  }

  /** Adds the partitions waiting for it; a failure fails their batches at once (through onError). */
  private addPending(): Promise<void> {
    return (async () => {
      while (this.pending.size > 0 && (this.state === 'in-transaction' || this.state === 'committing')) {
        const batch = [...this.pending.entries()];
        const topics = new Map<string, number[]>();
        for (const [, tp] of batch) {
          const list = topics.get(tp.topic) ?? [];
          list.push(tp.partition);
          topics.set(tp.topic, list);
        }
        const body = {
          v3AndBelowTransactionalId: this.transactionalId,
          v3AndBelowProducerId: this.producer.producerId,
          v3AndBelowProducerEpoch: this.producer.epoch,
          v3AndBelowTopics: [...topics].map(([name, partitions]) => ({ name, partitions })),
        };
        try {
          await this.call<AddPartitionsToTxnResponse>('AddPartitionsToTxn', () => body, (res) => {
            for (const t of res.resultsByTopicV3AndBelow) for (const p of t.resultsByPartition) if (p.partitionErrorCode !== 0) return p.partitionErrorCode;
            return res.errorCode;
          });
        } catch (e) {
          this.pending.clear();
          this.batchFailed(e instanceof KafkaError ? e : new KafkaError(String(e), false, { cause: e }));
          return;
        }
        for (const [key] of batch) {
          this.pending.delete(key);
          this.added.add(key);
        }
        log('added %d partition(s) to the transaction', batch.length);
        this.hooks?.onPartitionsAdded();
      }
    })().finally(() => {
      this.adding = null;
    });
  }

  async sendOffsets(offsets: TopicPartitionOffset[], group: string | ConsumerGroupMetadata): Promise<void> {
    this.require('sendOffsetsToTransaction()', 'in-transaction');
    const g: ConsumerGroupMetadata = typeof group === 'string' ? { groupId: group } : group;
    try {
      await this.call<AddOffsetsToTxnResponse>('AddOffsetsToTxn', () => ({
        transactionalId: this.transactionalId,
        producerId: this.producer.producerId,
        producerEpoch: this.producer.epoch,
        groupId: g.groupId,
      }));
      this.offsetsAdded = true;
      const groupCoordinator = await this.findCoordinator(0, g.groupId);
      const topics = new Map<string, TopicPartitionOffset[]>();
      for (const o of offsets) topics.set(o.topic, [...(topics.get(o.topic) ?? []), o]);
      const res = await this.pool.request<TxnOffsetCommitResponse>(groupCoordinator, 'TxnOffsetCommit', {
        transactionalId: this.transactionalId,
        groupId: g.groupId,
        producerId: this.producer.producerId,
        producerEpoch: this.producer.epoch,
        generationId: g.generationId ?? -1,
        memberId: g.memberId ?? '',
        groupInstanceId: g.groupInstanceId ?? null,
        topics: [...topics].map(([name, list]) => ({
          name,
          partitions: list.map((o) => ({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch ?? -1, committedMetadata: o.metadata ?? null })),
        })),
      // The consumer's generation and member id (KIP-447: a zombie's commit is fenced) need v3 (Kafka 2.5); without
      // them the commit would go out unfenced. Java refuses too; a bare group id works on any version.
      }, (g.generationId ?? -1) >= 0 || (g.memberId ?? '') !== '' || g.groupInstanceId != null ? { needs: { version: 3, what: `the consumer group metadata of ${g.groupId} (KIP-447 fencing; pass the group id alone to commit unfenced)` } } : {});
      for (const t of res.topics) for (const p of t.partitions) if (p.errorCode !== 0) throw errorFor(p.errorCode, { api: 'TxnOffsetCommit', topic: t.name, partition: p.partitionIndex });
    } catch (e) {
      this.fail(e as KafkaError);
    }
  }

  /**
   * Ends the transaction: commit sends everything buffered first and
   * reports a batch's error at once; abort fails what is queued. After a
   * timeout or retriable error the same call may be made again.
   */
  async end(commit: boolean): Promise<void> {
    const hooks = this.hooks as TransactionHooks;
    if (commit) this.require('commitTransaction()', 'in-transaction', 'committing');
    else this.require('abortTransaction()', 'in-transaction', 'abortable-error', 'aborting');
    const again = this.state === (commit ? 'committing' : 'aborting');
    this.state = commit ? 'committing' : 'aborting';
    // Sends still queued in an aborted transaction must not be appended to the next one.
    if (!commit && !again) this.generation++;
    if (commit) {
      await hooks.flush();
      if (this.error && (this.state as TransactionState) === 'abortable-error') throw this.error;
    } else {
      await hooks.discard();
    }
    await this.adding;
    // The coordinator knows a transaction only once something was added to it; an empty one ends here (as in Java).
    if (this.added.size > 0 || this.offsetsAdded) {
      try {
        await this.call<EndTxnResponse>('EndTxn', () => ({
          transactionalId: this.transactionalId,
          producerId: this.producer.producerId,
          producerEpoch: this.producer.epoch,
          committed: commit,
        }));
      } catch (e) {
        this.failOrRetry(e, commit ? 'commitTransaction()' : 'abortTransaction()');
      }
      this.added.clear();
      this.offsetsAdded = false;
    }
    // A batch that failed took sequence numbers the broker never saw: a new epoch starts every partition at 0 (KIP-360).
    if (!commit && (this.bumpPending || hooks.sequenceGap())) {
      this.bumpPending = true;
      try {
        await this.initProducerId(true);
      } catch (e) {
        this.failOrRetry(e, 'abortTransaction()');
      }
      this.bumpPending = false;
    }
    this.pending.clear();
    this.error = null;
    if (commit) this.generation++;
    this.state = 'ready';
  }

  /** The abort found a sequence gap and has yet to get the new epoch (kept across a retried abort). */
  private bumpPending = false;
  /** Offsets were added to the current transaction (sendOffsetsToTransaction). */
  private offsetsAdded = false;
  /** Counts transactions, so a send queued in one is never appended to the next. */
  generation = 0;
}
