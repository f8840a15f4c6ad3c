/**
 * One record inside a v2 record batch: its types, its encoder and a cursor
 * that decodes records one at a time.
 *
 * A record is: length (varint), attributes (int8, unused), timestampDelta
 * (varlong), offsetDelta (varint), key and value (varint length, -1 for
 * null, then the bytes), a varint header count, and per header a key (varint
 * length + UTF-8) and a value (varint length, -1 for null, then the bytes).
 * Every varint is zig-zag encoded.
 *
 * This is the hot path of both producer and consumer, so everything here works
 * on plain numbers: no BigInt, no per-field allocation. Timestamps are
 * milliseconds held in a double, exact for any safe integer; offsets are a
 * number relative to the batch's bigint base offset.
 */
import { KafkaConfigError, KafkaProtocolError, type KafkaErrorContext } from '../errors.js';
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.js';

/** A record header as decoded: the value shares memory with the fetched bytes. */
export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** A record header to encode. */
export interface RecordHeaderInput {
  key: string;
  value: Uint8Array | null;
}

/** A decoded record. Key, value and header values are views of the input bytes. */
export interface KafkaRecord {
  /** Offset relative to the batch's baseOffset. */
  offsetDelta: number;
  /** Milliseconds since the epoch; -1 when the format has none (magic 0). */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: readonly RecordHeader[];
}

/** A record to encode. */
export interface RecordInput {
  key?: Uint8Array | null;
  value?: Uint8Array | null;
  headers?: readonly RecordHeaderInput[];
  /** Milliseconds since the epoch; defaults to the batch's default timestamp. */
  timestamp?: number;
  /** Offset relative to the batch's base offset; defaults to the record's index. */
  offsetDelta?: number;
}

/** Where the bytes came from, for error messages. */
export interface RecordsContext {
  topic?: string;
  partition?: number;
}

/** Context of an error about one batch: the partition and the batch's base offset. */
export type BatchErrorContext = Pick<KafkaErrorContext, 'topic' | 'partition' | 'offset'>;

/** The headers of every record that has none (frozen, so sharing is safe). */
export const NO_HEADERS: readonly RecordHeader[] = Object.freeze([]);

// ---------------------------------------------------------------------------
// Encoding.

function inputError(index: number, detail: string): KafkaConfigError {
  return new KafkaConfigError(`record ${index}: ${detail}`);
}

function checkBytes(value: unknown, index: number, what: string): number {
  if (value === null || value === undefined) return -1;
  if (!(value instanceof Uint8Array)) throw inputError(index, `${what} must be a Uint8Array or null`);
  return value.length;
}

/**
 * Records as parallel arrays, entry i of each being record i: how a producer
 * batch holds its records, with no object per record. Timestamps are final
 * (no default applies); without `keys` every key is null, without `headers`
 * no record has headers, and offset deltas are the indexes unless given.
 */
export interface RecordColumns {
  readonly keys?: ReadonlyArray<Uint8Array | null | undefined>;
  readonly values: ReadonlyArray<Uint8Array | null | undefined>;
  readonly headers?: ReadonlyArray<readonly RecordHeaderInput[] | undefined>;
  readonly timestamps: readonly number[];
  readonly offsetDeltas?: readonly number[];
}

/** Record objects as columns; a record without a timestamp gets `defaultTimestamp`. */
export function toColumns(records: readonly RecordInput[], defaultTimestamp: number): RecordColumns {
  const n = records.length;
  const keys: Array<Uint8Array | null | undefined> = [];
  const values: Array<Uint8Array | null | undefined> = [];
  const headers: Array<readonly RecordHeaderInput[] | undefined> = [];
  const timestamps: number[] = [];
  const offsetDeltas: number[] = [];
  let anyOffsetDelta = false;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    keys.push(r.key);
    values.push(r.value);
    headers.push(r.headers);
    timestamps.push(r.timestamp ?? defaultTimestamp);
    offsetDeltas.push(r.offsetDelta ?? i);
    anyOffsetDelta ||= r.offsetDelta !== undefined;
  }
  return { keys, values, headers, timestamps, offsetDeltas: anyOffsetDelta ? offsetDeltas : undefined };
}

/** What measureRecords works out, so that writeRecords need not do it again. */
export interface RecordsPlan {
  /** Bytes of the whole records section. */
  size: number;
  /** Each record's length field (the bytes after it). */
  bodySizes: Int32Array;
  /** Each record's timestamp delta. */
  timestampDeltas: Float64Array;
  /** UTF-8 byte lengths of every header key, in order. */
  headerKeyLengths: number[];
}

/** Validates the records and sizes them. `baseTimestamp` is what deltas are taken from. */
export function measureRecords(records: RecordColumns, baseTimestamp: number): RecordsPlan {
  const { keys, values, headers: allHeaders, timestamps, offsetDeltas } = records;
  const n = values.length;
  const bodySizes = new Int32Array(n);
  const timestampDeltas = new Float64Array(n);
  const headerKeyLengths: number[] = [];
  let size = 0;
  for (let i = 0; i < n; i++) {
    const timestamp = timestamps[i]!;
    if (!Number.isSafeInteger(timestamp)) throw inputError(i, `timestamp ${String(timestamp)} is not a safe integer`);
    const delta = timestamp - baseTimestamp;
    if (!Number.isSafeInteger(delta)) throw inputError(i, `timestamp ${timestamp} is too far from the base timestamp`);
    const offsetDelta = offsetDeltas === undefined ? i : offsetDeltas[i];
    if (offsetDelta === undefined || (offsetDelta | 0) !== offsetDelta) throw inputError(i, `offsetDelta ${String(offsetDelta)} is not an int32`);
    const keyLength = keys === undefined ? -1 : checkBytes(keys[i], i, 'key');
    const valueLength = checkBytes(values[i], i, 'value');
    let body = 1 + sizeOfVarlong(delta) + sizeOfVarint(offsetDelta);
    body += sizeOfVarint(keyLength) + Math.max(0, keyLength) + sizeOfVarint(valueLength) + Math.max(0, valueLength);
    const headers = allHeaders?.[i];
    const headerCount = headers === undefined ? 0 : headers.length;
    body += sizeOfVarint(headerCount);
    for (let h = 0; h < headerCount; h++) {
      const header = headers![h]!;
      if (typeof header.key !== 'string') throw inputError(i, `header ${h} key must be a string`);
      const hk = Buffer.byteLength(header.key, 'utf8');
      headerKeyLengths.push(hk);
      const hv = checkBytes(header.value, i, `header ${h} value`);
      body += sizeOfVarint(hk) + hk + sizeOfVarint(hv) + Math.max(0, hv);
    }
    bodySizes[i] = body;
    timestampDeltas[i] = delta;
    size += sizeOfVarint(body) + body;
  }
  return { size, bodySizes, timestampDeltas, headerKeyLengths };
}

function writeBytes(buf: Buffer, pos: number, bytes: Uint8Array | null | undefined): number {
  if (bytes === null || bytes === undefined) {
    buf[pos] = 1; // zig-zag of -1
    return pos + 1;
  }
  pos = writeVarint(buf, pos, bytes.length);
  buf.set(bytes, pos);
  return pos + bytes.length;
}

/** Writes the records measured in `plan` at `pos`; returns the position after them. */
export function writeRecords(buf: Buffer, pos: number, records: RecordColumns, plan: RecordsPlan): number {
  const { bodySizes, timestampDeltas, headerKeyLengths } = plan;
  const { keys, values, headers: allHeaders, offsetDeltas } = records;
  let keyIndex = 0;
  for (let i = 0; i < values.length; i++) {
    pos = writeVarint(buf, pos, bodySizes[i]!);
    buf[pos++] = 0; // attributes: no record-level attribute is defined
    pos = writeVarlong(buf, pos, timestampDeltas[i]!);
    pos = writeVarint(buf, pos, offsetDeltas === undefined ? i : offsetDeltas[i]!);
    pos = writeBytes(buf, pos, keys?.[i]);
    pos = writeBytes(buf, pos, values[i]);
    const headers = allHeaders?.[i];
    if (headers === undefined || headers.length === 0) {
      buf[pos++] = 0;
      continue;
    }
    pos = writeVarint(buf, pos, headers.length);
    for (let h = 0; h < headers.length; h++) {
      const header = headers[h]!;
      const keyLength = headerKeyLengths[keyIndex++]!;
      pos = writeVarint(buf, pos, keyLength);
      pos += buf.write(header.key, pos, keyLength, 'utf8');
      pos = writeBytes(buf, pos, header.value);
    }
  }
  return pos;
}

// ---------------------------------------------------------------------------
// Decoding.

/** The fewest bytes a record can take: a length byte and six one-byte fields. */
export const MIN_RECORD_SIZE = 7;

/**
 * Decodes the records of one batch, one at a time, from `buf[pos, end)`.
 * Every length and count is checked against the bytes left before it is
 * used, and a malformed record throws KafkaProtocolError. A reader that
 * threw must not be used again.
 */
export class RecordReader {
  private readonly buf: Buffer;
  private pos: number;
  private end: number;
  private left: number;
  private readonly baseTimestamp: number;
  /** Every record's timestamp when the batch uses log append time, else NaN. */
  private readonly fixedTimestamp: number;
  private readonly context: BatchErrorContext;

  constructor(
    buf: Buffer,
    pos: number,
    end: number,
    count: number,
    baseTimestamp: number,
    fixedTimestamp: number,
    context: BatchErrorContext,
  ) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    this.left = count;
    this.baseTimestamp = baseTimestamp;
    this.fixedTimestamp = fixedTimestamp;
    this.context = context;
    if (count === 0) this.checkEnd();
  }

  /** Records not yet read or skipped. */
  get remaining(): number {
    return this.left;
  }

  private fail(message: string, field: string, at = this.pos): never {
    throw new KafkaProtocolError(message, { ...this.context, fieldPath: `records.${field}`, byteOffset: at });
  }

  private checkEnd(): void {
    if (this.pos !== this.end) {
      this.fail(`${this.end - this.pos} bytes are left after the batch's last record`, 'length');
    }
  }

  private varint(field: string): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let u = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= end) this.fail('varint runs past the end of the record', field, this.pos);
      const b = buf[pos++]!;
      u |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return (u >>> 1) ^ -(u & 1);
      }
    }
    return this.fail('varint is longer than 5 bytes', field, this.pos);
  }

  /** A zig-zag varlong as a number (exact within ±2^53). */
  private varlong(field: string): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let low = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) this.fail('varlong runs past the end of the record', field, this.pos);
      const b = buf[pos++]!;
      low |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return (low >>> 1) ^ -(low & 1);
      }
    }
    // Longer than 28 bits: accumulate the rest in floating point.
    let high = 0;
    let scale = 1;
    for (let i = 4; i < 10; i++) {
      if (pos >= end) this.fail('varlong runs past the end of the record', field, this.pos);
      const b = buf[pos++]!;
      high += (i === 9 ? b & 0x01 : b & 0x7f) * scale;
      if (b < 0x80) {
        this.pos = pos;
        const half = (low >>> 1) + high * 2 ** 27;
        return (low & 1) === 0 ? half : -half - 1;
      }
      scale *= 128;
    }
    return this.fail('varlong is longer than 10 bytes', field, this.pos);
  }

  private bytes(field: string): Buffer | null {
    const at = this.pos;
    const length = this.varint(field);
    if (length < 0) {
      if (length === -1) return null;
      this.fail(`length ${length} is negative`, field, at);
    }
    if (length > this.end - this.pos) this.fail(`length ${length} runs past the end of the record`, field, at);
    const start = this.pos;
    this.pos = start + length;
    return this.buf.subarray(start, start + length);
  }

  /** Reads a record's length and returns where it ends; the reader is then on its attributes. */
  private recordEnd(): number {
    if (this.left <= 0) this.fail('the batch has no more records', 'length');
    const at = this.pos;
    const length = this.varint('length');
    if (length < MIN_RECORD_SIZE - 1 || length > this.end - this.pos) {
      this.fail(`record length ${length} does not fit the ${this.end - this.pos} bytes left`, 'length', at);
    }
    return this.pos + length;
  }

  /** Decodes the next record, or returns undefined after the last one. */
  read(): KafkaRecord | undefined {
    if (this.left === 0) return undefined;
    const recordEnd = this.recordEnd();
    const outerEnd = this.end;
    this.end = recordEnd;
    this.pos++; // attributes
    const timestampDelta = this.varlong('timestampDelta');
    const offsetDelta = this.varint('offsetDelta');
    const key = this.bytes('key');
    const value = this.bytes('value');
    const countAt = this.pos;
    const count = this.varint('headers');
    let headers = NO_HEADERS;
    if (count !== 0) {
      // A header takes at least two bytes (two one-byte lengths).
      if (count < 0 || count > (recordEnd - this.pos) / 2) this.fail(`header count ${count} does not fit the record`, 'headers', countAt);
      const list: RecordHeader[] = new Array<RecordHeader>(count);
      for (let h = 0; h < count; h++) {
        const keyAt = this.pos;
        const keyLength = this.varint('headerKey');
        if (keyLength < 0 || keyLength > recordEnd - this.pos) this.fail(`header key length ${keyLength} is invalid`, 'headerKey', keyAt);
        const k = this.buf.toString('utf8', this.pos, this.pos + keyLength);
        this.pos += keyLength;
        list[h] = { key: k, value: this.bytes('headerValue') };
      }
      headers = list;
    }
    if (this.pos !== recordEnd) this.fail(`${recordEnd - this.pos} bytes are left over in the record`, 'length');
    this.end = outerEnd;
    if (--this.left === 0) this.checkEnd();
    const fixed = this.fixedTimestamp;
    return {
      offsetDelta,
      timestamp: fixed === fixed ? fixed : this.baseTimestamp + timestampDelta,
      key,
      value,
      headers,
    };
  }

  /**
   * The offset delta of the next record without moving past it, or undefined
   * after the last one. Only the record's first fields are decoded.
   */
  peekOffsetDelta(): number | undefined {
    if (this.left === 0) return undefined;
    const start = this.pos;
    const outerEnd = this.end;
    this.end = this.recordEnd();
    this.pos++; // attributes
    this.varlong('timestampDelta');
    const offsetDelta = this.varint('offsetDelta');
    this.pos = start;
    this.end = outerEnd;
    return offsetDelta;
  }

  /** Moves past the next record without decoding it; false after the last one. */
  skip(): boolean {
    if (this.left === 0) return false;
    this.pos = this.recordEnd();
    if (--this.left === 0) this.checkEnd();
    return true;
  }

  /**
   * Skips records whose offset delta is below `offsetDelta` (records below a
   * fetch position); returns how many were skipped.
   */
  skipBelow(offsetDelta: number): number {
    let skipped = 0;
    for (let next = this.peekOffsetDelta(); next !== undefined && next < offsetDelta; next = this.peekOffsetDelta()) {
      this.skip();
      skipped++;
    }
    return skipped;
  }

  *[Symbol.iterator](): IterableIterator<KafkaRecord> {
    for (let r = this.read(); r !== undefined; r = this.read()) yield r;
  }
}
