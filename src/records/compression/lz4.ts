/**
 * The LZ4 frame format, which is what Kafka's "lz4" compression type stores.
 *
 * A frame is: magic 0x184D2204 (little-endian), a frame descriptor (FLG byte,
 * BD byte, optional 8-byte content size, optional 4-byte dictionary id, and a
 * header checksum byte: bits 8..15 of the XXH32 of the descriptor), then
 * blocks (a 4-byte little-endian size whose top bit means "stored
 * uncompressed", the data, and an optional XXH32 of the data), a zero size
 * as end mark, and an optional XXH32 of the whole content.
 *
 * The Java client writes version 01, independent blocks, 64 KB maximum block
 * size (BD 0x40), and no content size, block checksums or content checksum;
 * blocks that do not shrink are stored uncompressed. lz4FrameCompress writes
 * exactly that layout by default. It also stores a block as it is when the
 * block compressor gives up on it after its first 4 KiB (see lz4CompressBlock),
 * which the Java client would have compressed in full, only to store it anyway.
 *
 * Kafka's magic-0 message sets used a header checksum computed over the magic
 * number as well as the descriptor. `legacyHeaderChecksum` writes that form,
 * and on reading accepts it alongside the standard one (the Java client skips
 * the check altogether for those messages).
 */
import { KeptBuffer } from '../../codec/kept-buffer.js';
import { KafkaConfigError, UnsupportedCompressionError } from '../../errors.js';
import {
  checkMaxOutputBytes,
  malformedError,
  outputLimitError,
  withTransientCompress,
  type CompressionCodec,
} from './codec.js';
import { lz4BlockBound, lz4CompressBlock, lz4DecompressBlock, newLz4HashTable } from './lz4-block.js';
import { createWasmLz4, LZ4_WASM_MAX_BLOCK, type Lz4BlockCompressor } from './lz4-wasm.js';
import { xxhash32 } from './xxhash32.js';

export const LZ4_FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC_MIN = 0x184d2a50;
const SKIPPABLE_MAGIC_MAX = 0x184d2a5f;
const UNCOMPRESSED_BIT = 0x80000000;

const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_INDEPENDENCE = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_RESERVED = 0x02;
const FLG_DICT_ID = 0x01;

/** Block maximum sizes the BD byte can name, by its 3-bit code. */
const BLOCK_SIZE_CODES: ReadonlyMap<number, number> = new Map([
  [4, 64 * 1024],
  [5, 256 * 1024],
  [6, 1024 * 1024],
  [7, 4 * 1024 * 1024],
]);

export type Lz4BlockMaxSize = 65536 | 262144 | 1048576 | 4194304;

export interface Lz4FrameWriteOptions {
  /** Maximum uncompressed bytes per block. Default 65536, as Kafka. */
  blockMaxSize?: Lz4BlockMaxSize;
  /** Append an XXH32 after every block. Default false, as Kafka. */
  blockChecksum?: boolean;
  /** Append an XXH32 of the whole content. Default false, as Kafka. */
  contentChecksum?: boolean;
  /** Record the content size in the header. Default false, as Kafka. */
  contentSize?: boolean;
  /** Write the header checksum of Kafka's magic-0 messages. Default false. */
  legacyHeaderChecksum?: boolean;
}

export interface Lz4FrameReadOptions {
  /** Also accept the header checksum of Kafka's magic-0 messages. Default false. */
  legacyHeaderChecksum?: boolean;
}

function readU32LE(data: Uint8Array, i: number): number {
  return (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) >>> 0;
}

function writeU32LE(data: Uint8Array, i: number, value: number): void {
  data[i] = value & 0xff;
  data[i + 1] = (value >>> 8) & 0xff;
  data[i + 2] = (value >>> 16) & 0xff;
  data[i + 3] = (value >>> 24) & 0xff;
}

function headerChecksum(data: Uint8Array, frameStart: number, hcPos: number, legacy: boolean): number {
  return (xxhash32(data, 0, legacy ? frameStart : frameStart + 4, hcPos) >>> 8) & 0xff;
}

/** The WebAssembly block compressor (same output, faster), made on first use; null where WebAssembly cannot run. */
let wasmBlock: Lz4BlockCompressor | null | undefined;

function wasmCompressor(): Lz4BlockCompressor | null {
  if (wasmBlock === undefined) wasmBlock = createWasmLz4();
  return wasmBlock;
}

/** Which block compressor lz4FrameCompress uses for blocks of up to 64 KiB. */
export function lz4CompressorImplementation(): 'wasm' | 'js' {
  return wasmCompressor() === null ? 'js' : 'wasm';
}

/** Compresses `data` into one LZ4 frame. */
export function lz4FrameCompress(data: Uint8Array, options: Lz4FrameWriteOptions = {}): Buffer {
  return frameCompress(data, options, fastFor(options), Buffer.allocUnsafe);
}

/** lz4FrameCompress into a buffer reused by the next call: the result is valid until then. */
export function lz4FrameCompressTransient(data: Uint8Array, options: Lz4FrameWriteOptions = {}): Buffer {
  return frameCompress(data, options, fastFor(options), (size) => transientOutput.take(size));
}

/** lz4FrameCompress through the JavaScript block compressor only (the fallback, and an oracle for tests). */
export function lz4FrameCompressJs(data: Uint8Array, options: Lz4FrameWriteOptions = {}): Buffer {
  return frameCompress(data, options, null, Buffer.allocUnsafe);
}

function fastFor(options: Lz4FrameWriteOptions): Lz4BlockCompressor | null {
  return (options.blockMaxSize ?? 65536) <= LZ4_WASM_MAX_BLOCK ? wasmCompressor() : null;
}

/** The output of lz4FrameCompressTransient, kept between calls. */
const transientOutput = new KeptBuffer();

function frameCompress(
  data: Uint8Array,
  options: Lz4FrameWriteOptions,
  fast: Lz4BlockCompressor | null,
  allocate: (size: number) => Buffer,
): Buffer {
  const blockMax = options.blockMaxSize ?? 65536;
  let bdCode: number | undefined;
  for (const [code, size] of BLOCK_SIZE_CODES) if (size === blockMax) bdCode = code;
  if (bdCode === undefined) {
    throw new KafkaConfigError(`lz4: blockMaxSize must be 64, 256, 1024 or 4096 KiB, got ${String(blockMax)}`);
  }
  const blockChecksum = options.blockChecksum === true;
  const contentChecksum = options.contentChecksum === true;
  const contentSize = options.contentSize === true;

  const blockCount = Math.ceil(data.length / blockMax);
  const perBlockOverhead = 4 + (blockChecksum ? 4 : 0);
  const bound =
    7 + (contentSize ? 8 : 0) + blockCount * perBlockOverhead + lz4BlockBound(data.length) + blockCount * 16 + 4 + 4;
  const out = allocate(bound);

  writeU32LE(out, 0, LZ4_FRAME_MAGIC);
  out[4] =
    FLG_VERSION_01 |
    FLG_BLOCK_INDEPENDENCE |
    (blockChecksum ? FLG_BLOCK_CHECKSUM : 0) |
    (contentSize ? FLG_CONTENT_SIZE : 0) |
    (contentChecksum ? FLG_CONTENT_CHECKSUM : 0);
  out[5] = bdCode << 4;
  let op = 6;
  if (contentSize) {
    writeU32LE(out, op, data.length >>> 0);
    writeU32LE(out, op + 4, Math.floor(data.length / 0x100000000));
    op += 8;
  }
  out[op] = headerChecksum(out, 0, op, options.legacyHeaderChecksum === true);
  op += 1;

  const table = newLz4HashTable();
  for (let start = 0; start < data.length; start += blockMax) {
    const end = Math.min(start + blockMax, data.length);
    const rawLength = end - start;
    const blockStart = op + 4;
    let blockEnd = fast ? fast(data, start, end, out, blockStart) : lz4CompressBlock(data, start, end, out, blockStart, table);
    let sizeWord = blockEnd - blockStart;
    // Like the Java client, store the block as it is when compressing did not shrink it
    // (or was given up on: blockEnd -1).
    if (blockEnd < 0 || sizeWord >= rawLength) {
      out.set(data.subarray(start, end), blockStart);
      blockEnd = blockStart + rawLength;
      sizeWord = (rawLength | UNCOMPRESSED_BIT) >>> 0;
    }
    writeU32LE(out, op, sizeWord);
    op = blockEnd;
    if (blockChecksum) {
      writeU32LE(out, op, xxhash32(out, 0, blockStart, blockEnd));
      op += 4;
    }
  }

  writeU32LE(out, op, 0);
  op += 4;
  if (contentChecksum) {
    writeU32LE(out, op, xxhash32(data));
    op += 4;
  }
  return out.subarray(0, op);
}

/** A growable output buffer that never grows past a fixed limit. */
class BoundedOutput {
  buf: Buffer;
  length = 0;

  constructor(
    initial: number,
    readonly limit: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.min(initial, limit));
  }

  /** Makes room for at least `needed` bytes in total (needed <= limit). */
  reserve(needed: number): void {
    if (needed <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.min(this.limit, Math.max(needed, this.buf.length * 2)));
    grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
  }

  finish(): Buffer {
    // Give back a large unused tail rather than pinning it.
    if (this.buf.length - this.length > 4096 && this.buf.length > this.length * 1.5) {
      return Buffer.from(this.buf.subarray(0, this.length));
    }
    return this.buf.subarray(0, this.length);
  }
}

/**
 * Decompresses one or more concatenated LZ4 frames (skippable frames are
 * skipped). Throws KafkaProtocolError for malformed input or for output
 * longer than `maxOutputBytes`, and UnsupportedCompressionError for frames
 * that need a dictionary.
 */
export function lz4FrameDecompress(
  data: Uint8Array,
  maxOutputBytes: number,
  options: Lz4FrameReadOptions = {},
): Buffer {
  checkMaxOutputBytes('lz4', maxOutputBytes);
  const out = new BoundedOutput(Math.max(64, data.length * 3), maxOutputBytes);
  let pos = 0;
  let frames = 0;
  while (pos < data.length || frames === 0) {
    if (data.length - pos < 4) {
      throw malformedError('lz4', 'magic', `needs 4 bytes for a frame magic number, ${data.length - pos} left`, pos);
    }
    const magic = readU32LE(data, pos);
    if (magic >= SKIPPABLE_MAGIC_MIN && magic <= SKIPPABLE_MAGIC_MAX) {
      if (data.length - pos < 8) throw malformedError('lz4', 'skippable', 'skippable frame size is cut off', pos + 4);
      const size = readU32LE(data, pos + 4);
      if (size > data.length - pos - 8) {
        throw malformedError('lz4', 'skippable', `skippable frame of ${size} bytes runs past the input`, pos + 4);
      }
      pos += 8 + size;
      continue;
    }
    if (magic !== LZ4_FRAME_MAGIC) {
      throw malformedError('lz4', 'magic', `0x${magic.toString(16).padStart(8, '0')} is not an LZ4 frame magic`, pos);
    }
    pos = readFrame(data, pos, out, options.legacyHeaderChecksum === true);
    frames++;
  }
  return out.finish();
}

function fail(part: string, detail: string, at: number): never {
  throw malformedError('lz4', part, detail, at);
}

/** Reads the frame starting at `frameStart`; returns the position after it. */
function readFrame(data: Uint8Array, frameStart: number, out: BoundedOutput, legacy: boolean): number {
  let pos = frameStart + 4;
  if (data.length - pos < 3) fail('header', 'frame descriptor is cut off', pos);
  const flg = data[pos]!;
  const bd = data[pos + 1]!;
  if ((flg & 0xc0) !== FLG_VERSION_01) fail('header', `frame version ${flg >>> 6} is not 1`, pos);
  if ((flg & FLG_RESERVED) !== 0) fail('header', 'reserved FLG bit is set', pos);
  if ((bd & 0x8f) !== 0) fail('header', 'reserved BD bits are set', pos + 1);
  const blockMax = BLOCK_SIZE_CODES.get((bd >>> 4) & 7);
  if (blockMax === undefined) fail('header', `block size code ${(bd >>> 4) & 7} is not one of 4 to 7`, pos + 1);
  pos += 2;

  let declaredSize: number | undefined;
  if ((flg & FLG_CONTENT_SIZE) !== 0) {
    if (data.length - pos < 9) fail('header', 'content size is cut off', pos);
    const low = readU32LE(data, pos);
    const high = readU32LE(data, pos + 4);
    // Anything at or above 2^53 is far past any limit, so clamp it there.
    declaredSize = high >= 0x200000 ? Number.MAX_SAFE_INTEGER : high * 0x100000000 + low;
    if (declaredSize > out.limit - out.length) throw outputLimitError('lz4', out.limit, pos);
    pos += 8;
  }
  if ((flg & FLG_DICT_ID) !== 0) {
    throw new UnsupportedCompressionError('lz4: frames that need a preset dictionary are not supported');
  }
  if (data.length - pos < 1) fail('header', 'header checksum is cut off', pos);
  const hc = data[pos]!;
  if (hc !== headerChecksum(data, frameStart, pos, false) && !(legacy && hc === headerChecksum(data, frameStart, pos, true))) {
    fail('header', 'header checksum does not match the frame descriptor', pos);
  }
  pos += 1;

  const independent = (flg & FLG_BLOCK_INDEPENDENCE) !== 0;
  const hasBlockChecksum = (flg & FLG_BLOCK_CHECKSUM) !== 0;
  const frameOutStart = out.length;
  // Trust a declared size only as far as the input could really produce.
  if (declaredSize !== undefined) out.reserve(out.length + Math.min(declaredSize, (data.length - pos) * 255));

  for (;;) {
    if (data.length - pos < 4) fail('block', 'block size is cut off (no end mark)', pos);
    const word = readU32LE(data, pos);
    pos += 4;
    if (word === 0) break;
    const stored = (word & UNCOMPRESSED_BIT) !== 0;
    const size = (word & ~UNCOMPRESSED_BIT) >>> 0;
    if (size > blockMax) fail('block', `block of ${size} bytes is larger than the frame's ${blockMax}-byte maximum`, pos - 4);
    if (size > data.length - pos) fail('block', `block of ${size} bytes runs past the input`, pos - 4);
    if (hasBlockChecksum) {
      if (data.length - pos - size < 4) fail('block', 'block checksum is cut off', pos + size);
      if (xxhash32(data, 0, pos, pos + size) !== readU32LE(data, pos + size)) {
        fail('block', 'block checksum does not match', pos + size);
      }
    }
    if (stored) {
      if (size > out.limit - out.length) throw outputLimitError('lz4', out.limit, pos);
      out.reserve(out.length + size);
      out.buf.set(data.subarray(pos, pos + size), out.length);
      out.length += size;
    } else {
      const byBlock = out.length + blockMax;
      const opLimit = Math.min(byBlock, out.limit);
      // A compressed byte can stand for at most 255 output bytes, so this
      // reservation covers the whole block without trusting its contents.
      out.reserve(Math.min(opLimit, out.length + size * 255));
      const windowStart = independent ? out.length : frameOutStart;
      const end = lz4DecompressBlock(data, pos, pos + size, out.buf, windowStart, out.length, opLimit);
      if (end < 0) {
        if (opLimit < byBlock) throw outputLimitError('lz4', out.limit, pos);
        fail('block', `block decompresses to more than the frame's ${blockMax}-byte maximum`, pos);
      }
      out.length = end;
    }
    pos += size + (hasBlockChecksum ? 4 : 0);
  }

  if ((flg & FLG_CONTENT_CHECKSUM) !== 0) {
    if (data.length - pos < 4) fail('checksum', 'content checksum is cut off', pos);
    if (xxhash32(out.buf, 0, frameOutStart, out.length) !== readU32LE(data, pos)) {
      fail('checksum', 'content checksum does not match the decompressed data', pos);
    }
    pos += 4;
  }
  if (declaredSize !== undefined && out.length - frameOutStart !== declaredSize) {
    fail('header', `frame declares ${declaredSize} content bytes but holds ${out.length - frameOutStart}`, frameStart + 6);
  }
  return pos;
}

export interface Lz4CodecOptions extends Lz4FrameWriteOptions {
  /** Applies to reading as well as writing; for Kafka's magic-0 messages. */
  legacyHeaderChecksum?: boolean;
}

/** An LZ4 codec with the given frame options (the defaults write what Kafka's Java client writes). */
export function createLz4Codec(options: Lz4CodecOptions = {}): CompressionCodec {
  const readOptions: Lz4FrameReadOptions = { legacyHeaderChecksum: options.legacyHeaderChecksum === true };
  return withTransientCompress(
    {
      id: 3,
      name: 'lz4',
      compress: (data) => lz4FrameCompress(data, options),
      decompress: (data, maxOutputBytes) => lz4FrameDecompress(data, maxOutputBytes, readOptions),
    },
    (data) => lz4FrameCompressTransient(data, options),
  );
}

/** The built-in LZ4 codec, writing frames as Kafka's Java client does. */
export const lz4Codec: CompressionCodec = createLz4Codec();
