import createDebug from 'debug';
import { Metadata, type PartitionInfo } from '../cluster/metadata.js';
import { KafkaConfigError, KafkaError, KafkaTimeoutError } from '../errors.js';
import { ConnectionPool } from '../network/pool.js';
import type { RecordHeaderInput, RecordInput } from '../records/record.js';
import { estimateRecordSize, RecordAccumulator, type Completion, type RecordMetadata } from './accumulator.js';
import { ProducerState } from './idempotence.js';
import { resolveProducerOptions, type ProducerOptions, type ResolvedProducerOptions } from './options.js';
import { defaultPartitioner, StickyPartitioner, type Partitioner } from './partitioner.js';
import { Sender } from './sender.js';
import { defaultSerializer, type Serializer } from './serializers.js';
import { TransactionManager, type ConsumerGroupMetadata, type TopicPartitionOffset } from './transactions.js';

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
  done: Completion;
  /** The transaction the record was sent in (transactional producers). */
  generation: number;
}

/** One record to send. */
export interface ProducerRecord<K = unknown, V = unknown> {
  topic: string;
  key?: K | null;
  value: V | null;
  /** Header values as strings (UTF-8) or bytes. */
  headers?: Record<string, string | Uint8Array | null> | Array<{ key: string; value: string | Uint8Array | null }>;
  /** Send to this partition, bypassing the partitioner. */
  partition?: number;
  /** Milliseconds since the epoch (default: now). */
  timestamp?: number;
}

function headerList(h: ProducerRecord['headers']): RecordHeaderInput[] | undefined {
  if (!h) return undefined;
  const entries = Array.isArray(h) ? h.map((x) => [x.key, x.value] as const) : Object.entries(h);
  return entries.map(([key, value]) => ({ key, value: typeof value === 'string' ? Buffer.from(value, 'utf8') : value }));
}

/**
 * A Kafka producer. `send()` resolves to the record's partition and offset
 * once the broker has acknowledged it as `acks` asks. Records are batched per
 * partition (lingerMs, batchSize), each drain sends one Produce request per
 * broker, and delivery is idempotent by default.
 */
export class Producer<K = unknown, V = unknown> {
  readonly options: ResolvedProducerOptions;
  readonly pool: ConnectionPool;
  readonly metadata: Metadata;
  private readonly acc: RecordAccumulator;
  private readonly sender: Sender;
  private readonly state: ProducerState | null;
  private readonly txn: TransactionManager | null;
  private readonly sticky: StickyPartitioner;
  private readonly partitioner: Partitioner;
  private readonly keySerializer: Serializer<K>;
  private readonly valueSerializer: Serializer<V>;
  private starting: Promise<void> | null = null;
  private closed = false;

  constructor(options: ProducerOptions<K, V>) {
    this.options = resolveProducerOptions(options as ProducerOptions);
    const o = this.options;
    this.pool = new ConnectionPool({
      bootstrapServers: o.bootstrapServers,
      clientId: o.clientId,
      connectionsMaxIdleMs: o.connectionsMaxIdleMs,
      reconnectBackoffMs: o.reconnectBackoffMs,
      reconnectBackoffMaxMs: o.reconnectBackoffMaxMs,
      connectTimeoutMs: o.socketConnectionSetupTimeoutMs,
      connectTimeoutMaxMs: o.socketConnectionSetupTimeoutMaxMs,
      requestTimeoutMs: o.requestTimeoutMs,
      maxInFlight: o.maxInFlightRequestsPerConnection,
      // Transactions use the explicit AddPartitionsToTxn flow and the EndTxn of before KIP-890's epoch bumps.
      versionCaps: { AddPartitionsToTxn: 3, EndTxn: 4, ...o.versionCaps },
      tls: options.tls,
      sasl: options.sasl,
      lookup: options.lookup,
      clock: options.clock,
    });
    this.metadata = new Metadata(this.pool, { metadataMaxAgeMs: o.metadataMaxAgeMs, retryBackoffMs: o.retryBackoffMs });
    this.acc = new RecordAccumulator(o.bufferMemory, o.batchSize);
    this.state = o.enableIdempotence ? new ProducerState() : null;
    this.txn = o.transactionalId !== null ? new TransactionManager(o.transactionalId, o.transactionTimeoutMs, this.pool, this.state!, o.retryBackoffMs, o.maxBlockMs) : null;
    this.sender = new Sender(o, this.pool, this.metadata, this.acc, this.state, {
      partitionReady: this.txn ? (t, p) => this.txn!.partitionReady(t, p) : undefined,
      onBatchError: this.txn ? (e) => this.txn!.batchFailed(e) : undefined,
    });
    if (this.txn) this.txn.onPartitionsAdded = () => this.sender.wakeup();
    this.pool.onFailure(() => void this.metadata.refresh().catch(() => undefined));
    this.sticky = new StickyPartitioner(Math.max(o.batchSize, 1));
    this.partitioner = options.partitioner ?? defaultPartitioner;
    this.keySerializer = (options.keySerializer ?? defaultSerializer) as Serializer<K>;
    this.valueSerializer = (options.valueSerializer ?? defaultSerializer) as Serializer<V>;
  }

  private connected = false;

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

  private initializing: Promise<void> | null = null;

  /** An idempotent producer's id, fetched once (shared by the sends waiting for it). */
  private producerId(): Promise<void> {
    this.initializing ??= this.state!.init(this.pool, 'any', null, this.options.transactionTimeoutMs, this.options.maxBlockMs, this.options.retryBackoffMs).finally(() => {
      this.initializing = null;
    });
    return this.initializing;
  }

  /**
   * Sends one record; resolves once acknowledged as `acks` asks. Records are
   * appended in the order send() was called: when metadata, the producer id or
   * buffer room is missing, the record waits in a queue that later sends join
   * behind it (a Java send() would block its caller instead).
   */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata> {
    return new Promise((resolve, reject) => {
      try {
        const pending = this.prepare(record, { resolve, reject });
        if (this.waiting.length === 0 && this.tryAppend(pending)) return;
        this.waiting.push(pending);
        if (this.waiting.length === 1) void this.drainWaiting();
      } catch (e) {
        reject(e);
      }
    });
  }

  /** Sends waiting for metadata, the producer id or buffer room, oldest first. */
  private readonly waiting: PendingSend[] = [];
  private readonly waitingDone: Array<() => void> = [];
  private closing = false;

  /** Sends many records; resolves to their metadata in the same order (rejects on the first failure). */
  sendBatch(records: Array<ProducerRecord<K, V>>): Promise<RecordMetadata[]> {
    return Promise.all(records.map((r) => this.send(r)));
  }

  /** Checks and serializes a record (synchronously: errors here reject at once). */
  private prepare(record: ProducerRecord<K, V>, done: Completion): PendingSend {
    if (this.closing) throw new KafkaConfigError('the producer is closed');
    if (this.txn && !this.txn.inTransaction()) {
      throw new KafkaConfigError(`a transactional producer sends only inside a transaction: call beginTransaction() first (state: ${this.txn.state})`);
    }
    const { topic } = record;
    if (typeof topic !== 'string' || topic.length === 0) throw new KafkaConfigError('a record needs a topic name');
    const key = record.key === undefined || record.key === null ? null : this.keySerializer(record.key, topic);
    const value = record.value === null ? null : this.valueSerializer(record.value, topic);
    const headers = headerList(record.headers);
    const size = estimateRecordSize(key, value, headers);
    if (size > this.options.maxRequestSize || size > this.options.bufferMemory) {
      const limit = size > this.options.maxRequestSize ? `maxRequestSize (${this.options.maxRequestSize} bytes)` : `bufferMemory (${this.options.bufferMemory} bytes)`;
      throw new KafkaError(`RECORD_TOO_LARGE: a record of about ${size} bytes for topic ${topic} is larger than ${limit}`, false, { topic });
    }
    return { topic, key, value, headers, size, partition: record.partition, timestamp: record.timestamp, started: Date.now(), done, generation: this.txn?.generation ?? 0 };
  }

  /** The partition for a record, once its topic's partitions are known. */
  private choosePartition(s: PendingSend, partitions: PartitionInfo[]): number {
    const count = partitions.length;
    if (s.partition !== undefined) {
      if (!Number.isInteger(s.partition) || s.partition < 0 || s.partition >= count) {
        throw new KafkaConfigError(`partition ${s.partition} is out of range: topic ${s.topic} has partitions 0..${count - 1}`);
      }
      return s.partition;
    }
    const available = this.metadata.availablePartitions(s.topic);
    const chosen = this.partitioner({ topic: s.topic, key: this.options.partitionerIgnoreKeys ? null : s.key, partitionCount: count, availablePartitions: available });
    return chosen ?? this.sticky.partition(s.topic, s.size, count, available, (p) => this.acc.queuedBytes(s.topic, p));
  }

  /** The fast path: appends now if nothing needs waiting for; false otherwise. */
  private tryAppend(s: PendingSend): boolean {
    if (!this.connected || (this.state && !this.state.ready)) return false;
    const partitions = this.metadata.partitionsFor(s.topic);
    if (!partitions) return false;
    const partition = this.choosePartition(s, partitions);
    if (!this.acc.tryReserve(s.size)) return false;
    this.append(s, partition);
    return true;
  }

  private append(s: PendingSend, partition: number): void {
    const now = Date.now();
    const input: RecordInput = { key: s.key, value: s.value, headers: s.headers, timestamp: s.timestamp ?? now };
    const full = this.acc.append(s.topic, partition, input, s.size, s.done, now);
    if (full || this.options.lingerMs === 0) this.sender.wakeup();
    else this.sender.wakeAt(now + this.options.lingerMs);
  }

  /**
   * Connects, trying again while the failure is retriable and time is left
   * (as a Java send() waits up to maxBlockMs for its first metadata); the last
   * error, which names every address that failed, is thrown after that.
   */
  private async connectWithin(left: () => number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.connect();
      } catch (e) {
        if (!(e instanceof KafkaError) || !e.retriable || left() <= 0) throw e;
        await new Promise((r) => setTimeout(r, Math.min(left(), this.options.reconnectBackoffMs * 2 ** Math.min(attempt, 10), this.options.reconnectBackoffMaxMs)));
      }
    }
  }

  /** Works through the waiting sends in order, each within its own maxBlockMs. */
  private async drainWaiting(): Promise<void> {
    while (this.waiting.length > 0) {
      const s = this.waiting[0] as PendingSend;
      const left = () => Math.max(0, this.options.maxBlockMs - (Date.now() - s.started));
      try {
        if (!this.connected) await this.connectWithin(left);
        const partitions = this.metadata.partitionsFor(s.topic) ?? (await this.metadata.waitForTopic(s.topic, left()));
        // As in Java, the topic's metadata comes first (so its errors name the topic), then the producer id.
        if (this.state && !this.state.ready && !this.txn) await this.producerId();
        const partition = this.choosePartition(s, partitions);
        const wait = this.acc.reserve(s.size, left(), `send to ${s.topic}-${partition}`);
        if (wait) await wait;
        if (this.closed) {
          this.acc.release(s.size);
          throw new KafkaConfigError('the producer is closed');
        }
        if (this.txn && s.generation !== this.txn.generation) {
          this.acc.release(s.size);
          throw new KafkaError('the transaction this record was sent in was aborted before the record could be added', false, { topic: s.topic });
        }
        this.append(s, partition);
      } catch (e) {
        s.done.reject(e);
      }
      this.waiting.shift();
    }
    for (const w of this.waitingDone.splice(0)) w();
  }

  /** Sends everything buffered now and resolves when all of it is acknowledged or failed. */
  async flush(): Promise<void> {
    this.sender.flushing++;
    try {
      this.sender.wakeup();
      if (this.waiting.length > 0) await new Promise<void>((r) => this.waitingDone.push(r));
      this.sender.wakeup();
      await this.sender.whenIdle();
    } finally {
      this.sender.flushing--;
    }
  }

  /** Sends what is buffered (waiting at most timeoutMs), then closes every connection. */
  async close(opts: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    const timeoutMs = opts.timeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
    const outcome = await Promise.race([this.flush().then(() => 'flushed' as const), timedOut]);
    clearTimeout(timer);
    this.closed = true;
    if (outcome === 'timeout') {
      log('close: %d bytes still unsent after %d ms', this.acc.used, timeoutMs);
      this.acc.failAll(new KafkaTimeoutError(`the producer was closed before these records were sent (close timeout ${timeoutMs} ms)`));
    }
    this.sender.close();
    // Sends still waiting for metadata or buffer room fail now rather than at their maxBlockMs.
    const closedErr = new KafkaConfigError('the producer was closed before this record was added to a batch');
    for (const w of this.waiting) w.done.reject(closedErr);
    await this.pool.close();
  }

  // --- transactions (transactionalId set) ---

  private requireTxn(): TransactionManager {
    if (!this.txn) throw new KafkaConfigError('transactions need a transactionalId in the producer options');
    return this.txn;
  }

  /** Registers the transactionalId with its coordinator, fencing older producers with the same id. */
  async initTransactions(): Promise<void> {
    const txn = this.requireTxn();
    await this.connect();
    await txn.init();
  }

  beginTransaction(): void {
    this.requireTxn().begin();
  }

  /** Adds consumed offsets to the transaction: they commit or abort with it (read-process-write). */
  async sendOffsetsToTransaction(offsets: TopicPartitionOffset[], group: string | ConsumerGroupMetadata): Promise<void> {
    await this.requireTxn().sendOffsets(offsets, group);
  }

  async commitTransaction(): Promise<void> {
    await this.requireTxn().end(true, () => this.flush());
  }

  async abortTransaction(): Promise<void> {
    await this.requireTxn().end(false, async () => {
      this.acc.failAll(new KafkaError('the transaction was aborted before these records were sent', false));
      await this.sender.whenIdle();
    });
  }
}
