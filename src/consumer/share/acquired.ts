/**
 * One partition's part of a ShareFetch response: the record batches and the
 * offset ranges this member acquired, with their delivery counts. Records are
 * decoded as the application takes them (the consumer's CompletedFetch does
 * the decoding); only acquired offsets are handed out. When the data is used
 * up, acquired offsets that had no record to hand out (control records,
 * aborted transactions, compacted away) are owed a "gap" acknowledgement,
 * and those a corrupt batch hid are released.
 */
import { CorruptRecordError, type KafkaError } from '../../errors.js';
import type { ConsumerRecord, DecodeSettings } from '../completed-fetch.js';
import { CompletedFetch } from '../completed-fetch.js';
import { scanRecords } from '../../records/legacy.js';
import { ACK_CODE, type AckCode, type ShareConsumerRecord } from './types.js';

export interface AcquiredRange {
  firstOffset: bigint;
  lastOffset: bigint;
  deliveryCount: number;
}

export interface TakeOutcome {
  /** An error met while decoding (the record it concerns is released); the records before it were taken. */
  error: KafkaError | null;
}

export class AcquiredFetch {
  private readonly cf: CompletedFetch | null;
  private readonly ranges: AcquiredRange[];
  /** Acquired offsets not handed out yet. */
  private readonly undelivered = new Set<bigint>();
  private next: bigint;
  private corrupt = false;

  constructor(
    readonly topic: string,
    readonly topicId: string,
    readonly partition: number,
    readonly nodeId: number,
    data: Buffer | null,
    ranges: AcquiredRange[],
    settings: DecodeSettings,
  ) {
    this.ranges = [...ranges].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1));
    for (const r of this.ranges) for (let o = r.firstOffset; o <= r.lastOffset; o++) this.undelivered.add(o);
    this.next = this.ranges[0]?.firstOffset ?? 0n;
    let cf: CompletedFetch | null = null;
    if (data !== null && data.length > 0 && this.ranges.length > 0) {
      const scanned = scanRecords(data, { topic, partition });
      cf = new CompletedFetch(topic, partition, data, scanned.entries, null, settings);
    }
    this.cf = cf;
  }

  /** Acquired offsets still to be handed out (or settled as gaps). */
  get pending(): number {
    return this.undelivered.size;
  }

  get done(): boolean {
    return this.undelivered.size === 0;
  }

  private deliveryCount(offset: bigint): number | null {
    for (const r of this.ranges) if (offset >= r.firstOffset && offset <= r.lastOffset) return r.deliveryCount;
    return null;
  }

  /**
   * Appends up to `max` acquired records to `out`. `settle` is told of
   * offsets that need an acknowledgement of their own (gap, or release after
   * a decoding error).
   */
  take(max: number, out: ShareConsumerRecord<unknown, unknown>[], settle: (offset: bigint, code: AckCode) => void): TakeOutcome {
    let error: KafkaError | null = null;
    const start = out.length;
    while (out.length - start < max && this.cf !== null && !this.cf.done && !this.corrupt) {
      const got: ConsumerRecord<unknown, unknown>[] = [];
      const r = this.cf.take(this.next, max - (out.length - start), got);
      for (const rec of got) {
        this.next = rec.offset + 1n;
        const dc = this.deliveryCount(rec.offset);
        if (dc === null || !this.undelivered.has(rec.offset)) continue; // in a returned batch but not acquired by us
        this.undelivered.delete(rec.offset);
        (rec as ShareConsumerRecord<unknown, unknown>).deliveryCount = dc;
        out.push(rec as ShareConsumerRecord<unknown, unknown>);
      }
      if (r.nextOffset > this.next) this.next = r.nextOffset;
      if (r.error) {
        error = r.error;
        if (r.error instanceof CorruptRecordError) {
          this.corrupt = true;
        } else {
          // A deserializer threw on this record: release it (its delivery count grows; the group's limit ends the loop).
          const at = r.nextOffset;
          if (this.undelivered.delete(at)) settle(at, ACK_CODE.release);
          this.next = at + 1n;
        }
        break;
      }
      if (got.length === 0 && r.released === 0 && !this.cf.done) break; // no progress (defensive)
    }
    if (this.cf === null || this.cf.done || this.corrupt) {
      // Nothing more to hand out: what was acquired without a record is a gap; what a corrupt batch hid is released.
      for (const o of [...this.undelivered].sort((a, b) => (a < b ? -1 : 1))) settle(o, this.corrupt ? ACK_CODE.release : ACK_CODE.gap);
      this.undelivered.clear();
    }
    return { error };
  }

  /** Everything acquired and not handed out, so it can be released (close, lost assignment). */
  drain(): bigint[] {
    const left = [...this.undelivered].sort((a, b) => (a < b ? -1 : 1));
    this.undelivered.clear();
    return left;
  }
}
