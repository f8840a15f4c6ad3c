/**
 * zstd (Kafka compression type 4) through node:zlib, which has it from
 * Node.js 22.15 and 23.8. The Java client writes standard zstd frames, which
 * is what node:zlib reads and writes. On an older Node.js every call throws
 * UnsupportedCompressionError naming the versions involved.
 */
import { KafkaConfigError, UnsupportedCompressionError } from '../../errors.js';
import { nodeZlib } from '../../lazy-builtins.js';
import { checkMaxOutputBytes, malformedError, outputLimitError, withTransientCompress, type CompressionCodec } from './codec.js';
import { ZstdFrameReader, ZstdFrameWriter } from './zstd-contexts.js';

/** The zstd part of node:zlib, which @types/node for Node 20 does not declare. */
export interface ZstdZlib {
  zstdCompressSync(data: Uint8Array, options?: { params?: Record<number, number> }): Buffer;
  createZstdCompress(options?: { params?: Record<number, number> }): unknown;
  createZstdDecompress(): unknown;
  zstdDecompressSync(data: Uint8Array, options?: { maxOutputLength?: number }): Buffer;
  constants: Record<'ZSTD_c_compressionLevel' | 'ZSTD_c_windowLog' | 'ZSTD_c_hashLog' | 'ZSTD_c_chainLog' | 'ZSTD_c_searchLog' | 'ZSTD_c_minMatch' | 'ZSTD_c_targetLength' | 'ZSTD_c_strategy' | 'ZSTD_dfast', number>;
}

const zstdZlib = (): Partial<ZstdZlib> => nodeZlib() as unknown as Partial<ZstdZlib>;

/** The Node.js releases whose node:zlib has zstd. */
export const ZSTD_NODE_REQUIREMENT = 'Node.js 22.15.0 or later (or 23.8.0 or later)';

/** Whether this Node.js can compress and decompress zstd. */
export function zstdAvailable(): boolean {
  const z = zstdZlib();
  return typeof z.zstdCompressSync === 'function' && typeof z.zstdDecompressSync === 'function';
}

function requireZstd(): ZstdZlib {
  if (!zstdAvailable()) {
    throw new UnsupportedCompressionError(
      `zstd compression needs ${ZSTD_NODE_REQUIREMENT}; this is Node.js ${process.version}`,
    );
  }
  return zstdZlib() as ZstdZlib;
}

export interface ZstdCodecOptions {
  /** zstd level; default 3, which is zstd's and Kafka's default (and compresses as the Java producer does). */
  level?: number;
}

/** The default level, zstd's and the Java producer's (compression.zstd.level). */
const ZSTD_DEFAULT_LEVEL = 3;

let level3Params: Record<number, number> | null = null;

/**
 * Level 3 as the Java producer gets it. zstd tunes a level's parameters to
 * the input's length when it knows it, and node:zlib's one-shot call always
 * tells it; for inputs up to 256 KiB (half the default batchSize)
 * level 3 then looks for 4-byte matches in smaller tables. The Java producer
 * writes through a stream (zstd-jni's ZstdOutputStream) whose length zstd
 * does not know, which gets level 3's general parameters: 5-byte matches,
 * the "double fast" matcher, 2^17 hash and 2^16 chain entries. These are
 * those; a test checks that they give the bytes zstd's own stream gives.
 * Measured on 16–256 KiB inputs: JSON events ~10% faster and ~10% smaller,
 * repeated words about the same, random letters (the bench's values) 2–6×
 * faster.
 */
function javaLevel3(z: ZstdZlib): Record<number, number> {
  const c = z.constants;
  level3Params ??= {
    [c.ZSTD_c_compressionLevel]: 3,
    [c.ZSTD_c_windowLog]: 21,
    [c.ZSTD_c_hashLog]: 17,
    [c.ZSTD_c_chainLog]: 16,
    [c.ZSTD_c_searchLog]: 1,
    [c.ZSTD_c_minMatch]: 5,
    [c.ZSTD_c_targetLength]: 0,
    [c.ZSTD_c_strategy]: c.ZSTD_dfast,
  };
  return level3Params;
}

/** The zstd parameters kafkawire compresses with at a level (node:zlib's `params` option). */
export function zstdCompressParams(level: number = ZSTD_DEFAULT_LEVEL): Record<number, number> {
  return paramsFor(requireZstd(), level);
}

function paramsFor(z: ZstdZlib, level: number): Record<number, number> {
  return level === ZSTD_DEFAULT_LEVEL ? javaLevel3(z) : { [z.constants.ZSTD_c_compressionLevel]: level };
}

/** Whether frames at this level come from a reused stream (for tests: the one-shot call would also give correct frames). */
export function zstdReusesStream(level: number = ZSTD_DEFAULT_LEVEL): boolean {
  return streams.get(level) instanceof ZstdFrameWriter;
}

/** One frame writer per level (null: this Node.js's zstd stream is not usable that way, so the one-shot call is used). */
const streams = new Map<number, ZstdFrameWriter | null>();

/**
 * Compresses `data` into one zstd frame (level 3 as the Java producer
 * compresses, unless another level is given). `transient`: the result may be
 * a view of the level's kept output buffer, valid until its next call.
 */
export function zstdCompress(data: Uint8Array, level: number = ZSTD_DEFAULT_LEVEL, transient = false): Buffer {
  const z = requireZstd();
  const params = paramsFor(z, level);
  let stream = streams.get(level);
  if (stream === undefined) {
    stream = ZstdFrameWriter.open(z, params);
    streams.set(level, stream);
  }
  const frame = stream?.frame(data, transient);
  if (frame !== undefined) return frame;
  streams.set(level, null);
  return z.zstdCompressSync(data, { params });
}

/** The decompressing context: undefined until first used or after a frame it gave up on, null if it cannot be used here. */
let reader: ZstdFrameReader | null | undefined;

/** Whether the last zstdDecompress() went through the reused context (for tests). */
export function zstdReaderReady(): boolean {
  return reader instanceof ZstdFrameReader;
}

/** Decompresses zstd frames, refusing to produce more than `maxOutputBytes` bytes. */
export function zstdDecompress(data: Uint8Array, maxOutputBytes: number): Buffer {
  const z = requireZstd();
  checkMaxOutputBytes('zstd', maxOutputBytes);
  if (reader === undefined) reader = ZstdFrameReader.open(z);
  const read = reader?.frames(data, maxOutputBytes);
  if (read !== undefined) return read;
  // A reader that could not decode this input within the limit is dropped, and the one-shot call decides.
  if (reader) reader = undefined;
  let out: Buffer;
  try {
    out = z.zstdDecompressSync(data, { maxOutputLength: Math.max(1, maxOutputBytes) });
  } catch (err) {
    if (err instanceof RangeError && (err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw outputLimitError('zstd', maxOutputBytes);
    }
    const detail = err instanceof Error ? err.message : String(err);
    throw malformedError('zstd', 'frame', detail, undefined, err);
  }
  if (out.length > maxOutputBytes) throw outputLimitError('zstd', maxOutputBytes);
  return out;
}

/** A zstd codec writing at the given level. */
export function createZstdCodec(options: ZstdCodecOptions = {}): CompressionCodec {
  const { level } = options;
  // zstd accepts negative "fast" levels down to -131072, and 1 to 22.
  if (level !== undefined && !(Number.isInteger(level) && level >= -131072 && level <= 22)) {
    throw new KafkaConfigError(`zstd: level must be an integer from -131072 to 22, got ${String(level)}`);
  }
  return withTransientCompress(
    { id: 4, name: 'zstd', compress: (data) => zstdCompress(data, level), decompress: (data, maxOutputBytes) => zstdDecompress(data, maxOutputBytes) },
    (data) => zstdCompress(data, level, true),
  );
}

/** The built-in zstd codec at zstd's default level. */
export const zstdCodec: CompressionCodec = createZstdCodec();
