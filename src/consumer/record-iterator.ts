/**
 * `for await (const record of consumer)`: records are taken from the buffer a
 * batch at a time; next() then answers from the batch in hand without
 * waiting (one already-resolved promise per record, no async generator). The
 * position moves as each record is handed out, so a commit never covers a
 * record the application has not been given.
 */
import type { ConsumerRecord } from './completed-fetch.js';
import type { ConsumerBatch, FetchManager } from './fetch-manager.js';
import type { PartitionState } from './partition-state.js';

export class RecordIterator<K, V> implements AsyncIterator<ConsumerRecord<K, V>> {
  private batch: ConsumerBatch<K, V> | null = null;
  private state: PartitionState | undefined;
  private index = 0;
  private done = false;

  constructor(
    private readonly fetches: FetchManager,
    private readonly nextBatch: () => Promise<ConsumerBatch<K, V> | null>,
  ) {}

  next(): Promise<IteratorResult<ConsumerRecord<K, V>>> {
    const b = this.batch;
    const st = this.state;
    if (b !== null && st !== undefined && this.index < b.records.length) {
      if (st.generation === b.generation && !st.removed && !st.paused) {
        const r = b.records[this.index++]!;
        st.position = r.offset + 1n;
        if (r.leaderEpoch !== null) st.positionEpoch = r.leaderEpoch;
        if (this.index === b.records.length) this.finishBatch();
        return Promise.resolve({ value: r, done: false });
      }
      this.dropBatch();
    }
    return this.slow();
  }

  /** The batch in hand is all handed out: the position moves past it (and past skipped control records). */
  private finishBatch(): void {
    this.fetches.handedOut(this.batch as ConsumerBatch<unknown, unknown>);
    this.batch = null;
    this.state = undefined;
  }

  /** Sought, paused or revoked mid-batch: records not handed out are fetched again from the position. */
  private dropBatch(): void {
    const st = this.state;
    const b = this.batch;
    this.batch = null;
    this.state = undefined;
    if (!st || !b || st.removed || st.generation !== b.generation || st.position === null) return;
    this.fetches.release(st, st.seek(st.position, st.positionEpoch));
  }

  private async slow(): Promise<IteratorResult<ConsumerRecord<K, V>>> {
    if (this.done) return { value: undefined, done: true };
    for (;;) {
      const b = await this.nextBatch();
      if (b === null) {
        this.done = true;
        return { value: undefined, done: true };
      }
      const st = this.fetches.states.get(`${b.topic}:${b.partition}`);
      if (!st || b.records.length === 0) continue;
      this.batch = b;
      this.state = st;
      this.index = 0;
      return this.next();
    }
  }

  return(): Promise<IteratorResult<ConsumerRecord<K, V>>> {
    // The loop was left (break, throw): records not handed out are fetched again.
    if (this.batch) this.dropBatch();
    this.done = true;
    return Promise.resolve({ value: undefined, done: true });
  }
}
