import type { ProducerBatch } from './accumulator.js';
import type { ProducerIdManager } from './producer-id.js';

/** Sequence numbers wrap at 2^31, as the broker expects. */
const SEQ_MOD = 2147483648;
const plus = (seq: number, n: number) => (seq + n) % SEQ_MOD;

/**
 * Everything the producer keeps about one partition, in one place (Java's
 * TxnPartitionEntry with its queue, franz-go's recBuf): the batches waiting
 * to be sent, how many of its requests are in flight, and, for an idempotent
 * producer, the producer id and epoch it writes with, its next sequence
 * number, the last sequence the broker acknowledged, and the batches that
 * hold sequence numbers but are not done.
 *
 * The rules (KIP-360, as Java's TransactionManager applies them): a batch
 * keeps its id, epoch and sequence for every retry; a partition moves to a
 * newer epoch only when nothing of it is in flight, and rewrites the
 * sequences of its pending batches only if none of them may already be in
 * the log (an attempt that ended without an answer).
 */
export class PartitionState {
  /** Batches waiting to be sent (new ones, or back for a retry), in sequence order. */
  readonly queue: ProducerBatch[] = [];
  /** This partition's batches in requests not yet answered. */
  inFlight = 0;
  /** A batch came back for another try: one request at a time until the retries are done. */
  retrying = false;
  /** Batches holding sequence numbers and not done, oldest first (sent, or back in the queue for a retry). */
  readonly unacked: ProducerBatch[] = [];
  producerId = -1n;
  epoch = -1;
  nextSequence = 0;
  lastAckedSequence = -1;
  /** A batch that held sequence numbers failed: whether a gap opened is known once nothing else is pending. */
  unresolved = false;
  /** The sequence after the last failed batch (a batch starting there and refused proves the gap). */
  private afterFailed = -1;
  /**
   * A failed batch was refused by the broker, so its sequences are surely not
   * in the log: no later sequence of this epoch can be accepted, and the gap
   * is certain without waiting for the batches that hold them.
   */
  private refusedGap = false;
  /** The broker's view of our sequences differs from ours: move to a new epoch once nothing is in flight. */
  wantsNewEpoch = false;
  /** Last time a record was appended (metadataMaxIdleMs). */
  lastUsedAt: number;

  constructor(
    readonly topic: string,
    readonly partition: number,
    now: number,
  ) {
    this.lastUsedAt = now;
  }

  /** Nothing queued, in flight or pending an answer. */
  get idle(): boolean {
    return this.queue.length === 0 && this.inFlight === 0 && this.unacked.length === 0;
  }

  isStale(ids: ProducerIdManager): boolean {
    return this.producerId !== ids.producerId || this.epoch !== ids.epoch;
  }

  /** Whether a batch without a sequence may be given one now. */
  maySequenceNew(ids: ProducerIdManager): boolean {
    if (!ids.ready || this.unresolved || this.wantsNewEpoch) return false;
    // Batches of an older epoch still pending: a new epoch at sequence 0 could overtake them.
    return !(this.unacked.length > 0 && this.isStale(ids));
  }

  /**
   * Whether the broker has acknowledged a batch of our current id and epoch
   * here. Until it has, it may hold no state for us, and a broker with none
   * (Kafka 2.5 and later) takes any sequence: if the first batch were refused
   * and the next accepted, the first could never be written. So until then
   * only one batch of the partition is in flight.
   */
  acknowledgedInEpoch(ids: ProducerIdManager): boolean {
    return this.lastAckedSequence >= 0 && !this.isStale(ids);
  }

  /** Gives a batch the partition's id, epoch and next sequence numbers (moving to the current epoch first if idle). */
  assignSequence(b: ProducerBatch, ids: ProducerIdManager): void {
    if (this.isStale(ids) && this.unacked.length === 0) this.startEpoch(ids);
    b.producerId = this.producerId;
    b.producerEpoch = this.epoch;
    b.baseSequence = this.nextSequence;
    this.nextSequence = plus(this.nextSequence, b.count);
    this.unacked.push(b);
  }

  /** Takes back the sequence numbers of the last batch given some, before it was ever sent. */
  unassignSequence(b: ProducerBatch): void {
    if (this.unacked[this.unacked.length - 1] !== b) return;
    this.unacked.pop();
    this.nextSequence = b.baseSequence;
    b.baseSequence = -1;
  }

  private startEpoch(ids: ProducerIdManager): void {
    this.producerId = ids.producerId;
    this.epoch = ids.epoch;
    this.nextSequence = 0;
    this.lastAckedSequence = -1;
  }

  /** Whether a batch is the next one the broker expects (its base follows the last acknowledged sequence). */
  isNext(b: ProducerBatch): boolean {
    return b.producerEpoch === this.epoch && b.baseSequence === plus(this.lastAckedSequence, 1);
  }

  /**
   * The broker already acknowledged a later sequence of this batch's epoch:
   * it took a later batch as the first it saw of this producer (a broker with
   * no state for a producer accepts any sequence), so this one can never be
   * placed, and a retry would only fail until deliveryTimeoutMs.
   */
  behindAcked(b: ProducerBatch): boolean {
    if (b.producerEpoch !== this.epoch || b.producerId !== this.producerId || this.lastAckedSequence < 0) return false;
    const ahead = (this.lastAckedSequence - plus(b.baseSequence, b.count - 1) + SEQ_MOD) % SEQ_MOD;
    return ahead > 0 && ahead < SEQ_MOD / 2;
  }

  /** The broker wrote the batch (or had it already). */
  acked(b: ProducerBatch): void {
    if (!this.forget(b)) return;
    if (b.producerId === this.producerId && b.producerEpoch === this.epoch) this.lastAckedSequence = plus(b.baseSequence, b.count - 1);
  }

  /**
   * The batch failed for good: unless the batches after it say otherwise, a
   * gap may have opened. `refused`: the broker refused it (not in the log).
   */
  failed(b: ProducerBatch, refused = false): void {
    if (!this.forget(b)) return;
    this.unresolved = true;
    this.afterFailed = plus(b.baseSequence, b.count);
    if (refused) this.refusedGap = true;
  }

  /**
   * OUT_OF_ORDER_SEQUENCE_NUMBER for this batch shows a real gap (not just a
   * retry still to land before it): it is the next sequence the broker
   * should expect, or it follows a batch that failed.
   */
  provesGap(b: ProducerBatch): boolean {
    if (b.producerEpoch !== this.epoch || b.producerId !== this.producerId) return false;
    return this.unresolved ? b.baseSequence === this.afterFailed : this.isNext(b);
  }

  /** A batch split in parts that keep its sequence range (each part takes its place, in order). */
  replace(b: ProducerBatch, parts: ProducerBatch[]): void {
    const i = this.unacked.indexOf(b);
    if (i >= 0) this.unacked.splice(i, 1, ...parts);
  }

  private forget(b: ProducerBatch): boolean {
    const i = this.unacked.indexOf(b);
    if (i < 0) return false;
    this.unacked.splice(i, 1);
    return true;
  }

  /**
   * Once nothing of the partition is pending: after a failed batch, whether
   * every sequence handed out was acknowledged (no gap) or not. A gap means
   * the partition must move to a new epoch (idempotent) or the transaction
   * must be aborted with an epoch bump (transactional).
   */
  resolve(): 'pending' | 'clean' | 'gap' {
    if (!this.unresolved) return 'clean';
    if (this.inFlight > 0) return 'pending';
    if (this.unacked.length > 0) {
      // After a refused batch the later ones cannot succeed, and they may wait in the queue behind the
      // refused batch's other records (which wait for this answer): waiting for them would never end.
      if (!this.refusedGap || this.unacked.some((b) => b.maybeWritten)) return 'pending';
      this.unresolved = this.refusedGap = false;
      return 'gap';
    }
    this.unresolved = this.refusedGap = false;
    return this.nextSequence === plus(this.lastAckedSequence, 1) ? 'clean' : 'gap';
  }

  /**
   * Moves to the current (newer) epoch with nothing in flight. Pending
   * batches get new sequences from 0 only if none may already be in the log;
   * otherwise they keep theirs (the broker still holds that epoch's state or
   * has lost it, and then takes any sequence) and the move waits.
   * Returns whether the partition moved.
   */
  moveToEpoch(ids: ProducerIdManager): boolean {
    if (this.inFlight > 0) return false;
    this.wantsNewEpoch = false;
    if (this.unacked.some((b) => b.maybeWritten)) return false;
    this.startEpoch(ids);
    this.unresolved = this.refusedGap = false;
    // Nothing is in flight, so every pending batch is in the queue; number them in queue order
    // (a batch without a sequence ahead of pending ones, e.g. the rest of a batch the broker refused, included).
    let last = -1;
    this.queue.forEach((b, i) => {
      if (b.baseSequence >= 0) last = i;
    });
    this.unacked.length = 0;
    for (const b of this.queue.slice(0, last + 1)) {
      b.producerId = this.producerId;
      b.producerEpoch = this.epoch;
      b.baseSequence = this.nextSequence;
      b.encoded = null;
      this.nextSequence = plus(this.nextSequence, b.count);
      this.unacked.push(b);
    }
    return true;
  }
}
