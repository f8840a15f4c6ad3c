import { KafkaProtocolError } from '../errors.js';
import { uuidFromBytes } from './uuid.js';

/** Where a Reader is reading, for error messages. */
export interface ReaderContext {
  api?: string;
  version?: number;
}

/**
 * A bounds-checked cursor over a byte range. Every length and count is checked
 * against the bytes that are left before anything is allocated, so hostile or
 * truncated input gives a KafkaProtocolError naming the field and byte offset,
 * never a RangeError, a hang or a huge allocation. Byte fields are returned as
 * subarrays of the input (zero copy).
 *
 * The optional `field` argument of each method is only used in error messages.
 */
export class Reader {
  readonly buf: Buffer;
  offset: number;
  readonly end: number;
  context: ReaderContext;

  constructor(buf: Uint8Array, offset = 0, end = buf.length, context: ReaderContext = {}) {
    this.buf = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    this.offset = offset;
    this.end = end;
    this.context = context;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  fail(message: string, field?: string, at = this.offset): never {
    throw new KafkaProtocolError(message, { ...this.context, fieldPath: field, byteOffset: at });
  }

  private need(n: number, field: string | undefined): number {
    const at = this.offset;
    if (n > this.end - at) this.fail(`needs ${n} bytes but only ${this.end - at} are left`, field);
    this.offset = at + n;
    return at;
  }

  int8(field?: string): number {
    return this.buf.readInt8(this.need(1, field));
  }

  bool(field?: string): boolean {
    return this.buf[this.need(1, field)] !== 0;
  }

  int16(field?: string): number {
    return this.buf.readInt16BE(this.need(2, field));
  }

  uint16(field?: string): number {
    return this.buf.readUInt16BE(this.need(2, field));
  }

  int32(field?: string): number {
    return this.buf.readInt32BE(this.need(4, field));
  }

  uint32(field?: string): number {
    return this.buf.readUInt32BE(this.need(4, field));
  }

  int64(field?: string): bigint {
    return this.buf.readBigInt64BE(this.need(8, field));
  }

  float64(field?: string): number {
    return this.buf.readDoubleBE(this.need(8, field));
  }

  uuid(field?: string): string {
    const at = this.need(16, field);
    return uuidFromBytes(this.buf, at);
  }

  /** Unsigned LEB128, at most 5 bytes, value below 2^32. */
  uvarint(field?: string): number {
    const start = this.offset;
    const end = this.end;
    const buf = this.buf;
    let value = 0;
    // Bytes 1-4 fit a 28-bit value, so plain shifts are exact; the fifth adds the top 4 bits.
    for (let shift = 0; shift < 28; shift += 7) {
      if (this.offset >= end) this.fail('varint runs past the end of the data', field, start);
      const b = buf[this.offset++] as number;
      value |= (b & 0x7f) << shift;
      if (b < 0x80) return value;
    }
    if (this.offset >= end) this.fail('varint runs past the end of the data', field, start);
    const b = buf[this.offset++] as number;
    if (b > 0x0f) this.fail(b & 0x80 ? 'unsigned varint longer than 5 bytes' : 'unsigned varint does not fit in 32 bits', field, start);
    return value + b * 0x10000000;
  }

  /** Zig-zag signed 32-bit varint (record fields). */
  varint(field?: string): number {
    const u = this.uvarint(field);
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Zig-zag signed 64-bit varint, as a number when it is safe, else exact bigint conversion. */
  varlong(field?: string): bigint {
    let value = 0n;
    let shift = 0n;
    const start = this.offset;
    for (let i = 0; i < 10; i++) {
      if (this.offset >= this.end) this.fail('varlong runs past the end of the data', field, start);
      const b = this.buf[this.offset++] as number;
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return (value >> 1n) ^ -(value & 1n);
      shift += 7n;
    }
    return this.fail('varlong longer than 10 bytes', field, start);
  }

  private text(len: number, field: string | undefined): string {
    const at = this.need(len, field);
    return this.buf.toString('utf8', at, at + len);
  }

  /** int16 length; -1 is null. */
  nullableString(field?: string): string | null {
    const len = this.int16(field);
    if (len === -1) return null;
    if (len < 0) this.fail(`string length ${len} is negative`, field, this.offset - 2);
    return this.text(len, field);
  }

  string(field?: string): string {
    const s = this.nullableString(field);
    if (s === null) this.fail('null where a string is required', field, this.offset - 2);
    return s;
  }

  /** Unsigned varint length + 1; 0 is null. */
  compactNullableString(field?: string): string | null {
    const n = this.uvarint(field);
    if (n === 0) return null;
    return this.text(n - 1, field);
  }

  compactString(field?: string): string {
    const start = this.offset;
    const s = this.compactNullableString(field);
    if (s === null) this.fail('null where a string is required', field, start);
    return s;
  }

  private slice(len: number, field: string | undefined): Buffer {
    const at = this.need(len, field);
    return this.buf.subarray(at, at + len);
  }

  /** int32 length; -1 is null. The result shares memory with the input. */
  nullableBytes(field?: string): Buffer | null {
    const len = this.int32(field);
    if (len === -1) return null;
    if (len < 0) this.fail(`byte length ${len} is negative`, field, this.offset - 4);
    return this.slice(len, field);
  }

  bytes(field?: string): Buffer {
    const b = this.nullableBytes(field);
    if (b === null) this.fail('null where bytes are required', field, this.offset - 4);
    return b;
  }

  compactNullableBytes(field?: string): Buffer | null {
    const n = this.uvarint(field);
    if (n === 0) return null;
    return this.slice(n - 1, field);
  }

  compactBytes(field?: string): Buffer {
    const start = this.offset;
    const b = this.compactNullableBytes(field);
    if (b === null) this.fail('null where bytes are required', field, start);
    return b;
  }

  /** Raw bytes of a known length (zero copy). */
  raw(len: number, field?: string): Buffer {
    return this.slice(len, field);
  }

  /**
   * An array's element count: int32 (-1 null) or, compact, unsigned varint
   * count + 1 (0 null). Each element takes at least one byte... except in
   * degenerate schemas, so a count above the bytes left is refused: this is
   * what stops a forged count from allocating or looping without bound.
   */
  arrayLength(compact: boolean, field?: string): number {
    const start = this.offset;
    let n: number;
    if (compact) {
      n = this.uvarint(field) - 1;
    } else {
      n = this.int32(field);
      if (n < -1) this.fail(`array length ${n} is negative`, field, start);
    }
    if (n > this.end - this.offset) this.fail(`array of ${n} elements cannot fit in the ${this.end - this.offset} bytes left`, field, start);
    return n;
  }

  /** A reader over the next len bytes (a tagged field's value); this one moves past them. */
  sub(len: number, field?: string): Reader {
    const at = this.need(len, field);
    return new Reader(this.buf, at, at + len, this.context);
  }

  /** Fails unless every byte of this reader's range was consumed. */
  expectEnd(field?: string): void {
    if (this.offset !== this.end) this.fail(`${this.end - this.offset} bytes left over after the value`, field);
  }

  /** Skips n bytes (unknown tagged fields a caller does not keep). */
  skip(n: number, field?: string): void {
    this.need(n, field);
  }
}
