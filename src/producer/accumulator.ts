import { KafkaTimeoutError, type KafkaError } from '../errors.js';
import type { RecordInput } from '../records/record.js';

/** Where a record went: what `send()` resolves to. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  /** The record's offset in the partition; -1n when acks is 0 (no answer to read it from). */
  offset: bigint;
  /** The record's timestamp, or the broker's append time for topics with LogAppendTime. */
  timestamp: number;
}

export interface Completion {
  resolve(m: RecordMetadata): void;
  reject(e: unknown): void;
}

/** Bytes a record adds to a batch, close to what the v2 format takes. */
export function estimateRecordSize(key: Uint8Array | null, value: Uint8Array | null, headers: RecordInput['headers']): number {
  let size = 21 + (key?.length ?? 0) + (value?.length ?? 0);
  if (headers) for (const h of headers) size += 10 + Buffer.byteLength(h.key) + (h.value?.length ?? 0);
  return size;
}

let batchCounter = 0;

/** Size of a v2 batch header. */
export const BATCH_OVERHEAD = 61;

/** Records for one partition, sent together in one Produce request. */
export class ProducerBatch {
  readonly records: RecordInput[] = [];
  readonly completions: Completion[] = [];
  bytes = BATCH_OVERHEAD;
  /** bufferMemory bytes this batch holds (released when it completes). */
  reserved = 0;
  /** Set once the batch may take no more records. */
  closed = false;
  attempts = 0;
  /** Earliest time of the next attempt (retry backoff). */
  retryAt = 0;
  baseSequence = -1;
  producerId = -1n;
  producerEpoch = -1;
  /** Encoded form, kept so a retry sends the same bytes (same sequence numbers). */
  encoded: Buffer | null = null;
  done = false;
  /** The error of the last failed attempt, for the message if the batch expires. */
  lastError: KafkaError | undefined;

  /** Creation order: batches that come back for another try go back in this order (sequence numbers may have been reset). */
  order = ++batchCounter;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly createdAt: number,
  ) {}

  get count(): number {
    return this.records.length;
  }

  /** Adds a record if it fits (a batch always takes its first record, however large). */
  tryAppend(record: RecordInput, size: number, completion: Completion, batchSize: number): boolean {
    if (this.closed || (this.records.length > 0 && this.bytes + size > batchSize)) {
      this.closed = this.closed || this.records.length > 0;
      return false;
    }
    this.records.push(record);
    this.completions.push(completion);
    this.bytes += size;
    this.reserved += size;
    if (this.bytes >= batchSize) this.closed = true;
    return true;
  }

  /** Resolves every record: offsets follow the base offset in order. */
  succeed(baseOffset: bigint, logAppendTime: number, now: number): void {
    if (this.done) return;
    this.done = true;
    for (let i = 0; i < this.completions.length; i++) {
      const r = this.records[i] as RecordInput;
      (this.completions[i] as Completion).resolve({
        topic: this.topic,
        partition: this.partition,
        offset: baseOffset < 0n ? -1n : baseOffset + BigInt(i),
        timestamp: logAppendTime >= 0 ? logAppendTime : (r.timestamp ?? now),
      });
    }
  }

  fail(err: unknown): void {
    if (this.done) return;
    this.done = true;
    for (const c of this.completions) c.reject(err);
  }
}

interface MemoryWaiter {
  size: number;
  resolve: () => void;
  reject: (e: unknown) => void;
  timer: NodeJS.Timeout;
}

/**
 * Per-partition queues of batches waiting to be sent, and the memory budget
 * (bufferMemory) they share: a send that does not fit waits for room up to
 * maxBlockMs instead of growing the queue without bound.
 */
export class RecordAccumulator {
  /** topic → partition → batches, oldest first. */
  readonly queues = new Map<string, Map<number, ProducerBatch[]>>();
  used = 0;
  private readonly waiters: MemoryWaiter[] = [];

  constructor(
    private readonly bufferMemory: number,
    private readonly batchSize: number,
  ) {}

  queue(topic: string, partition: number): ProducerBatch[] {
    let byPartition = this.queues.get(topic);
    if (!byPartition) this.queues.set(topic, (byPartition = new Map()));
    let q = byPartition.get(partition);
    if (!q) byPartition.set(partition, (q = []));
    return q;
  }

  /** Reserves `size` bytes if they are free now and nobody is waiting before us. */
  tryReserve(size: number): boolean {
    if (this.waiters.length > 0 || this.used + size > this.bufferMemory) return false;
    this.used += size;
    return true;
  }

  /** Resolves once `size` bytes are reserved; rejects after maxBlockMs. Returns null when reserved at once. */
  reserve(size: number, maxBlockMs: number, what: string): Promise<void> | null {
    if (this.waiters.length === 0 && this.used + size <= this.bufferMemory) {
      this.used += size;
      return null;
    }
    return new Promise((resolve, reject) => {
      const w: MemoryWaiter = {
        size,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          reject(
            new KafkaTimeoutError(
              `${what}: no room in the producer's buffer within ${maxBlockMs} ms (maxBlockMs): ${this.used} of ${this.bufferMemory} bytes (bufferMemory) ` +
                'are waiting to be sent; the brokers are slower than the sends, or unreachable',
            ),
          );
        }, maxBlockMs),
      };
      this.waiters.push(w);
    });
  }

  release(size: number): void {
    this.used -= size;
    while (this.waiters.length > 0) {
      const w = this.waiters[0] as MemoryWaiter;
      if (this.used + w.size > this.bufferMemory) break;
      this.waiters.shift();
      clearTimeout(w.timer);
      this.used += w.size;
      w.resolve();
    }
  }

  /** Appends to the partition's last batch, or a new one; says whether a batch became full. */
  append(topic: string, partition: number, record: RecordInput, size: number, completion: Completion, now: number): boolean {
    const q = this.queue(topic, partition);
    const last = q[q.length - 1];
    if (last && last.tryAppend(record, size, completion, this.batchSize)) return last.closed;
    const batch = new ProducerBatch(topic, partition, now);
    batch.tryAppend(record, size, completion, this.batchSize);
    q.push(batch);
    return q.length > 1 || batch.closed;
  }

  /** Bytes queued for a partition (for the adaptive sticky partitioner). */
  queuedBytes(topic: string, partition: number): number {
    const q = this.queues.get(topic)?.get(partition);
    if (!q) return 0;
    let n = 0;
    for (const b of q) n += b.bytes;
    return n;
  }

  /** Puts a batch back in its queue in creation order (retries, splits), ahead of younger batches. */
  requeue(batch: ProducerBatch): void {
    const q = this.queue(batch.topic, batch.partition);
    batch.closed = true;
    let i = 0;
    // Halves of a split share their parent's order; between them (and among their own halves) the sequence decides.
    const before = (x: ProducerBatch) =>
      x.order < batch.order || (x.order === batch.order && (x.baseSequence < 0 || batch.baseSequence < 0 || x.baseSequence < batch.baseSequence));
    while (i < q.length && before(q[i] as ProducerBatch)) i++;
    q.splice(i, 0, batch);
  }

  isEmpty(): boolean {
    for (const byPartition of this.queues.values()) for (const q of byPartition.values()) if (q.length > 0) return false;
    return true;
  }

  /** Fails every queued batch (abort or close). */
  failAll(err: KafkaError): void {
    for (const byPartition of this.queues.values()) {
      for (const q of byPartition.values()) {
        for (const b of q.splice(0)) {
          b.fail(err);
          this.release(b.reserved);
        }
      }
    }
  }
}
