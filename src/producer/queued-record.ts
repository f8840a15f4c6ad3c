import type { Completion, RecordMetadata } from './accumulator.js';
import type { FlushTracker } from './flush-tracker.js';

/** A written record's offset: `delta` after the batch's base, or -1n when the base is unknown (acks 0). */
export function offsetOf(base: bigint, delta: number): bigint {
  if (base < 0n) return -1n;
  return delta === 0 ? base : base + BigInt(delta);
}

/**
 * How one send() settles, from the call until the broker answers. The batch
 * holds the record's bytes in its own columns; this object is all that is kept
 * per record besides them (every object kept per record in flight is paid for
 * by the garbage collector as many times as records are in flight).
 */
export class QueuedRecord implements Completion {
  /** The flush generation the send belongs to; null once settled. */
  private token: object | null;

  constructor(
    private readonly onResolve: (m: RecordMetadata) => void,
    private readonly onReject: (e: unknown) => void,
    private readonly tracker: FlushTracker,
  ) {
    this.token = tracker.begin();
  }

  // A send() is a run of one record. Settled once, whatever calls it (a send rejected at close may be
  // rejected again by the loop that held it). The send's own promise settles before flush() hears of
  // it, so callbacks on the send run before code after `await flush()`.
  resolveRun(_first: number, _count: number, topic: string, partition: number, base: bigint, from: number, timestamps: readonly number[], logAppendTime: number): void {
    if (this.token === null) return;
    this.onResolve({ topic, partition, offset: offsetOf(base, from), timestamp: logAppendTime >= 0 ? logAppendTime : (timestamps[from] as number) });
    this.settled();
  }

  reject(_index: number, e: unknown): void {
    if (this.token === null) return;
    this.onReject(e);
    this.settled();
  }

  private settled(): void {
    const token = this.token as object;
    this.token = null;
    this.tracker.settled(token);
  }
}

let takenResolve: ((m: RecordMetadata) => void) | undefined;
let takenReject: ((e: unknown) => void) | undefined;

/**
 * A promise executor that needs no closure per send: use as
 * `new Promise(takeResolvers)` and call takenRecord() at once.
 */
export function takeResolvers(resolve: (m: RecordMetadata) => void, reject: (e: unknown) => void): void {
  takenResolve = resolve;
  takenReject = reject;
}

/** The record object for the promise just made with takeResolvers. */
export function takenRecord(tracker: FlushTracker): QueuedRecord {
  const record = new QueuedRecord(takenResolve!, takenReject!, tracker);
  takenResolve = takenReject = undefined;
  return record;
}
