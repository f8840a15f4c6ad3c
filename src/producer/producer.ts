import { callTimeoutMs, describeValue } from '../config-checks.js';
import createDebug from 'debug';
import { Metadata, type PartitionInfo } from '../cluster/metadata.js';
import { KafkaConfigError, KafkaError, KafkaTimeoutError, UnsupportedVersionError } from '../errors.js';
import type { InitProducerIdResponse } from '../messages/generated/index.js';
import type { VersionCaps } from '../messages/negotiate.js';
import { retry } from '../network/backoff.js';
import { systemClock, type Clock } from '../network/clock.js';
import { clientPool } from '../network/client-pool.js';
import type { ConnectionPool } from '../network/pool.js';
import type { RecordHeaderInput } from '../records/record.js';
import { estimateRecordSize, RecordAccumulator, type Completion, type RecordMetadata } from './accumulator.js';
import { FlushTracker } from './flush-tracker.js';
import { registerInternals, testHooksOf } from './internal.js';
import { resolveProducerOptions, type ProducerOptions, type ResolvedProducerOptions } from './options.js';
import { defaultPartitioner, partitionForKey, StickyPartitioner, type Partitioner } from './partitioner.js';
import { ProducerIdManager } from './producer-id.js';
import { takenRecord, takeResolvers } from './queued-record.js';
import { Fifo } from './fifo.js';
import { BatchSend } from './send-batch.js';
import { Sender } from './sender.js';
import { defaultSerializer, type Serializer } from './serializers.js';
import { TransactionManager, type ConsumerGroupMetadata, type TopicPartitionOffset } from './transactions.js';
import { checkBytes, checkHeaders, checkPartition, checkTimestamp, type HeadersInput } from './validate.js';

const log = createDebug('kafkawire:producer');

/** A record checked and serialized, waiting to be appended. */
interface PendingSend {
  topic: string;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeaderInput[] | undefined;
  size: number;
  partition: number | undefined;
  timestamp: number | undefined;
  started: number;
  /** How the send settles, and the record's index there. */
  slot: Completion;
  index: number;
  /** Its bytes are counted in bufferMemory already. */
  reserved: boolean;
  /** The transaction the record was sent in (transactional producers). */
  generation: number;
}

/** What a PendingSend's `slot` points at while it holds no send (so the scratch object keeps nothing alive). */
const NO_SLOT: Completion = { resolveRun: () => undefined, reject: () => undefined };

function emptyPendingSend(): PendingSend {
  return { topic: '', key: null, value: null, headers: undefined, size: 0, partition: undefined, timestamp: undefined, started: 0, slot: NO_SLOT, index: 0, reserved: false, generation: 0 };
}

/** One record to send. */
export interface ProducerRecord<K = unknown, V = unknown> {
  topic: string;
  key?: K | null;
  value: V | null;
  /** Header values as strings (UTF-8) or bytes. */
  headers?: HeadersInput;
  /** Send to this partition, bypassing the partitioner. */
  partition?: number;
  /** Milliseconds since the epoch (a whole number ≥ 0) or a Date (default: now). */
  timestamp?: number | Date;
}

/**
 * kafkawire's transactions are those of transaction version 1 (before KIP-890 part 2): the producer adds partitions
 * and the group to the transaction itself (AddPartitionsToTxn up to v3, AddOffsetsToTxn) and EndTxn keeps the epoch.
 * A coordinator whose cluster finalized transaction.version 2 takes the request versions below as the client's choice
 * of version 2 (it would then add partitions implicitly and bump the epoch at every EndTxn), so a transactional
 * producer stays under them: EndTxn v5, Produce v12 and TxnOffsetCommit v5. Every producer stays at InitProducerId v5:
 * v6 only adds two-phase commit (KIP-939), which kafkawire does not use, and Kafka 4.4 marks it unstable (brokers list
 * it only with unstable.api.versions.enable). Caps the user passes can only lower these.
 */
export function producerVersionCaps(transactional: boolean, user: VersionCaps): VersionCaps {
  const always: VersionCaps = { AddPartitionsToTxn: 3, EndTxn: 4, InitProducerId: 5 };
  const ours: VersionCaps = transactional ? { ...always, Produce: 11, TxnOffsetCommit: 4 } : always;
  const caps: VersionCaps = { ...user };
  for (const [name, cap] of Object.entries(ours)) caps[name] = Math.min(cap!, user[name] ?? Infinity);
  return caps;
}

/**
 * A Kafka producer. `send()` resolves to the record's partition and offset
 * once the broker has acknowledged it as `acks` asks. Records are batched per
 * partition: a partition with nothing in flight sends at once, and records
 * that arrive while its requests are out gather into the next batch (up to
 * batchSize, or lingerMs). Delivery is idempotent by default.
 */
export class Producer<K = unknown, V = unknown> {
  readonly options: ResolvedProducerOptions;
  private readonly pool: ConnectionPool;
  private readonly metadata: Metadata;
  private readonly acc: RecordAccumulator;
  private readonly sender: Sender;
  private readonly ids: ProducerIdManager | null;
  private readonly txn: TransactionManager | null;
  private readonly sticky: StickyPartitioner;
  /** The time of the sendBatch() call being appended, or -1. */
  private callTime = -1;
  /** Bytes queued for a partition, for the sticky partitioner's weights. */
  private readonly queuedBytesOf = (p: number, topic: string): number => this.acc.queuedBytes(topic, p);
  private readonly partitioner: Partitioner;
  private readonly keySerializer: Serializer<K>;
  private readonly valueSerializer: Serializer<V>;
  private readonly clock: Clock;
  private readonly flushes = new FlushTracker();
  private starting: Promise<void> | null = null;
  private connected = false;
  private closing = false;
  private closed = false;
  /** Sends waiting for buffer room, metadata or the producer id, oldest first. */
  private readonly waiting = new Fifo<PendingSend>();
  /** Waiting sends whose bytes are not reserved yet (they wait for room in order). */
  private unreserved = 0;
  /**
   * The PendingSend that enqueue() fills for each record: most are appended at
   * once, so they need no object of their own; one that must wait gets a copy.
   * Null while in use (a serializer that calls send() gets a fresh one).
   */
  private scratch: PendingSend | null = emptyPendingSend();

  constructor(options: ProducerOptions<K, V>) {
    this.options = resolveProducerOptions(options as ProducerOptions);
    const o = this.options;
    const hooks = testHooksOf(options);
    this.clock = hooks.clock ?? systemClock;
    this.pool = clientPool(
      { ...o, versionCaps: producerVersionCaps(o.transactionalId !== null, o.versionCaps), tls: options.tls, sasl: options.sasl, lookup: hooks.lookup, clock: hooks.clock },
      { maxInFlight: o.maxInFlightRequestsPerConnection },
    );
    this.metadata = new Metadata(this.pool, { metadataMaxAgeMs: o.metadataMaxAgeMs, retryBackoffMs: o.retryBackoffMs, metadataMaxIdleMs: o.metadataMaxIdleMs, now: () => this.clock.now() });
    this.acc = new RecordAccumulator(o.bufferMemory, o.batchSize);
    this.ids = o.enableIdempotence ? new ProducerIdManager(o.transactionalId, o.transactionTimeoutMs) : null;
    this.txn = o.transactionalId !== null ? new TransactionManager(o.transactionalId, this.pool, this.ids!, o.retryBackoffMs, o.retryBackoffMaxMs, o.maxBlockMs) : null;
    const txn = this.txn;
    this.sender = new Sender(o, this.pool, this.metadata, this.acc, this.ids, {
      now: () => this.clock.now(),
      flushing: () => this.flushes.waiting,
      partitionReady: txn ? (t, p) => txn.partitionReady(t, p) : undefined,
      transactionError: txn ? () => txn.queuedBatchError : undefined,
      onBatchError: txn ? (e) => txn.batchFailed(e) : undefined,
      renewProducerId: txn ? undefined : () => this.requestProducerId(true),
    });
    if (txn) {
      txn.hooks = {
        onPartitionsAdded: () => this.sender.wakeup(),
        onError: () => this.sender.wakeup(),
        flush: () => this.flush(),
        discard: async () => {
          this.sender.failAllQueued(new KafkaError('the transaction was aborted before these records were sent', false));
          await this.sender.whenIdle();
        },
        sequenceGap: () => this.sender.takeSequenceGap(),
      };
    }
    this.pool.onFailure(() => {
      this.metadata.refresh().catch((e: unknown) => log('metadata refresh after a broken connection failed: %s', (e as Error).message));
    });
    this.sticky = new StickyPartitioner(Math.max(o.batchSize, 1));
    this.partitioner = options.partitioner ?? defaultPartitioner;
    this.keySerializer = (options.keySerializer ?? defaultSerializer) as Serializer<K>;
    this.valueSerializer = (options.valueSerializer ?? defaultSerializer) as Serializer<V>;
    registerInternals(this, { pool: this.pool, metadata: this.metadata, acc: this.acc, sender: this.sender });
  }

  /** Connects to the bootstrap servers and loads metadata (send() does this on first use). */
  connect(): Promise<void> {
    this.starting ??= (async () => {
      await this.pool.start();
      await this.metadata.refresh();
      this.connected = true;
    })();
    this.starting.catch(() => {
      this.starting = null;
    });
    return this.starting;
  }

  /** InitProducerId for an idempotent producer (any broker), retried while retriable, up to maxBlockMs. */
  private requestProducerId(bump: boolean): Promise<void> {
    const ids = this.ids as ProducerIdManager;
    const o = this.options;
    const send = (body: unknown) => this.pool.request<InitProducerIdResponse>('any', 'InitProducerId', body);
    return retry(() => ids.request(send, bump), {
      initialMs: o.retryBackoffMs,
      maxMs: o.retryBackoffMaxMs,
      deadline: this.clock.now() + o.maxBlockMs,
      now: () => this.clock.now(),
      stopped: () => this.closed,
    }).catch((e: unknown) => {
      // Brokers that give no producer ids exist (a Kafka 2.8 KRaft node, some hosted services); Java fails
      // the same way, and its documented way out is the one named here.
      if (!(e instanceof UnsupportedVersionError)) throw e;
      throw new UnsupportedVersionError(
        `${e.message}. The idempotent producer (enableIdempotence, on by default as in Java) needs the producer id that ` +
          'InitProducerId gives; with this broker set enableIdempotence: false (enable.idempotence=false), and a retried send may then be written twice',
        { ...e.context, cause: e },
      );
    });
  }

  /** An idempotent producer's first id, fetched once (shared by the sends waiting for it). */
  private producerId(): Promise<void> {
    const ids = this.ids as ProducerIdManager;
    return ids.once(() => this.requestProducerId(false));
  }

  /**
   * Sends one record; resolves once acknowledged as `acks` asks. Only this
   * call rejects for a bad record (checked here, after serialization).
   * Records are appended in the order send() was called: when buffer room,
   * metadata or the producer id is missing, the record waits (its bytes
   * counted in bufferMemory) in a queue that later sends join behind it,
   * for at most maxBlockMs (a Java send() would block its caller instead).
   */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata> {
    const promise = new Promise<RecordMetadata>(takeResolvers);
    this.enqueue(record, takenRecord(this.flushes), 0);
    return promise;
  }

  /**
   * Sends many records, each as send() would, in order. Resolves once, to
   * their metadata in order, when all succeed; otherwise waits until every
   * record has settled and rejects with a SendBatchError whose `outcomes`
   * say what happened to each record (a bad record fails alone). One promise
   * per call instead of one per record: the cheaper way to send in bulk.
   * Records without a timestamp get the time of the call.
   */
  sendBatch(records: Array<ProducerRecord<K, V>>): Promise<RecordMetadata[]> {
    if (!Array.isArray(records)) return Promise.reject(new KafkaConfigError('sendBatch() takes an array of records'));
    if (records.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const group = new BatchSend(records.length, resolve, reject, this.flushes);
      // One reading of the clock for the call (it costs as much as appending a record).
      this.callTime = this.clock.now();
      try {
        for (let i = 0; i < records.length; i++) this.enqueue(records[i] as ProducerRecord<K, V>, group, i);
      } finally {
        this.callTime = -1;
      }
    });
  }

  /** Appends a record now, or queues it behind earlier sends; a bad record rejects its own send only. */
  private enqueue(record: ProducerRecord<K, V>, slot: Completion, index: number): void {
    const scratch = this.scratch;
    this.scratch = null;
    let pending: PendingSend | undefined;
    try {
      pending = this.prepare(record, slot, index, scratch ?? emptyPendingSend());
      // Bytes are counted from here on, also while the send waits for metadata or the producer id;
      // a send finds room only if no earlier one is still waiting for room.
      if (this.unreserved === 0 && this.acc.tryReserve(pending.size)) pending.reserved = true;
      if (this.waiting.length === 0 && pending.reserved && this.tryAppend(pending)) return;
      if (pending === scratch) pending = { ...scratch };
      // A sendBatch() record is stamped with the call's time even when it must wait for metadata first
      // (appended at once, it gets that time from append(); a number stored here would be boxed).
      if (this.callTime >= 0 && pending.timestamp === undefined) pending.timestamp = this.callTime;
      if (!pending.reserved) this.unreserved++;
      // maxBlockMs counts from here (the same turn as the send() call).
      pending.started = this.callTime >= 0 ? this.callTime : this.clock.now();
      this.waiting.push(pending);
      if (this.waiting.length === 1) this.startDrainingWaiting();
    } catch (e) {
      if (pending) this.releaseWaiting(pending);
      slot.reject(index, e);
    } finally {
      if (scratch) {
        scratch.key = scratch.value = null;
        scratch.headers = undefined;
        scratch.slot = NO_SLOT;
        this.scratch = scratch;
      }
    }
  }

  /** Checks and serializes a record (synchronously: errors here reject this send only). */
  private prepare(record: ProducerRecord<K, V>, slot: Completion, index: number, into: PendingSend): PendingSend {
    if (this.closing) throw new KafkaConfigError('the producer is closed');
    if (this.txn && !this.txn.inTransaction()) {
      throw new KafkaConfigError(`a transactional producer sends only inside a transaction: call beginTransaction() first (state: ${this.txn.state})`);
    }
    if (record === null || typeof record !== 'object') throw new KafkaConfigError('send() takes a record: { topic, value, key?, headers?, partition?, timestamp? }');
    const { topic } = record;
    if (typeof topic !== 'string' || topic.length === 0) throw new KafkaConfigError('a record needs a topic name');
    const key = record.key === undefined || record.key === null ? null : checkBytes('key', this.keySerializer(record.key, topic), topic);
    const value = record.value === null || record.value === undefined ? null : checkBytes('value', this.valueSerializer(record.value, topic), topic);
    const headers = checkHeaders(record.headers, topic);
    const timestamp = checkTimestamp(record.timestamp, topic);
    const partition = checkPartition(record.partition, topic);
    const size = estimateRecordSize(key, value, headers);
    if (size > this.options.maxRequestSize || size > this.options.bufferMemory) {
      const limit = size > this.options.maxRequestSize ? `maxRequestSize (${this.options.maxRequestSize} bytes)` : `bufferMemory (${this.options.bufferMemory} bytes)`;
      throw new KafkaError(`RECORD_TOO_LARGE: a record of about ${size} bytes for topic ${topic} is larger than ${limit}`, false, { topic });
    }
    into.topic = topic;
    into.key = key;
    into.value = value;
    into.headers = headers;
    into.size = size;
    into.partition = partition;
    into.timestamp = timestamp;
    into.started = 0;
    into.slot = slot;
    into.index = index;
    into.reserved = false;
    into.generation = this.txn?.generation ?? 0;
    return into;
  }

  /** The partition for a record, once its topic's partitions are known. */
  private choosePartition(s: PendingSend, partitions: PartitionInfo[], available = this.metadata.availablePartitions(s.topic)): number {
    const count = partitions.length;
    if (s.partition !== undefined) {
      if (s.partition >= count) throw new KafkaConfigError(`partition ${s.partition} is out of range: topic ${s.topic} has partitions 0..${count - 1}`);
      return s.partition;
    }
    const key = this.options.partitionerIgnoreKeys ? null : s.key;
    // The default partitioner without its call: no input object per record.
    if (this.partitioner === defaultPartitioner) {
      return key === null ? this.sticky.partition(s.topic, s.size, count, available, this.queuedBytesOf) : partitionForKey(key, count);
    }
    const chosen = this.partitioner({ topic: s.topic, key, partitionCount: count, availablePartitions: available });
    if (chosen !== undefined && (!Number.isInteger(chosen) || chosen < 0 || chosen >= count)) {
      throw new KafkaConfigError(`the partitioner chose partition ${describeValue(chosen)} for topic ${s.topic}, which has partitions 0..${count - 1}`);
    }
    return chosen ?? this.sticky.partition(s.topic, s.size, count, available, this.queuedBytesOf);
  }

  /** The fast path (bytes already reserved): appends now if nothing needs waiting for; false otherwise. */
  private tryAppend(s: PendingSend): boolean {
    if (!this.connected || (this.ids && !this.ids.ready)) return false;
    const topic = this.metadata.sendableTopic(s.topic);
    if (!topic) return false;
    this.append(s, this.choosePartition(s, topic.partitions, topic.available));
    return true;
  }

  private append(s: PendingSend, partition: number): void {
    const now = this.callTime >= 0 ? this.callTime : this.clock.now();
    const ps = this.acc.state(s.topic, partition, now);
    const batches = ps.queue.length;
    const full = this.acc.append(ps, s, s.timestamp ?? now, s.size, now);
    // metadataMaxIdleMs counts from the last use; once per new batch is often enough for a bound of minutes.
    if (ps.queue.length !== batches) this.metadata.touch(s.topic, now);
    this.sender.appended(ps, full, now);
  }

  /**
   * Connects, trying again while the failure is retriable and time is left
   * (as a Java send() waits up to maxBlockMs for its first metadata); the last
   * error, which names every address that failed, is thrown after that.
   */
  private connectWithin(deadline: number): Promise<void> {
    const o = this.options;
    return retry(() => this.connect(), {
      initialMs: o.reconnectBackoffMs,
      maxMs: o.reconnectBackoffMaxMs,
      deadline,
      now: () => this.clock.now(),
      stopped: () => this.closing,
    });
  }

  /** Starts the loop over waiting sends (apart from enqueue(), whose every call would otherwise allocate this closure's context). */
  private startDrainingWaiting(): void {
    this.drainWaiting().catch((e: unknown) => this.failWaiting(e instanceof KafkaError ? e : new KafkaError(String(e), false, { cause: e })));
  }

  /** Works through the waiting sends in order, each within its own maxBlockMs. */
  private async drainWaiting(): Promise<void> {
    while (this.waiting.length > 0) {
      if (this.appendReadyWaiting()) continue;
      const s = this.waiting.peek() as PendingSend;
      const deadline = s.started + this.options.maxBlockMs;
      const left = () => Math.max(0, deadline - this.clock.now());
      try {
        if (!s.reserved) {
          try {
            const wait = this.acc.reserve(s.size, left(), `send to ${s.topic}`);
            if (wait) await wait;
            s.reserved = true;
          } finally {
            if (this.unreserved > 0) this.unreserved--;
          }
        }
        if (!this.connected) await this.connectWithin(deadline);
        this.metadata.touch(s.topic, this.clock.now());
        const partitions = this.metadata.partitionsFor(s.topic) ?? (await this.metadata.waitForTopic(s.topic, left()));
        // As in Java, the topic's metadata comes first (so its errors name the topic), then the producer id.
        if (this.ids && !this.ids.ready && !this.txn) await this.producerId();
        const partition = this.choosePartition(s, partitions);
        if (this.closed) throw new KafkaConfigError('the producer is closed');
        if (this.txn && s.generation !== this.txn.generation) {
          throw new KafkaError('the transaction this record was sent in was aborted before the record could be added', false, { topic: s.topic });
        }
        this.append(s, partition);
      } catch (e) {
        this.releaseWaiting(s);
        s.slot.reject(s.index, e);
      }
      if (this.waiting.peek() === s) this.waiting.shift();
    }
  }

  /**
   * Appends the waiting sends from the oldest on for as long as none needs
   * anything waited for (its bytes are reserved, and the connection, the
   * topic's metadata and the producer id are there), in one synchronous run
   * with one reading of the clock: the thousands of sends made before a
   * topic's first metadata arrived then cost about what sends made after it
   * do. Says whether it appended or failed any.
   */
  private appendReadyWaiting(): boolean {
    let done = 0;
    // This can run inside a sendBatch() call (the loop starts synchronously), whose time stays.
    const callTime = this.callTime;
    if (callTime < 0) this.callTime = this.clock.now();
    try {
      while (this.waiting.length > 0) {
        const s = this.waiting.peek() as PendingSend;
        if (!s.reserved || this.closed || (this.txn && s.generation !== this.txn.generation)) break;
        try {
          if (!this.tryAppend(s)) break;
        } catch (e) {
          // A partition out of range, or a partitioner that threw: this send fails alone.
          this.releaseWaiting(s);
          s.slot.reject(s.index, e);
        }
        this.waiting.shift();
        done++;
      }
    } finally {
      this.callTime = callTime;
    }
    return done > 0;
  }

  /** Rejects every waiting send (close, or an unexpected failure of the waiting loop), releasing their bytes. */
  private failWaiting(err: KafkaError): void {
    for (const w of this.waiting.takeAll()) {
      this.releaseWaiting(w);
      w.slot.reject(w.index, err);
    }
    this.unreserved = 0;
  }

  private releaseWaiting(s: PendingSend): void {
    if (!s.reserved) return;
    s.reserved = false;
    this.acc.release(s.size);
  }

  /** Sends everything buffered now and resolves when every record sent before this call is acknowledged or failed. */
  async flush(): Promise<void> {
    const done = this.flushes.wait();
    this.sender.wakeup();
    await done;
  }

  /** Sends what is buffered (waiting at most timeoutMs), then closes every connection. */
  async close(opts?: { timeoutMs?: number }): Promise<void> {
    if (this.closed) return;
    const timeoutMs = callTimeoutMs('close()', opts, 30_000);
    this.closing = true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
    const outcome = await Promise.race([this.flush().then(() => 'flushed' as const), timedOut]);
    clearTimeout(timer);
    this.closed = true;
    if (outcome === 'timeout') {
      log('close: %d bytes still unsent after %d ms', this.acc.used, timeoutMs);
      this.sender.failAllQueued(new KafkaTimeoutError(`the producer was closed before these records were sent (close timeout ${timeoutMs} ms)`));
    }
    this.sender.close();
    // Sends still waiting for metadata or buffer room fail now rather than at their maxBlockMs.
    const closedErr = new KafkaConfigError('the producer was closed before this record was added to a batch');
    this.acc.failWaiters(closedErr);
    this.failWaiting(closedErr);
    await this.pool.close();
  }

  // --- transactions (transactionalId set) ---

  private requireTxn(): TransactionManager {
    if (!this.txn) throw new KafkaConfigError('transactions need a transactionalId in the producer options');
    return this.txn;
  }

  /** Registers the transactionalId with its coordinator, fencing older producers with the same id. May be called again after a timeout. */
  async initTransactions(): Promise<void> {
    const txn = this.requireTxn();
    await this.connectWithin(this.clock.now() + this.options.maxBlockMs);
    await txn.init();
  }

  beginTransaction(): void {
    this.requireTxn().begin();
  }

  /** Adds consumed offsets to the transaction: they commit or abort with it (read-process-write). */
  async sendOffsetsToTransaction(offsets: TopicPartitionOffset[], group: string | ConsumerGroupMetadata): Promise<void> {
    await this.requireTxn().sendOffsets(offsets, group);
  }

  /** Sends what is buffered and commits; a failed record's error is reported at once. May be called again after a timeout. */
  async commitTransaction(): Promise<void> {
    await this.requireTxn().end(true);
  }

  /** Fails what is still queued and aborts. May be called again after a timeout. */
  async abortTransaction(): Promise<void> {
    await this.requireTxn().end(false);
  }
}
