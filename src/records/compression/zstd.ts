/**
 * zstd (Kafka compression type 4) through node:zlib, which has it from
 * Node.js 22.15 and 23.8. The Java client writes standard zstd frames, which
 * is what node:zlib reads and writes. On an older Node.js every call throws
 * UnsupportedCompressionError naming the versions involved.
 */
import * as zlib from 'node:zlib';
import { KafkaConfigError, UnsupportedCompressionError } from '../../errors.js';
import { checkMaxOutputBytes, malformedError, outputLimitError, type CompressionCodec } from './codec.js';

/** The zstd part of node:zlib, which @types/node for Node 20 does not declare. */
interface ZstdZlib {
  zstdCompressSync(data: Uint8Array, options?: { params?: Record<number, number> }): Buffer;
  zstdDecompressSync(data: Uint8Array, options?: { maxOutputLength?: number }): Buffer;
  constants: { ZSTD_c_compressionLevel: number };
}

const zstdZlib = zlib as unknown as Partial<ZstdZlib>;

/** The Node.js releases whose node:zlib has zstd. */
export const ZSTD_NODE_REQUIREMENT = 'Node.js 22.15.0 or later (or 23.8.0 or later)';

/** Whether this Node.js can compress and decompress zstd. */
export function zstdAvailable(): boolean {
  return typeof zstdZlib.zstdCompressSync === 'function' && typeof zstdZlib.zstdDecompressSync === 'function';
}

function requireZstd(): ZstdZlib {
  if (!zstdAvailable()) {
    throw new UnsupportedCompressionError(
      `zstd compression needs ${ZSTD_NODE_REQUIREMENT}; this is Node.js ${process.version}`,
    );
  }
  return zstdZlib as ZstdZlib;
}

export interface ZstdCodecOptions {
  /** zstd level; default 3, which is zstd's and Kafka's default. */
  level?: number;
}

/** Compresses `data` into one zstd frame. */
export function zstdCompress(data: Uint8Array, level?: number): Buffer {
  const z = requireZstd();
  if (level === undefined) return z.zstdCompressSync(data);
  return z.zstdCompressSync(data, { params: { [z.constants.ZSTD_c_compressionLevel]: level } });
}

/** Decompresses zstd frames, refusing to produce more than `maxOutputBytes` bytes. */
export function zstdDecompress(data: Uint8Array, maxOutputBytes: number): Buffer {
  const z = requireZstd();
  checkMaxOutputBytes('zstd', maxOutputBytes);
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
  return {
    id: 4,
    name: 'zstd',
    compress: (data) => zstdCompress(data, level),
    decompress: (data, maxOutputBytes) => zstdDecompress(data, maxOutputBytes),
  };
}

/** The built-in zstd codec at zstd's default level. */
export const zstdCodec: CompressionCodec = createZstdCodec();
