import createDebug from 'debug';
import { KafkaConfigError, KafkaError } from '../errors.js';
import { errorFor, KafkaBrokerError } from '../messages/error-codes.js';
import type {
  AddOffsetsToTxnResponse,
  AddPartitionsToTxnResponse,
  EndTxnResponse,
  FindCoordinatorResponse,
  InitProducerIdResponse,
  TxnOffsetCommitResponse,
} from '../messages/generated/index.js';
import type { ConnectionPool } from '../network/pool.js';
import type { ProducerState } from './idempotence.js';

const log = createDebug('kafkawire:producer');

/** Errors after which this producer can do nothing more with its transactionalId. */
const FATAL = new Set([47, 52, 53, 31, 35, 90]);
/** Coordinator moved or is loading: look it up again and retry. */
const COORDINATOR_MOVED = new Set([14, 15, 16]);
const CONCURRENT_TRANSACTIONS = 51;

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
  /** Called when partitions were added, so the sender can send their batches. */
  onPartitionsAdded: () => void = () => undefined;

  constructor(
    private readonly transactionalId: string,
    private readonly timeoutMs: number,
    private readonly pool: ConnectionPool,
    private readonly producer: ProducerState,
    private readonly retryBackoffMs: number,
    private readonly maxBlockMs: number,
  ) {}

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
    throw e;
  }

  /** Records an error a batch hit while in a transaction (the sender calls it). */
  batchFailed(err: KafkaError): void {
    this.sequenceGap = true;
    if (this.state !== 'in-transaction' && this.state !== 'committing') return;
    try {
      this.fail(err);
    } catch {
      /* recorded */
    }
  }

  private require(...states: TransactionState[]): void {
    if (states.includes(this.state)) return;
    if (this.error && (this.state === 'fatal-error' || this.state === 'abortable-error')) throw this.error;
    throw new KafkaConfigError(`cannot do that in transaction state ${this.state} (expected ${states.join(' or ')})`);
  }

  /** Sends a request to the coordinator, looking it up again and retrying while it moves or is busy. */
  private async call<T extends { errorCode?: number }>(
    api: 'InitProducerId' | 'AddOffsetsToTxn' | 'EndTxn' | 'AddPartitionsToTxn',
    body: () => unknown,
    errorOf: (res: T) => number = (r) => r.errorCode ?? 0,
  ): Promise<T> {
    const deadline = Date.now() + this.maxBlockMs;
    for (let attempt = 0; ; attempt++) {
      if (this.coordinator < 0) this.coordinator = await this.findCoordinator(1, this.transactionalId);
      let code: number;
      let res: T | undefined;
      try {
        res = await this.pool.request<T>(this.coordinator, api, body());
        code = errorOf(res);
      } catch (e) {
        if (!(e instanceof KafkaError) || !e.retriable || Date.now() > deadline) throw e;
        code = 15;
      }
      if (code === 0) return res as T;
      if ((!COORDINATOR_MOVED.has(code) && code !== CONCURRENT_TRANSACTIONS) || Date.now() > deadline) {
        throw errorFor(code, { api, broker: this.coordinator });
      }
      if (COORDINATOR_MOVED.has(code)) this.coordinator = -1;
      await new Promise((r) => setTimeout(r, code === CONCURRENT_TRANSACTIONS ? 20 : Math.min(this.retryBackoffMs * 2 ** attempt, 1000)));
    }
  }

  /** FindCoordinator: keyType 0 for a group, 1 for a transactional id. */
  async findCoordinator(keyType: 0 | 1, key: string): Promise<number> {
    const deadline = Date.now() + this.maxBlockMs;
    for (;;) {
      const res = await this.pool.request<FindCoordinatorResponse>('any', 'FindCoordinator', { key, keyType, coordinatorKeys: [key] });
      const c = res.coordinators[0];
      const code = c ? c.errorCode : res.errorCode;
      const node = c ? c.nodeId : res.nodeId;
      if (code === 0) return node;
      if (!COORDINATOR_MOVED.has(code) || Date.now() > deadline) throw errorFor(code, { api: 'FindCoordinator' });
      await new Promise((r) => setTimeout(r, this.retryBackoffMs));
    }
  }

  async init(): Promise<void> {
    this.require('uninitialized');
    try {
      const res = await this.call<InitProducerIdResponse>('InitProducerId', () => ({
        transactionalId: this.transactionalId,
        transactionTimeoutMs: this.timeoutMs,
        producerId: -1n,
        producerEpoch: -1,
      }));
      this.producer.producerId = res.producerId;
      this.producer.epoch = res.producerEpoch;
      this.producer.resetSequences();
      log('transactional producer %s: id %s, epoch %d', this.transactionalId, res.producerId, res.producerEpoch);
    } catch (e) {
      this.fail(e as KafkaError);
    }
    this.state = 'ready';
  }

  begin(): void {
    this.require('ready');
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
    if (!this.adding) void this.addPending();
    return false;
  }

  private addPending(): Promise<void> {
    this.adding = (async () => {
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
          this.batchFailed(e as KafkaError);
          return;
        }
        for (const [key] of batch) {
          this.pending.delete(key);
          this.added.add(key);
        }
        log('added %d partition(s) to the transaction', batch.length);
        this.onPartitionsAdded();
      }
    })().finally(() => {
      this.adding = null;
    });
    return this.adding;
  }

  async sendOffsets(offsets: TopicPartitionOffset[], group: string | ConsumerGroupMetadata): Promise<void> {
    this.require('in-transaction');
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
      });
      for (const t of res.topics) for (const p of t.partitions) if (p.errorCode !== 0) throw errorFor(p.errorCode, { api: 'TxnOffsetCommit', topic: t.name, partition: p.partitionIndex });
    } catch (e) {
      this.fail(e as KafkaError);
    }
  }

  /** Ends the transaction; `flush` sends everything buffered first (commit) or drops it (abort). */
  async end(commit: boolean, flush: () => Promise<void>): Promise<void> {
    if (commit) this.require('in-transaction');
    else this.require('in-transaction', 'abortable-error');
    this.state = commit ? 'committing' : 'aborting';
    // Sends still queued in an aborted transaction must not be appended to the next one.
    if (!commit) this.generation++;
    await flush();
    if (commit && this.error && (this.state as TransactionState) === 'abortable-error') throw this.error;
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
        this.fail(e as KafkaError);
      }
    }
    // A batch that failed used sequence numbers the broker never saw: a new epoch starts every partition at 0 (KIP-360).
    if (!commit && this.sequenceGap) {
      try {
        await this.call<InitProducerIdResponse>('InitProducerId', () => ({
          transactionalId: this.transactionalId,
          transactionTimeoutMs: this.timeoutMs,
          producerId: this.producer.producerId,
          producerEpoch: this.producer.epoch,
        })).then((res) => {
          this.producer.producerId = res.producerId;
          this.producer.epoch = res.producerEpoch;
          this.producer.resetSequences();
        });
      } catch (e) {
        this.fail(e as KafkaError);
      }
    }
    this.added.clear();
    this.pending.clear();
    this.offsetsAdded = false;
    this.sequenceGap = false;
    this.error = null;
    if (commit) this.generation++;
    this.state = 'ready';
  }

  /** Offsets were added to the current transaction (sendOffsetsToTransaction). */
  private offsetsAdded = false;
  /** A batch of this transaction failed after taking sequence numbers. */
  sequenceGap = false;
  /** Counts transactions, so a send queued in one is never appended to the next. */
  generation = 0;
}
