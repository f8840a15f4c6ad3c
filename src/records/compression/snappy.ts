/**
 * snappy (Kafka compression type 2).
 *
 * The Java client wraps snappy in snappy-java's stream format ("xerial"
 * framing): an 8-byte magic (0x82 "SNAPPY" 0x00), a big-endian int32 format
 * version and an int32 minimum compatible version (both 1), then chunks of a
 * big-endian int32 length followed by one raw snappy block. Each chunk holds
 * at most 32 KiB of input, snappy-java's default block size. Some other
 * clients store a single raw snappy block instead; Java reads both, and so do
 * we: input that does not start with the magic is read as one raw block.
 *
 * The snappy block itself is encoded and decoded by snappyjs. snappyjs trusts
 * its input (a hostile length can send it backwards through the buffer for a
 * very long time, and writes past its output are silently dropped), so every
 * block is first walked here: each element's bounds, each copy's offset and
 * the total length are checked, and snappyjs only ever sees a block that is
 * known to be well formed and to fit the output bound.
 */
import * as snappyjs from 'snappyjs';
import { KafkaConfigError } from '../../errors.js';
import { checkMaxOutputBytes, malformedError, outputLimitError, withTransientCompress, type CompressionCodec } from './codec.js';

/** snappy-java's stream magic. */
export const XERIAL_MAGIC: Readonly<Uint8Array> = Uint8Array.of(0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00);
/** Magic plus the two int32 version fields. */
const XERIAL_HEADER_LENGTH = 16;
/** snappy-java's default block size: the input bytes per chunk. */
export const XERIAL_BLOCK_SIZE = 32 * 1024;

/** Largest length snappyjs reads correctly (it decodes the preamble into a signed int32). */
const MAX_BLOCK_OUTPUT = 0x7fffffff;

export type SnappyFraming = 'xerial' | 'raw';

export interface SnappyCodecOptions {
  /** Output form: 'xerial' (default, what the Java client writes) or one raw block. */
  framing?: SnappyFraming;
}

function startsWithMagic(data: Uint8Array, pos: number): boolean {
  if (data.length - pos < XERIAL_MAGIC.length) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (data[pos + i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

function fail(part: string, detail: string, at: number): never {
  throw malformedError('snappy', part, detail, at);
}

/** Compresses `data` as one raw snappy block. */
export function snappyCompressRaw(data: Uint8Array): Buffer {
  const block = snappyjs.compress(toPlainUint8Array(data));
  return Buffer.from(block.buffer, block.byteOffset, block.byteLength);
}

/** Compresses `data` in snappy-java's stream format, chunk for chunk as the Java client does. */
export function snappyCompressXerial(data: Uint8Array): Buffer {
  const parts: Uint8Array[] = [];
  const header = Buffer.alloc(XERIAL_HEADER_LENGTH);
  header.set(XERIAL_MAGIC, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  parts.push(header);
  let total = XERIAL_HEADER_LENGTH;
  const plain = toPlainUint8Array(data);
  for (let start = 0; start < plain.length; start += XERIAL_BLOCK_SIZE) {
    const block = snappyjs.compress(plain.subarray(start, Math.min(start + XERIAL_BLOCK_SIZE, plain.length)));
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length, 0);
    parts.push(length, block);
    total += 4 + block.length;
  }
  return Buffer.concat(parts, total);
}

/**
 * Decompresses snappy data in either form (xerial-framed or one raw block),
 * refusing to produce more than `maxOutputBytes` bytes.
 */
export function snappyDecompress(data: Uint8Array, maxOutputBytes: number): Buffer {
  checkMaxOutputBytes('snappy', maxOutputBytes);
  if (!startsWithMagic(data, 0)) {
    const block = decodeBlock(data, 0, data.length, maxOutputBytes, maxOutputBytes);
    return Buffer.from(block.buffer, block.byteOffset, block.byteLength);
  }

  const parts: Uint8Array[] = [];
  let total = 0;
  let pos = 0;
  while (pos < data.length) {
    // snappy-java also reads streams glued together, so a header may recur.
    if (startsWithMagic(data, pos)) {
      if (data.length - pos < XERIAL_HEADER_LENGTH) fail('header', 'stream header is cut off', pos);
      pos += XERIAL_HEADER_LENGTH;
      continue;
    }
    if (data.length - pos < 4) fail('chunk', `chunk length needs 4 bytes, ${data.length - pos} left`, pos);
    const length = ((data[pos]! << 24) | (data[pos + 1]! << 16) | (data[pos + 2]! << 8) | data[pos + 3]!) >>> 0;
    if (length === 0) fail('chunk', 'chunk is empty', pos);
    if (length > data.length - pos - 4) fail('chunk', `chunk of ${length} bytes runs past the input`, pos);
    pos += 4;
    const block = decodeBlock(data, pos, pos + length, maxOutputBytes - total, maxOutputBytes);
    parts.push(block);
    total += block.length;
    pos += length;
  }
  return Buffer.concat(parts, total);
}

/**
 * Checks the raw snappy block data[start, end) completely, then lets
 * snappyjs decode it. `budget` is how many output bytes are still allowed.
 */
function decodeBlock(data: Uint8Array, start: number, end: number, budget: number, maxOutputBytes: number): Uint8Array {
  // The preamble: the uncompressed length as a little-endian base-128
  // varint of at most 5 bytes, the fifth holding only the top 4 bits.
  let pos = start;
  let declared = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= end) fail('preamble', 'uncompressed length is cut off', pos);
    const b = data[pos++]!;
    if (shift === 28 && b > 0x0f) fail('preamble', 'uncompressed length does not fit 32 bits', pos - 1);
    declared += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (declared > budget) throw outputLimitError('snappy', maxOutputBytes, start);
  if (declared > MAX_BLOCK_OUTPUT) fail('preamble', `uncompressed length ${declared} is too large`, start);

  // Walk every element, tracking how much output it would have produced.
  let produced = 0;
  while (pos < end) {
    const tagAt = pos;
    const tag = data[pos++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let length = (tag >>> 2) + 1;
      if (length > 60) {
        // 61..64 mean the length minus one follows in 1..4 little-endian bytes.
        const extra = length - 60;
        if (end - pos < extra) fail('block', 'literal length is cut off', tagAt);
        length = 0;
        for (let i = 0; i < extra; i++) length += data[pos + i]! * 2 ** (8 * i);
        length += 1;
        pos += extra;
      }
      if (length > end - pos) fail('block', `literal of ${length} bytes runs past the block`, tagAt);
      if (length > declared - produced) fail('block', 'data is longer than its declared length', tagAt);
      pos += length;
      produced += length;
      continue;
    }
    let length: number;
    let offset: number;
    if (kind === 1) {
      if (end - pos < 1) fail('block', 'copy offset is cut off', tagAt);
      length = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | data[pos]!;
      pos += 1;
    } else if (kind === 2) {
      if (end - pos < 2) fail('block', 'copy offset is cut off', tagAt);
      length = (tag >>> 2) + 1;
      offset = data[pos]! | (data[pos + 1]! << 8);
      pos += 2;
    } else {
      if (end - pos < 4) fail('block', 'copy offset is cut off', tagAt);
      length = (tag >>> 2) + 1;
      offset = (data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16) | (data[pos + 3]! << 24)) >>> 0;
      pos += 4;
    }
    if (offset === 0) fail('block', 'copy offset is zero', tagAt);
    if (offset > produced) fail('block', `copy offset ${offset} reaches before the start of the output`, tagAt);
    if (length > declared - produced) fail('block', 'data is longer than its declared length', tagAt);
    produced += length;
  }
  if (produced !== declared) fail('block', `block declares ${declared} bytes but holds ${produced}`, start);

  try {
    return snappyjs.uncompress(toPlainUint8Array(data.subarray(start, end)), declared);
  } catch (err) {
    // Not expected after the walk above; kept so nothing but a KafkaError escapes.
    throw malformedError('snappy', 'block', err instanceof Error ? err.message : String(err), start, err);
  }
}

/**
 * A Uint8Array view of the same bytes that is not a Buffer, so snappyjs
 * works in its Uint8Array mode (no zero-filling, no copy of the input).
 */
function toPlainUint8Array(data: Uint8Array): Uint8Array {
  return Buffer.isBuffer(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : data;
}

/** A snappy codec writing the given framing; reading always accepts both. */
export function createSnappyCodec(options: SnappyCodecOptions = {}): CompressionCodec {
  const framing = options.framing ?? 'xerial';
  if (framing !== 'xerial' && framing !== 'raw') {
    throw new KafkaConfigError(`snappy: framing must be "xerial" or "raw", got ${String(framing)}`);
  }
  const compress = framing === 'xerial' ? snappyCompressXerial : snappyCompressRaw;
  // A fresh buffer each time, and snappyjs keeps nothing of the input.
  return withTransientCompress({ id: 2, name: 'snappy', compress, decompress: snappyDecompress }, compress);
}

/** The built-in snappy codec, writing snappy-java's stream format as the Java client does. */
export const snappyCodec: CompressionCodec = createSnappyCodec();
