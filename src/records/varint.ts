/**
 * Zig-zag varints (int32) and varlongs (int64) of record fields, written in
 * place with plain number maths: no BigInt and no allocation. A varlong
 * takes any safe integer and is exact; the records' reader decodes them.
 */

function sizeOfUvarint(u: number): number {
  return u < 0x80 ? 1 : u < 0x4000 ? 2 : u < 0x200000 ? 3 : u < 0x10000000 ? 4 : 5;
}

/** Bytes taken by the zig-zag varint of the int32 `v`. */
export function sizeOfVarint(v: number): number {
  return sizeOfUvarint(((v << 1) ^ (v >> 31)) >>> 0);
}

/** Bytes taken by the zig-zag varlong of the safe integer `v`. */
export function sizeOfVarlong(v: number): number {
  if ((v | 0) === v) return sizeOfUvarint(((v << 1) ^ (v >> 31)) >>> 0);
  // Outside int32 the zig-zag value is at least 2^32: five bytes or more.
  // Rounding of u above 2^53 cannot cross a 7-bit boundary (the next is 2^56).
  const u = v < 0 ? -2 * v - 1 : 2 * v;
  let size = 5;
  for (let limit = 2 ** 35; u >= limit && size < 10; limit *= 128) size++;
  return size;
}

/** Writes the unsigned LEB128 of `u` (below 2^32) at `pos`; returns the position after it. */
export function writeUvarint(buf: Uint8Array, pos: number, u: number): number {
  while (u >= 0x80) {
    buf[pos++] = (u & 0x7f) | 0x80;
    u >>>= 7;
  }
  buf[pos++] = u;
  return pos;
}

/** Writes the zig-zag varint of the int32 `v`; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, v: number): number {
  return writeUvarint(buf, pos, ((v << 1) ^ (v >> 31)) >>> 0);
}

/** Writes the zig-zag varlong of the safe integer `v`, exactly; returns the position after it. */
export function writeVarlong(buf: Uint8Array, pos: number, v: number): number {
  if ((v | 0) === v) return writeUvarint(buf, pos, ((v << 1) ^ (v >> 31)) >>> 0);
  // Zig-zag is 2|v| for v >= 0 and 2|v| - 1 below; work on it as two 32-bit halves.
  const negative = v < 0;
  const magnitude = negative ? -v : v;
  let hi = Math.floor(magnitude / 4294967296);
  let lo = magnitude >>> 0;
  hi = hi * 2 + (lo >>> 31);
  lo = (lo << 1) >>> 0;
  if (negative) {
    if (lo === 0) {
      lo = 0xffffffff;
      hi -= 1;
    } else {
      lo -= 1;
    }
  }
  while (hi > 0 || lo >= 0x80) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  buf[pos++] = lo;
  return pos;
}
