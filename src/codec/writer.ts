import { uuidToBytes } from './uuid.js';

/**
 * A growable big-endian byte writer. It starts from one buffer and doubles it
 * when full, so encoding a message costs O(size) with a handful of
 * allocations; `finish()` hands back a view of the written bytes.
 * Varints are written in place: no allocation per field.
 */
export class Writer {
  buf: Buffer;
  offset = 0;
  /** Byte arrays raw() kept by reference, each after the writer's own bytes before it (null: none yet). */
  private shared: Uint8Array[] | null = null;
  /** Where the writer's own bytes after the last shared array begin in buf. */
  private ownStart = 0;
  private sharedBytes = 0;

  /**
   * @param shareFrom raw() keeps byte arrays of at least this many bytes by
   *   reference instead of copying them; only finishParts() then has every
   *   byte. For request frames, whose record batches are not changed after
   *   they are encoded (a retry sends the same bytes), so the socket can
   *   write them where they are.
   */
  constructor(
    initialSize = 256,
    private readonly shareFrom = Infinity,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialSize));
  }

  /** Bytes written so far, shared arrays included. */
  get length(): number {
    return this.offset + this.sharedBytes;
  }

  /** Every byte written, in order: the writer's own bytes and the arrays raw() shared (none empty). */
  finishParts(): Uint8Array[] {
    const own = this.buf.subarray(this.ownStart, this.offset);
    if (this.shared === null) return [own];
    return own.length > 0 ? [...this.shared, own] : this.shared.slice();
  }

  private room(n: number): void {
    const need = this.offset + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.offset);
    this.buf = next;
  }

  /** The bytes written so far (shares memory with the writer). Not for a writer that shared arrays: see finishParts(). */
  finish(): Buffer {
    if (this.shared !== null) throw new Error('Writer.finish(): this writer kept byte arrays by reference; use finishParts()');
    return this.buf.subarray(0, this.offset);
  }

  int8(v: number): void {
    this.room(1);
    this.offset = this.buf.writeInt8(v, this.offset);
  }

  bool(v: boolean): void {
    this.room(1);
    this.buf[this.offset++] = v ? 1 : 0;
  }

  int16(v: number): void {
    this.room(2);
    this.offset = this.buf.writeInt16BE(v, this.offset);
  }

  uint16(v: number): void {
    this.room(2);
    this.offset = this.buf.writeUInt16BE(v, this.offset);
  }

  int32(v: number): void {
    this.room(4);
    this.offset = this.buf.writeInt32BE(v, this.offset);
  }

  uint32(v: number): void {
    this.room(4);
    this.offset = this.buf.writeUInt32BE(v, this.offset);
  }

  int64(v: bigint): void {
    this.room(8);
    this.offset = this.buf.writeBigInt64BE(BigInt.asIntN(64, v), this.offset);
  }

  float64(v: number): void {
    this.room(8);
    this.offset = this.buf.writeDoubleBE(v, this.offset);
  }

  uuid(v: string): void {
    this.room(16);
    uuidToBytes(v, this.buf, this.offset);
    this.offset += 16;
  }

  /** Unsigned LEB128 of a value in [0, 2^32). */
  uvarint(v: number): void {
    this.room(5);
    let x = v >>> 0;
    while (x > 0x7f) {
      this.buf[this.offset++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[this.offset++] = x;
  }

  /** Zig-zag signed 32-bit varint. */
  varint(v: number): void {
    this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  /** Zig-zag signed 64-bit varint. */
  varlong(v: bigint): void {
    this.room(10);
    let x = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    while (x > 0x7fn) {
      this.buf[this.offset++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.offset++] = Number(x);
  }

  raw(b: Uint8Array): void {
    if (b.length >= this.shareFrom) {
      const shared = (this.shared ??= []);
      if (this.offset > this.ownStart) shared.push(this.buf.subarray(this.ownStart, this.offset));
      shared.push(b);
      this.ownStart = this.offset;
      this.sharedBytes += b.length;
      return;
    }
    this.room(b.length);
    this.buf.set(b, this.offset);
    this.offset += b.length;
  }

  private utf8(s: string, len: number): void {
    this.room(len);
    this.offset += this.buf.write(s, this.offset, len, 'utf8');
  }

  /** int16 length prefix; null as -1. */
  string(s: string | null): void {
    if (s === null) return this.int16(-1);
    const len = Buffer.byteLength(s, 'utf8');
    if (len > 0x7fff) throw new RangeError(`string of ${len} bytes is longer than the 32767 a Kafka string can hold`);
    this.int16(len);
    this.utf8(s, len);
  }

  /** Unsigned varint length + 1; null as 0. */
  compactString(s: string | null): void {
    if (s === null) return this.uvarint(0);
    const len = Buffer.byteLength(s, 'utf8');
    this.uvarint(len + 1);
    this.utf8(s, len);
  }

  /** int32 length prefix; null as -1. */
  bytes(b: Uint8Array | null): void {
    if (b === null) return this.int32(-1);
    this.int32(b.length);
    this.raw(b);
  }

  compactBytes(b: Uint8Array | null): void {
    if (b === null) return this.uvarint(0);
    this.uvarint(b.length + 1);
    this.raw(b);
  }

  /** An array's element count: int32 (null -1) or compact (count + 1, null 0). */
  arrayLength(n: number | null, compact: boolean): void {
    if (compact) this.uvarint(n === null ? 0 : n + 1);
    else this.int32(n === null ? -1 : n);
  }
}
