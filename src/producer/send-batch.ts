import { KafkaError } from '../errors.js';
import type { RecordHeaderInput } from '../records/record.js';
import type { RecordMetadata } from './accumulator.js';
import type { FlushTracker } from './flush-tracker.js';
import type { RecordSlot } from './queued-record.js';

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
 * once the last record settles. A record costs no promise of its own, which
 * is what makes bulk sending cheaper than one send() per record.
 */
export class BatchSend {
  private readonly results: Array<RecordMetadata | undefined>;
  private errors: Map<number, unknown> | null = null;
  private remaining: number;
  private readonly token: object;

  constructor(
    count: number,
    private readonly onResolve: (m: RecordMetadata[]) => void,
    private readonly onReject: (e: unknown) => void,
    private readonly tracker: FlushTracker,
  ) {
    this.results = new Array<RecordMetadata | undefined>(count);
    this.remaining = count;
    // flush() waits for the whole call, which began before any later flush().
    this.token = tracker.begin();
  }

  settle(index: number, metadata: RecordMetadata | undefined, error: unknown, ok: boolean): void {
    if (ok) this.results[index] = metadata;
    else (this.errors ??= new Map()).set(index, error);
    if (--this.remaining > 0) return;
    // The call's promise first, then flush() (as QueuedRecord).
    if (this.errors === null) {
      this.onResolve(this.results as RecordMetadata[]);
      this.tracker.settled(this.token);
      return;
    }
    // A plain loop: the results array has holes where records failed, which map() would skip.
    const outcomes: SendOutcome[] = [];
    for (let i = 0; i < this.results.length; i++) {
      outcomes.push(this.errors.has(i) ? { ok: false, error: this.errors.get(i) } : { ok: true, metadata: this.results[i] as RecordMetadata });
    }
    this.onReject(new SendBatchError(outcomes));
    this.tracker.settled(this.token);
  }
}

/** One record of a sendBatch(): what the batch encodes, and its slot in the call's results. */
export class BatchedRecord implements RecordSlot {
  key: Uint8Array | null = null;
  value: Uint8Array | null = null;
  headers: RecordHeaderInput[] | undefined = undefined;
  timestamp = 0;
  private settled = false;

  constructor(
    private readonly group: BatchSend,
    private readonly index: number,
  ) {}

  resolve(m: RecordMetadata): void {
    if (this.settled) return;
    this.settled = true;
    this.group.settle(this.index, m, undefined, true);
  }

  /** Settled once, whatever calls it (as QueuedRecord). */
  reject(e: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.group.settle(this.index, undefined, e, false);
  }
}
