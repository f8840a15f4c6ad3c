/**
 * gzip (Kafka compression type 1) through node:zlib. The Java client writes a
 * plain GZIPOutputStream stream; node:zlib reads and writes the same format,
 * including streams of several gzip members.
 */
import { nodeZlib } from '../../lazy-builtins.js';
import { KafkaConfigError } from '../../errors.js';
import { checkMaxOutputBytes, malformedError, outputLimitError, withTransientCompress, type CompressionCodec } from './codec.js';

export interface GzipCodecOptions {
  /** zlib level 1 (fastest) to 9 (smallest); default is zlib's default (6), as Java's Deflater. */
  level?: number;
}

function isBufferTooLarge(err: unknown): boolean {
  return err instanceof RangeError && (err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
}

/** Gzips `data`. */
export function gzipCompress(data: Uint8Array, level?: number): Buffer {
  return nodeZlib().gzipSync(data, level === undefined ? {} : { level });
}

/** Gunzips `data`, refusing to produce more than `maxOutputBytes` bytes. */
export function gzipDecompress(data: Uint8Array, maxOutputBytes: number): Buffer {
  checkMaxOutputBytes('gzip', maxOutputBytes);
  let out: Buffer;
  try {
    // zlib stops inflating once the output would pass maxOutputLength, so a
    // small hostile input cannot make it allocate more. It needs at least 1.
    out = nodeZlib().gunzipSync(data, { maxOutputLength: Math.max(1, maxOutputBytes) });
  } catch (err) {
    if (isBufferTooLarge(err)) throw outputLimitError('gzip', maxOutputBytes);
    const detail = err instanceof Error ? err.message : String(err);
    throw malformedError('gzip', 'stream', detail, undefined, err);
  }
  if (out.length > maxOutputBytes) throw outputLimitError('gzip', maxOutputBytes);
  return out;
}

/** A gzip codec writing at the given level. */
export function createGzipCodec(options: GzipCodecOptions = {}): CompressionCodec {
  const { level } = options;
  if (level !== undefined && !(Number.isInteger(level) && level >= 1 && level <= 9)) {
    throw new KafkaConfigError(`gzip: level must be an integer from 1 to 9, got ${String(level)}`);
  }
  const compress = (data: Uint8Array): Buffer => gzipCompress(data, level);
  // A fresh buffer each time, and zlib keeps nothing of the input.
  return withTransientCompress({ id: 1, name: 'gzip', compress, decompress: (data, maxOutputBytes) => gzipDecompress(data, maxOutputBytes) }, compress);
}

/** The built-in gzip codec at zlib's default level. */
export const gzipCodec: CompressionCodec = createGzipCodec();
