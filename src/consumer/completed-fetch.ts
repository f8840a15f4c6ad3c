/**
 * One partition's records from one Fetch response, kept as a view of the
 * response bytes and decoded only when the application takes records: each
 * v2 batch is opened (CRC check, decompression) when reached, its records
 * read one at a time, records below the position skipped without decoding.
 * Control batches never reach the application; with read_committed, batches
 * of aborted transactions are dropped using the response's aborted list.
 */
import type { FetchResponseAbortedTransaction } from '../messages/generated/index.js';
import { decodeBatchHeader, openRecordBatch, parseControlRecord, type TimestampType } from '../records/batch.js';
import { decodeLegacyEntry, type RecordSetEntry } from '../records/legacy.js';
import type { KafkaRecord, RecordHeader, RecordReader } from '../records/record.js';
import { CorruptRecordError, KafkaError, KafkaProtocolError } from '../errors.js';
import type { Deserializer } from './deserializers.js';

/** A record as the application gets it. */
export interface ConsumerRecord<K = Buffer | null, V = Buffer | null> {
  topic: string;
  partition: number;
  offset: bigint;
  /** Milliseconds since the epoch; -1 for magic-0 messages, which have none. */
  timestamp: number;
  timestampType: TimestampType;
  key: K;
  value: V;
  headers: readonly RecordHeader[];
  /** Leader epoch the record was written in; null when the format has none. */
  leaderEpoch: number | null;
}

export interface DecodeSettings {
  checkCrcs: boolean;
  readCommitted: boolean;
  keyDeserializer: Deserializer<unknown>;
  valueDeserializer: Deserializer<unknown>;
}

/** What one take() did. */
export interface TakeResult {
  /** The position after what was taken or skipped. */
  nextOffset: bigint;
  /** Leader epoch of the last record taken (-1 if none was). */
  lastEpoch: number;
  /** Bytes of entries finished (no longer buffered). */
  released: number;
  /** Decoding stopped at a record that could not be read or deserialized. */
  error: KafkaError | null;
}

/** An opened entry: a v2 batch's reader, or a legacy entry's records. */
interface Cursor {
  baseOffset: bigint;
  /** Offset after the entry's last record. */
  end: bigint;
  size: number;
  timestampType: TimestampType;
  leaderEpoch: number | null;
  reader: RecordReader | null;
  legacy: KafkaRecord[] | null;
  legacyIndex: number;
}

export class CompletedFetch {
  private index = 0;
  private cursor: Cursor | null = null;
  private abortedIndex = 0;
  private readonly abortedPids = new Set<bigint>();
  private readonly aborted: FetchResponseAbortedTransaction[];
  /** Bytes of the entries not yet finished. */
  bytes: number;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly data: Buffer,
    private readonly entries: RecordSetEntry[],
    aborted: FetchResponseAbortedTransaction[] | null,
    private readonly settings: DecodeSettings,
  ) {
    this.aborted = settings.readCommitted && aborted ? [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0)) : [];
    let bytes = 0;
    for (const e of entries) bytes += e.sizeInBytes;
    this.bytes = bytes;
  }

  get done(): boolean {
    return this.cursor === null && this.index >= this.entries.length;
  }

  /** Offset after the last entry of this fetch (where the next fetch starts). */
  get endOffset(): bigint {
    const last = this.entries[this.entries.length - 1];
    return last === undefined ? -1n : last.lastOffset + 1n;
  }

  /**
   * Appends records at or after `from` to `out` until it holds `max` or this
   * fetch is used up. Bad data (CRC, format) or a deserializer that throws
   * stops at that record and is returned as `error`.
   */
  take(from: bigint, max: number, out: ConsumerRecord<unknown, unknown>[]): TakeResult {
    let next = from;
    let lastEpoch = -1;
    let released = 0;
    const { keyDeserializer, valueDeserializer } = this.settings;
    const topic = this.topic;
    const partition = this.partition;
    try {
      while (out.length < max) {
        let c = this.cursor;
        if (c === null) {
          c = this.open(next);
          if (c === null) {
            // Skipped entries (below the position, control, aborted) still move the position past them.
            if (this.skippedEnd > next) next = this.skippedEnd;
            released += this.skippedBytes;
            this.skippedBytes = 0;
            if (this.index >= this.entries.length) break;
            continue;
          }
        }
        if (c.reader !== null) {
          const reader = c.reader;
          if (next > c.baseOffset) reader.skipBelow(Number(next - c.baseOffset));
          const base = c.baseOffset;
          while (out.length < max) {
            const r = reader.read();
            if (r === undefined) break;
            const offset = base + BigInt(r.offsetDelta);
            const headers = r.headers;
            // Deserialize before anything moves, so a throwing deserializer leaves the position on this record.
            const key = keyDeserializer(r.key, topic, headers);
            const value = valueDeserializer(r.value, topic, headers);
            out.push({ topic, partition, offset, timestamp: r.timestamp, timestampType: c.timestampType, key, value, headers, leaderEpoch: c.leaderEpoch });
            next = offset + 1n;
          }
          if (reader.remaining > 0) break;
        } else {
          const records = c.legacy!;
          while (out.length < max && c.legacyIndex < records.length) {
            const r = records[c.legacyIndex]!;
            const offset = c.baseOffset + BigInt(r.offsetDelta);
            if (offset >= next) {
              const key = keyDeserializer(r.key, topic, r.headers);
              const value = valueDeserializer(r.value, topic, r.headers);
              out.push({ topic, partition, offset, timestamp: r.timestamp, timestampType: c.timestampType, key, value, headers: r.headers, leaderEpoch: null });
              next = offset + 1n;
            }
            c.legacyIndex++;
          }
          if (c.legacyIndex < records.length) break;
        }
        if (c.leaderEpoch !== null) lastEpoch = c.leaderEpoch;
        if (c.end > next) next = c.end;
        released += c.size;
        this.bytes -= c.size;
        this.cursor = null;
      }
    } catch (e) {
      // A batch whose bytes do not parse is corrupt data on that partition (Java: InvalidRecordException), named as such.
      const error = e instanceof KafkaProtocolError
        ? new CorruptRecordError(`a record batch cannot be read: ${e.message}`, { topic, partition, offset: next, cause: e })
        : e instanceof KafkaError ? e : new KafkaError(`cannot read the record at offset ${next} of ${topic}-${partition}: ${(e as Error).message}`, false, { topic, partition, offset: next, cause: e });
      return { nextOffset: next, lastEpoch: out.length > 0 ? (out[out.length - 1]!.leaderEpoch ?? -1) : lastEpoch, released, error };
    }
    if (out.length > 0 && lastEpoch === -1) lastEpoch = out[out.length - 1]!.leaderEpoch ?? -1;
    return { nextOffset: next, lastEpoch, released, error: null };
  }

  /** Releases everything left (the partition was sought, revoked or paused with its buffer dropped). */
  drop(): number {
    const left = this.bytes;
    this.bytes = 0;
    this.index = this.entries.length;
    this.cursor = null;
    return left;
  }

  /**
   * Opens the next entry that has records for the application, or returns
   * null after skipping one that has none (below the position, control,
   * aborted); skipped entries are released here.
   */
  private open(from: bigint): Cursor | null {
    const entry = this.entries[this.index];
    if (entry === undefined) return null;
    this.index++;
    const ctx = { topic: this.topic, partition: this.partition };
    const skip = (): null => {
      this.bytes -= entry.sizeInBytes;
      this.skippedEnd = entry.lastOffset + 1n;
      this.skippedBytes += entry.sizeInBytes;
      return null;
    };
    if (entry.magic !== 2) {
      if (entry.lastOffset < from) return skip();
      const batch = decodeLegacyEntry(this.data, entry.position, { ...ctx, verifyCrc: this.settings.checkCrcs });
      const c: Cursor = { baseOffset: batch.baseOffset, end: entry.lastOffset + 1n, size: entry.sizeInBytes, timestampType: batch.timestampType, leaderEpoch: null, reader: null, legacy: batch.records, legacyIndex: 0 };
      this.cursor = c;
      return c;
    }
    const header = decodeBatchHeader(this.data, entry.position, ctx);
    if (this.aborted.length > 0) {
      const last = entry.lastOffset;
      while (this.abortedIndex < this.aborted.length && this.aborted[this.abortedIndex]!.firstOffset <= last) {
        this.abortedPids.add(this.aborted[this.abortedIndex++]!.producerId);
      }
    }
    if (header.control) {
      if (this.abortedPids.size > 0 && this.abortedPids.has(header.producerId)) {
        const { records } = openRecordBatch(this.data, entry.position, { ...ctx, verifyCrc: this.settings.checkCrcs });
        const first = records.read();
        if (first !== undefined && parseControlRecord(first, { ...ctx, offset: header.baseOffset }).type === 'abort') this.abortedPids.delete(header.producerId);
      }
      return skip();
    }
    if (entry.lastOffset < from) return skip();
    if (header.transactional && this.abortedPids.has(header.producerId)) return skip();
    const { records } = openRecordBatch(this.data, entry.position, { ...ctx, verifyCrc: this.settings.checkCrcs });
    const c: Cursor = {
      baseOffset: header.baseOffset,
      end: entry.lastOffset + 1n,
      size: entry.sizeInBytes,
      timestampType: header.timestampType,
      leaderEpoch: header.partitionLeaderEpoch >= 0 ? header.partitionLeaderEpoch : null,
      reader: records,
      legacy: null,
      legacyIndex: 0,
    };
    this.cursor = c;
    return c;
  }

  /** End offset and bytes of entries skipped by open() since the caller last looked (consumed by take). */
  skippedEnd = -1n;
  skippedBytes = 0;
}
