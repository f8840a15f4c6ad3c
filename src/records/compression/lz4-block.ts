/**
 * The LZ4 block format: a run of sequences, each a token byte (literal count
 * in the high nibble, match length minus 4 in the low nibble), optional
 * length extension bytes, the literals, then a 2-byte little-endian match
 * offset and more extension bytes. The last sequence carries literals only.
 *
 * The compressor is a greedy single-probe hash-table matcher: fast, simple,
 * and it always emits blocks that follow the format's end-of-block rules
 * (last 5 bytes are literals, no match starts within the last 12 bytes), so
 * every LZ4 decoder accepts them.
 */
import { malformedError } from './codec.js';

/** Shortest match the format can express. */
const MIN_MATCH = 4;
/** The last this-many bytes of a block are always literals. */
const LAST_LITERALS = 5;
/** No match may start within this many bytes of the block's end. */
const MF_LIMIT = 12;
/** Largest distance a match offset can express. */
const MAX_OFFSET = 65535;

const HASH_BITS = 12;
const HASH_SHIFT = 32 - HASH_BITS;
/** Knuth's multiplicative hashing constant (2^32 divided by the golden ratio). */
const HASH_MULTIPLIER = -1640531535; // 2654435761 as a signed 32-bit number
/** After 2^SKIP_TRIGGER probes without a match the scan starts stepping faster. */
const SKIP_TRIGGER = 6;
/**
 * Blocks longer than twice this are checked once the scan has passed this
 * many bytes: if what they compressed to so far (the pending literals
 * counted at one byte each) is no smaller than their input, the block is given
 * up on (see lz4CompressBlock).
 */
export const LZ4_PROBE_BYTES = 4096;
/** "No probe" (a small integer, so the scan's comparisons stay on small integers). */
export const LZ4_NO_PROBE = 0x7fffffff;

/** Largest output a block of `inputLength` bytes can compress to. */
export function lz4BlockBound(inputLength: number): number {
  return inputLength + Math.floor(inputLength / 255) + 16;
}

/** A hash table for lz4CompressBlock; reusable across blocks of one input. */
export function newLz4HashTable(): Int32Array {
  return new Int32Array(1 << HASH_BITS);
}

/** The hash-table slot of four bytes read as a little-endian word. */
function hashOf(sequence: number): number {
  return Math.imul(sequence, HASH_MULTIPLIER) >>> HASH_SHIFT;
}

/** Writes the extension bytes for a length whose nibble saturated at 15. */
function writeLengthTail(dst: Uint8Array, op: number, rest: number): number {
  while (rest >= 255) {
    dst[op++] = 255;
    rest -= 255;
  }
  dst[op++] = rest;
  return op;
}

function copyBytes(src: Uint8Array, from: number, to: number, dst: Uint8Array, op: number): void {
  const n = to - from;
  // A byte loop beats creating a subarray view for short runs.
  if (n < 64) {
    for (let i = 0; i < n; i++) dst[op + i] = src[from + i]!;
  } else {
    dst.set(src.subarray(from, to), op);
  }
}

/** Emits one sequence: literals src[litStart, litEnd), then a match (if matchLength > 0). */
function writeSequence(
  dst: Uint8Array,
  op: number,
  src: Uint8Array,
  litStart: number,
  litEnd: number,
  offset: number,
  matchLength: number,
): number {
  const litLength = litEnd - litStart;
  const tokenPos = op++;
  let token: number;
  if (litLength >= 15) {
    token = 0xf0;
    op = writeLengthTail(dst, op, litLength - 15);
  } else {
    token = litLength << 4;
  }
  copyBytes(src, litStart, litEnd, dst, op);
  op += litLength;
  if (matchLength > 0) {
    dst[op++] = offset & 0xff;
    dst[op++] = offset >>> 8;
    const code = matchLength - MIN_MATCH;
    if (code >= 15) {
      token |= 15;
      op = writeLengthTail(dst, op, code - 15);
    } else {
      token |= code;
    }
  }
  dst[tokenPos] = token;
  return op;
}

/**
 * Compresses src[start, end) as one independent LZ4 block into dst at `op`,
 * returning the position after it. dst needs lz4BlockBound(end - start)
 * bytes of room. `table` may hold entries from earlier blocks of the same
 * `src`; entries before `start` are ignored, so it never needs clearing
 * between blocks of one input.
 *
 * Returns -1 instead when the block's first LZ4_PROBE_BYTES did not shrink
 * at all (blocks over twice that long only): the caller stores such a block
 * as it is. Data that gives LZ4 nothing in its first 4 KiB (random bytes,
 * random text over a small alphabet, data compressed already) almost never
 * gives it anything in the rest of the block, which the caller would then
 * store as it is anyway; stopping early spares scanning the other 60 KiB.
 */
export function lz4CompressBlock(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  op: number,
  table: Int32Array,
): number {
  // Four bytes in one load: V8 compiles a DataView read to a single machine load, where
  // assembling them from four byte reads took ~40% of the time on text that rarely matches.
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  let anchor = start;
  const lastMatchStart = end - MF_LIMIT;
  const matchEndLimit = end - LAST_LITERALS;
  let ip = start;
  let misses = 0;
  const op0 = op;
  let probeAt = end - start > 2 * LZ4_PROBE_BYTES ? start + LZ4_PROBE_BYTES : LZ4_NO_PROBE;

  while (ip <= lastMatchStart) {
    if (ip >= probeAt) {
      if (op - op0 + (ip - anchor) >= ip - start) return -1;
      probeAt = LZ4_NO_PROBE;
    }
    const sequence = view.getInt32(ip, true);
    const h = hashOf(sequence);
    // Table entries store position + 1, so 0 means empty.
    const ref = table[h]! - 1;
    table[h] = ip + 1;
    if (ref < start || ip - ref > MAX_OFFSET || view.getInt32(ref, true) !== sequence) {
      ip += 1 + (misses++ >>> SKIP_TRIGGER);
      continue;
    }
    misses = 0;

    // Grow the match backwards over literals that also match.
    let matchStart = ip;
    let refStart = ref;
    while (matchStart > anchor && refStart > start && src[matchStart - 1] === src[refStart - 1]) {
      matchStart--;
      refStart--;
    }
    // And forwards, stopping where the trailing literals must begin.
    let matchEnd = ip + MIN_MATCH;
    let refEnd = ref + MIN_MATCH;
    while (matchEnd + 4 <= matchEndLimit && view.getInt32(matchEnd, true) === view.getInt32(refEnd, true)) {
      matchEnd += 4;
      refEnd += 4;
    }
    while (matchEnd < matchEndLimit && src[matchEnd] === src[refEnd]) {
      matchEnd++;
      refEnd++;
    }

    op = writeSequence(dst, op, src, anchor, matchStart, matchStart - refStart, matchEnd - matchStart);
    ip = matchEnd;
    anchor = ip;
    // Index a position inside the match just emitted, which helps the next probe.
    if (ip - 2 > start && ip - 2 <= lastMatchStart) table[hashOf(view.getInt32(ip - 2, true))] = ip - 2 + 1;
  }

  return writeSequence(dst, op, src, anchor, end, 0, 0);
}

function fail(detail: string, at: number): never {
  throw malformedError('lz4', 'block', detail, at);
}

/**
 * Decodes one LZ4 block src[ip, ipEnd) into dst starting at `op`. Matches may
 * reach back to `windowStart` (the block's own start for independent blocks,
 * or the frame's first output byte for linked blocks). Returns the output
 * position after the block, or -1 when the block would write past `opLimit`
 * (the caller decides which limit that was). Any malformed input throws a
 * KafkaProtocolError whose byte offset is `ip` plus `offsetBase`.
 *
 * Every loop consumes at least one input byte, so the running time is linear
 * in the input plus the output, and the output is bounded by `opLimit`.
 */
export function lz4DecompressBlock(
  src: Uint8Array,
  ip: number,
  ipEnd: number,
  dst: Uint8Array,
  windowStart: number,
  op: number,
  opLimit: number,
  offsetBase = 0,
): number {
  for (;;) {
    if (ip >= ipEnd) fail('block ends where a sequence token was expected', ip + offsetBase);
    const token = src[ip++]!;

    let litLength = token >>> 4;
    if (litLength === 15) {
      let b: number;
      do {
        if (ip >= ipEnd) fail('literal length runs past the end of the block', ip + offsetBase);
        b = src[ip++]!;
        litLength += b;
      } while (b === 255);
    }
    if (litLength > ipEnd - ip) fail(`literal run of ${litLength} bytes runs past the end of the block`, ip + offsetBase);
    if (litLength > opLimit - op) return -1;
    copyBytes(src, ip, ip + litLength, dst, op);
    ip += litLength;
    op += litLength;

    // A sequence that ends exactly at the block's end is the last one.
    if (ip === ipEnd) return op;

    if (ipEnd - ip < 2) fail('match offset is cut off by the end of the block', ip + offsetBase);
    const offset = src[ip]! | (src[ip + 1]! << 8);
    if (offset === 0) fail('match offset is zero', ip + offsetBase);
    if (offset > op - windowStart) fail(`match offset ${offset} reaches before the start of the output`, ip + offsetBase);
    ip += 2;

    let matchLength = token & 15;
    if (matchLength === 15) {
      let b: number;
      do {
        if (ip >= ipEnd) fail('match length runs past the end of the block', ip + offsetBase);
        b = src[ip++]!;
        matchLength += b;
      } while (b === 255);
    }
    matchLength += MIN_MATCH;
    if (matchLength > opLimit - op) return -1;

    const from = op - offset;
    if (matchLength <= 16) {
      // Short matches: a byte loop, which also handles overlap correctly.
      for (let i = 0; i < matchLength; i++) dst[op + i] = dst[from + i]!;
      op += matchLength;
    } else if (offset === 1) {
      dst.fill(dst[from]!, op, op + matchLength);
      op += matchLength;
    } else {
      // Copy in chunks no longer than the gap to the source, so each chunk
      // reads only bytes already written; the gap doubles each time.
      const matchEnd = op + matchLength;
      while (op < matchEnd) {
        const n = Math.min(op - from, matchEnd - op);
        dst.copyWithin(op, from, from + n);
        op += n;
      }
    }
  }
}
