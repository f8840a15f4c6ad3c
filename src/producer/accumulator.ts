import { KafkaTimeoutError, type KafkaError } from '../errors.js';
import type { RecordColumns, RecordHeaderInput, RecordInput } from '../records/record.js';
import { PartitionState } from './partition-state.js';

/** Where a record went: what `send()` resolves to. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  /** The record's offset in the partition; -1n when acks is 0 (no answer to read it from). */
  offset: bigint;
  /** The record's timestamp, or the broker's append time for topics with LogAppendTime. */
  timestamp: number;
}

/**
 * How records' sends settle: a send()'s own object, or a sendBatch() call
 * whose records are numbered by index. Each record settles once; later calls
 * for it are ignored.
 */
export interface Completion {
  /**
   * Records `first` to `first + count - 1` were written, in order, as the
   * batch's records `from` on: at offsets `base + from` on (base -1n:
   * unknown, acks 0), with `timestamps[from]` on, or all with logAppendTime
   * when that is not -1.
   */
  resolveRun(first: number, count: number, topic: string, partition: number, base: bigint, from: number, timestamps: readonly number[], logAppendTime: number): void;
  reject(index: number, e: unknown): void;
}

/** A record checked and serialized, as a batch takes it. */
export interface AppendedRecord {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeaderInput[] | undefined;
  slot: Completion;
  index: number;
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

/**
 * Records for one partition, sent together in one Produce request. The
 * records are held as columns (what the encoder reads) and runs (how their
 * sends settle): a record in flight costs a few array slots, not objects. A
 * batch without keys or headers holds no column for them.
 */
export class ProducerBatch implements RecordColumns {
  keys: Array<Uint8Array | null> | undefined = undefined;
  readonly values: Array<Uint8Array | null> = [];
  headers: Array<RecordHeaderInput[] | undefined> | undefined = undefined;
  readonly timestamps: number[] = [];
  /**
   * How the records settle, in runs: run r is records of `runSlots[r]` with
   * indexes `runFirst[r]` on, `runCount[r]` of them (a sendBatch() call's
   * records that land in one batch make one run).
   */
  private readonly runSlots: Completion[] = [];
  private readonly runFirst: number[] = [];
  private readonly runCount: number[] = [];
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
  /** An attempt ended without an answer (timeout, broken connection): the batch may be in the log. */
  maybeWritten = false;
  /** Part of a request not yet answered. */
  inRequest = false;

  /** Creation order: batches that come back for another try go back in this order (sequence numbers may have been reset). */
  order = ++batchCounter;
  /** For the records a refused batch left (KIP-467): that batch's base sequence, which keeps their place in the queue. */
  originSequence = -1;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly createdAt: number,
  ) {}

  get count(): number {
    return this.values.length;
  }

  /** Adds a record if it fits (a batch always takes its first record, however large). */
  tryAppend(r: AppendedRecord, timestamp: number, size: number, batchSize: number): boolean {
    const n = this.values.length;
    if (this.closed || (n > 0 && this.bytes + size > batchSize)) {
      this.closed = this.closed || n > 0;
      return false;
    }
    this.push(r.key, r.value, r.headers, timestamp, r.slot, r.index);
    this.bytes += size;
    this.reserved += size;
    if (this.bytes >= batchSize) this.closed = true;
    return true;
  }

  private push(key: Uint8Array | null, value: Uint8Array | null, headers: RecordHeaderInput[] | undefined, timestamp: number, slot: Completion, index: number): void {
    const n = this.values.length;
    if (key !== null) (this.keys ??= new Array<Uint8Array | null>(n).fill(null)).push(key);
    else this.keys?.push(null);
    if (headers !== undefined) (this.headers ??= new Array<RecordHeaderInput[] | undefined>(n).fill(undefined)).push(headers);
    else this.headers?.push(undefined);
    this.values.push(value);
    this.timestamps.push(timestamp);
    const last = this.runSlots.length - 1;
    if (last >= 0 && this.runSlots[last] === slot && (this.runFirst[last] as number) + (this.runCount[last] as number) === index) {
      (this.runCount[last] as number)++;
    } else {
      this.runSlots.push(slot);
      this.runFirst.push(index);
      this.runCount.push(1);
    }
  }

  /** Calls fn for every record in order: its position in the batch, how it settles and its index there. */
  private eachSlot(fn: (i: number, slot: Completion, index: number) => void): void {
    let i = 0;
    for (let r = 0; r < this.runSlots.length; r++) {
      const slot = this.runSlots[r] as Completion;
      const first = this.runFirst[r] as number;
      const count = this.runCount[r] as number;
      for (let k = 0; k < count; k++) fn(i++, slot, first + k);
    }
  }

  /**
   * Moves the records of `from` that `keep` accepts into this batch, in order
   * (splits, and the records the broker did not refuse); the others go to
   * `dropped`. Bytes are the caller's to count.
   */
  takeFrom(from: ProducerBatch, keep: (i: number) => boolean, dropped?: (i: number, slot: Completion, index: number) => void): void {
    from.eachSlot((i, slot, index) => {
      if (keep(i)) this.push(from.keys?.[i] ?? null, from.values[i] ?? null, from.headers?.[i], from.timestamps[i] as number, slot, index);
      else dropped?.(i, slot, index);
    });
  }

  /** Resolves every record: offsets follow the base offset in order. */
  succeed(baseOffset: bigint, logAppendTime: number): void {
    if (this.done) return;
    this.done = true;
    let from = 0;
    for (let r = 0; r < this.runSlots.length; r++) {
      const count = this.runCount[r] as number;
      (this.runSlots[r] as Completion).resolveRun(this.runFirst[r] as number, count, this.topic, this.partition, baseOffset, from, this.timestamps, logAppendTime);
      from += count;
    }
  }

  fail(err: unknown): void {
    if (this.done) return;
    this.done = true;
    this.eachSlot((_i, slot, index) => slot.reject(index, err));
  }
}

interface MemoryWaiter {
  size: number;
  resolve: () => void;
  reject: (e: unknown) => void;
  timer: NodeJS.Timeout;
}

/**
 * The per-partition states (queue, sequence state) and the memory budget
 * (bufferMemory) that every record not yet acknowledged counts against,
 * including sends still waiting for metadata or a producer id: a send that
 * does not fit waits for room up to maxBlockMs instead of growing without bound.
 */
export class RecordAccumulator {
  private readonly byTopic = new Map<string, Map<number, PartitionState>>();

  /** topic → partition → state (forgetTopic() is the way to remove one). */
  get topics(): ReadonlyMap<string, Map<number, PartitionState>> {
    return this.byTopic;
  }
  used = 0;
  private readonly waiters: MemoryWaiter[] = [];

  constructor(
    private readonly bufferMemory: number,
    private readonly batchSize: number,
  ) {}

  /** The topic state() looked up last, and its partitions: most sends go to the topic of the send before. */
  private lastTopic: string | null = null;
  private lastByPartition: Map<number, PartitionState> | undefined;

  /** The partition's state, created on first use. */
  state(topic: string, partition: number, now: number): PartitionState {
    let byPartition = topic === this.lastTopic ? this.lastByPartition : this.byTopic.get(topic);
    if (!byPartition) this.byTopic.set(topic, (byPartition = new Map()));
    this.lastTopic = topic;
    this.lastByPartition = byPartition;
    let ps = byPartition.get(partition);
    if (!ps) byPartition.set(partition, (ps = new PartitionState(topic, partition, now)));
    return ps;
  }

  /** Forgets a topic's partition states (a topic not sent to for metadataMaxIdleMs). */
  forgetTopic(topic: string): void {
    this.byTopic.delete(topic);
    if (topic === this.lastTopic) {
      this.lastTopic = null;
      this.lastByPartition = undefined;
    }
  }

  *states(): IterableIterator<PartitionState> {
    for (const byPartition of this.byTopic.values()) yield* byPartition.values();
  }

  /** Reserves `size` bytes if they are free now and nobody is waiting before us. */
  tryReserve(size: number): boolean {
    if (this.waiters.length > 0 || this.used + size > this.bufferMemory) return false;
    this.used += size;
    return true;
  }

  /** Resolves once `size` bytes are reserved; rejects after maxBlockMs. Returns null when reserved at once. */
  reserve(size: number, maxBlockMs: number, what: string): Promise<void> | null {
    if (this.tryReserve(size)) return null;
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
          // The waiters behind this one may fit now.
          this.release(0);
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

  /** Releases what a batch holds (once). */
  releaseBatch(b: ProducerBatch): void {
    const n = b.reserved;
    b.reserved = 0;
    this.release(n);
  }

  /** Fails every memory waiter (close). */
  failWaiters(err: KafkaError): void {
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(err);
    }
  }

  /**
   * Appends to the partition's last batch, or a new one (bytes already
   * reserved); says whether a batch is now ready by size.
   */
  append(ps: PartitionState, record: AppendedRecord, timestamp: number, size: number, now: number): boolean {
    const q = ps.queue;
    ps.lastUsedAt = now;
    const last = q[q.length - 1];
    if (last && last.tryAppend(record, timestamp, size, this.batchSize)) return last.closed;
    const batch = new ProducerBatch(ps.topic, ps.partition, now);
    batch.tryAppend(record, timestamp, size, this.batchSize);
    q.push(batch);
    return q.length > 1 || batch.closed;
  }

  /** Bytes queued for a partition (for the adaptive sticky partitioner). */
  queuedBytes(topic: string, partition: number): number {
    const q = this.byTopic.get(topic)?.get(partition)?.queue;
    if (!q) return 0;
    let n = 0;
    for (const b of q) n += b.bytes;
    return n;
  }

  /** Puts a batch back in its queue in creation order (retries, splits), ahead of younger batches. */
  requeue(ps: PartitionState, batch: ProducerBatch): void {
    const q = ps.queue;
    batch.closed = true;
    let i = 0;
    // Halves of a split share their parent's order; between them (and among their own halves) the sequence decides.
    const seq = (x: ProducerBatch) => (x.baseSequence >= 0 ? x.baseSequence : x.originSequence);
    const before = (x: ProducerBatch) => x.order < batch.order || (x.order === batch.order && (seq(x) < 0 || seq(batch) < 0 || seq(x) < seq(batch)));
    while (i < q.length && before(q[i] as ProducerBatch)) i++;
    q.splice(i, 0, batch);
  }

  isEmpty(): boolean {
    for (const ps of this.states()) if (ps.queue.length > 0) return false;
    return true;
  }
}
