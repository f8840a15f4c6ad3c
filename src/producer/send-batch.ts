import { KafkaError } from '../errors.js';
import type { Completion, RecordMetadata } from './accumulator.js';
import type { FlushTracker } from './flush-tracker.js';
import { offsetOf } from './queued-record.js';

/** What happened to one record of a sendBatch(). */
export type SendOutcome = { ok: true; metadata: RecordMetadata } | { ok: false; error: unknown };

/**
 * sendBatch() rejects with this when any record failed, once every record
 * has settled: `outcomes[i]` is record i's metadata or error, so a caller
 * can tell which records were written and which to send again.
 */
export class SendBatchError extends KafkaError {
  readonly outcomes: SendOutcome[];

  constructor(outcomes: SendOutcome[]) {
    const failures = outcomes.filter((o): o is { ok: false; error: unknown } => !o.ok);
    const first = failures[0]?.error;
    const index = outcomes.findIndex((o) => !o.ok);
    super(
      `${failures.length} of ${outcomes.length} record(s) of the batch failed (${outcomes.length - failures.length} were written); ` +
        `first failure, record ${index}: ${first instanceof Error ? first.message : String(first)}`,
      failures.every((f) => f.error instanceof KafkaError && f.error.retriable),
      { cause: first },
    );
    this.outcomes = outcomes;
  }

  /** Indexes of the records that failed. */
  get failed(): number[] {
    return this.outcomes.flatMap((o, i) => (o.ok ? [] : [i]));
  }
}

/**
 * The records of one sendBatch() call: one promise for all of them, settled
 * once the last record settles. A record costs no promise and no object of
 * its own, which is what makes bulk sending cheaper than one send() per
 * record: where each record went is kept in arrays until the call settles,
 * and only then does each get its RecordMetadata.
 */
export class BatchSend implements Completion {
  private readonly topics: string[];
  private readonly partitions: Int32Array;
  /** Offsets as numbers (exact below 2^53; -1 for unknown, acks 0); a larger one goes to `exact`. */
  private readonly offsets: Float64Array;
  private exact: Map<number, bigint> | null = null;
  private readonly timestamps: Float64Array;
  /** Per record: 0 while in flight, then WRITTEN or FAILED (a record settles once, whatever calls it). */
  private readonly states: Uint8Array;
  private errors: Map<number, unknown> | null = null;
  // The last offset made a bigint, as a number and as the bigint (see offsetAt).
  private lastNumber = NaN;
  private lastBigint = 0n;
  private remaining: number;
  private readonly token: object;

  constructor(
    count: number,
    private readonly onResolve: (m: RecordMetadata[]) => void,
    private readonly onReject: (e: unknown) => void,
    private readonly tracker: FlushTracker,
  ) {
    this.topics = new Array<string>(count);
    this.partitions = new Int32Array(count);
    this.offsets = new Float64Array(count);
    this.timestamps = new Float64Array(count);
    this.states = new Uint8Array(count);
    this.remaining = count;
    // flush() waits for the whole call, which began before any later flush().
    this.token = tracker.begin();
  }

  resolveRun(first: number, count: number, topic: string, partition: number, base: bigint, from: number, timestamps: readonly number[], logAppendTime: number): void {
    // One conversion per run; each record then costs a few typed-array stores and no allocation.
    const exact = base > MAX_EXACT_BASE;
    const start = base < 0n ? -1 : exact ? 0 : Number(base) + from;
    let settled = 0;
    for (let k = 0; k < count; k++) {
      const i = first + k;
      if (this.states[i] !== 0) continue;
      this.states[i] = WRITTEN;
      this.topics[i] = topic;
      this.partitions[i] = partition;
      this.timestamps[i] = logAppendTime >= 0 ? logAppendTime : (timestamps[from + k] as number);
      if (exact) (this.exact ??= new Map()).set(i, offsetOf(base, from + k));
      else this.offsets[i] = start < 0 ? -1 : start + k;
      settled++;
    }
    this.remaining -= settled;
    if (settled > 0 && this.remaining === 0) this.finish();
  }

  reject(index: number, e: unknown): void {
    if (this.states[index] !== 0) return;
    this.states[index] = FAILED;
    (this.errors ??= new Map()).set(index, e);
    if (--this.remaining === 0) this.finish();
  }

  private finish(): void {
    // The call's promise first, then flush() (as QueuedRecord).
    if (this.errors === null) {
      const results = new Array<RecordMetadata>(this.states.length);
      for (let i = 0; i < results.length; i++) results[i] = this.metadata(i);
      this.onResolve(results);
      this.tracker.settled(this.token);
      return;
    }
    const outcomes: SendOutcome[] = [];
    for (let i = 0; i < this.states.length; i++) {
      outcomes.push(this.states[i] === FAILED ? { ok: false, error: this.errors.get(i) } : { ok: true, metadata: this.metadata(i) });
    }
    this.onReject(new SendBatchError(outcomes));
    this.tracker.settled(this.token);
  }

  private metadata(i: number): RecordMetadata {
    return { topic: this.topics[i] as string, partition: this.partitions[i] as number, offset: this.offsetAt(i), timestamp: this.timestamps[i] as number };
  }

  /**
   * Record i's offset as a bigint. A batch's records have consecutive offsets,
   * and adding 1n to the one before costs half of what BigInt(number) does.
   */
  private offsetAt(i: number): bigint {
    const exact = this.exact?.get(i);
    if (exact !== undefined) return exact;
    const n = this.offsets[i] as number;
    if (n === this.lastNumber + 1) this.lastBigint += 1n;
    else if (n !== this.lastNumber) this.lastBigint = BigInt(n);
    this.lastNumber = n;
    return this.lastBigint;
  }
}

/** Above this, a base offset plus a batch's deltas might not be exact as a number. */
const MAX_EXACT_BASE = BigInt(Number.MAX_SAFE_INTEGER - 0x7fffffff);
const WRITTEN = 1;
const FAILED = 2;
