import type { RecordHeaderInput, RecordInput } from '../records/record.js';
import type { Completion, RecordMetadata } from './accumulator.js';
import type { FlushTracker } from './flush-tracker.js';

/** A record as the batch encodes it and as its send settles; one object per record. */
export interface RecordSlot extends RecordInput, Completion {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeaderInput[] | undefined;
  timestamp: number;
}

/**
 * One record from send() until it settles: what the batch encodes (key,
 * value, headers, timestamp) and how its promise settles, in one object.
 * A record waits in memory until the broker answers, so every object and
 * field kept per record is paid for by the garbage collector as many times
 * as records are in flight; the batch holds this one object for both roles.
 */
export class QueuedRecord implements RecordSlot {
  key: Uint8Array | null = null;
  value: Uint8Array | null = null;
  headers: RecordHeaderInput[] | undefined = undefined;
  timestamp = 0;
  /** The flush generation the send belongs to; null once settled. */
  private token: object | null;

  constructor(
    private readonly onResolve: (m: RecordMetadata) => void,
    private readonly onReject: (e: unknown) => void,
    private readonly tracker: FlushTracker,
  ) {
    this.token = tracker.begin();
  }

  // Settled once, whatever calls it (a send rejected at close may be rejected again by the loop that
  // held it). The send's own promise settles before flush() hears of it, so callbacks on the send
  // run before code after `await flush()`.
  resolve(m: RecordMetadata): void {
    if (this.token === null) return;
    this.onResolve(m);
    this.settled();
  }

  reject(e: unknown): void {
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
