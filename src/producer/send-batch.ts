import { KafkaError } from '../errors.js';
import type { RecordMetadata } from './accumulator.js';

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
