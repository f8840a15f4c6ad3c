import createDebug from 'debug';
import { Metadata } from '../cluster/metadata.js';
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

  /** Connects to the bootstrap servers and loads metadata (send() does this on first use). */
  connect(): Promise<void> {
    this.starting ??= (async () => {
      await this.pool.start();
      await this.metadata.refresh();
      if (this.state && !this.txn) await this.state.init(this.pool, 'any', null, this.options.transactionTimeoutMs, this.options.maxBlockMs, this.options.retryBackoffMs);
    })();
    this.starting.catch(() => {
      this.starting = null;
    });
    return this.starting;
  }

  /** Sends one record; resolves once acknowledged as `acks` asks. */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata> {
    if (this.closing) return Promise.reject(new KafkaConfigError('the producer is closed'));
    return new Promise((resolve, reject) => {
      // Sends still waiting for metadata or buffer space are counted, so flush() and close() wait for them.
      this.enqueuing++;
      this.enqueue(record, { resolve, reject })
        .catch(reject)
        .finally(() => {
          if (--this.enqueuing === 0) for (const w of this.enqueueWaiters.splice(0)) w();
        });
    });
  }

  private enqueuing = 0;
  private readonly enqueueWaiters: Array<() => void> = [];
  private closing = false;

  /** Sends many records; resolves to their metadata in the same order (rejects on the first failure). */
  sendBatch(records: Array<ProducerRecord<K, V>>): Promise<RecordMetadata[]> {
    return Promise.all(records.map((r) => this.send(r)));
  }

  private async enqueue(record: ProducerRecord<K, V>, done: Completion): Promise<void> {
    if (this.closed) throw new KafkaConfigError('the producer is closed');
    if (this.txn && !this.txn.inTransaction()) {
      throw new KafkaConfigError(`a transactional producer sends only inside a transaction: call beginTransaction() first (state: ${this.txn.state})`);
    }
    const started = Date.now();
    const { topic } = record;
    if (typeof topic !== 'string' || topic.length === 0) throw new KafkaConfigError('a record needs a topic name');
    const key = record.key === undefined || record.key === null ? null : this.keySerializer(record.key, topic);
    const value = record.value === null ? null : this.valueSerializer(record.value, topic);
    const headers = headerList(record.headers);
    if (this.starting === null || this.state?.ready === false) await this.connect();
    let partitions = this.metadata.partitionsFor(topic);
    if (!partitions) partitions = await this.metadata.waitForTopic(topic, Math.max(0, this.options.maxBlockMs - (Date.now() - started)));
    const count = partitions.length;
    const size = estimateRecordSize(key, value, headers);
    if (size > this.options.maxRequestSize || size > this.options.bufferMemory) {
      const limit = size > this.options.maxRequestSize ? `maxRequestSize (${this.options.maxRequestSize} bytes)` : `bufferMemory (${this.options.bufferMemory} bytes)`;
      throw new KafkaError(`RECORD_TOO_LARGE: a record of about ${size} bytes for topic ${topic} is larger than ${limit}`, false, { topic });
    }
    let partition = record.partition;
    if (partition !== undefined) {
      if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
        throw new KafkaConfigError(`partition ${partition} is out of range: topic ${topic} has partitions 0..${count - 1}`);
      }
    } else {
      const available = partitions.filter((p) => p.leader >= 0).map((p) => p.partition);
      partition = this.partitioner({ topic, key: this.options.partitionerIgnoreKeys ? null : key, partitionCount: count, availablePartitions: available });
      if (partition === undefined) partition = this.sticky.partition(topic, size, count, available, (p) => this.acc.queuedBytes(topic, p));
    }
    const wait = this.acc.reserve(size, Math.max(0, this.options.maxBlockMs - (Date.now() - started)), `send to ${topic}-${partition}`);
    if (wait) await wait;
    if (this.closed) {
      this.acc.release(size);
      throw new KafkaConfigError('the producer is closed');
    }
    const input: RecordInput = { key, value, headers, timestamp: record.timestamp ?? Date.now() };
    const full = this.acc.append(topic, partition, input, size, done, Date.now());
    if (full || this.options.lingerMs === 0) this.sender.wakeup();
    else this.sender.wakeAt(Date.now() + this.options.lingerMs);
  }

  /** Sends everything buffered now and resolves when all of it is acknowledged or failed. */
  async flush(): Promise<void> {
    this.sender.flushing++;
    try {
      this.sender.wakeup();
      if (this.enqueuing > 0) await new Promise<void>((r) => this.enqueueWaiters.push(r));
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
    if (this.starting === null) {
      this.starting = (async () => {
        await this.pool.start();
        await this.metadata.refresh();
      })();
    }
    await this.starting;
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
