/**
 * The compression codec contract for Kafka record batches, and a small
 * registry keyed by Kafka's compression type id (the low three bits of a
 * batch's attributes).
 *
 * Every codec is synchronous. All four built-ins can be (node:zlib's *Sync
 * functions, snappyjs, and our own LZ4), and a sync contract keeps the record
 * batch decoder a plain function. The cost is that a large batch blocks the
 * event loop while it is (de)compressed; `maxOutputBytes` bounds that work on
 * the read side, and the producer's batch size bounds it on the write side.
 * For typical batches (tens of KB) a hop to the libuv thread pool would cost
 * more than the compression itself.
 */
import { constants as bufferConstants } from 'node:buffer';
import { KafkaConfigError, KafkaProtocolError, UnsupportedCompressionError } from '../../errors.js';

/** Names of the codecs Kafka defines. */
export type CompressionName = 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** Every compression type Kafka knows, including the absence of one. */
export type CompressionTypeName = 'none' | CompressionName;

/** Kafka's compression type ids, as stored in a record batch's attributes. */
export const COMPRESSION_TYPE_IDS: Readonly<Record<CompressionTypeName, number>> = Object.freeze({
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
});

export interface CompressionCodec {
  /** Kafka compression type id: 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
  readonly id: number;
  readonly name: CompressionName;
  /** Compresses `data` into the exact bytes Kafka stores in a batch. */
  compress(data: Uint8Array): Buffer;
  /**
   * Decompresses `data`. Throws a KafkaError (never anything else) when the
   * bytes are malformed, or when the output would be longer than
   * `maxOutputBytes`.
   */
  decompress(data: Uint8Array, maxOutputBytes: number): Buffer;
}

/**
 * compress() for a caller that copies the result out at once: the result may
 * be a view of memory the codec reuses on its next call, and the codec keeps
 * no reference to its input, so the caller may reuse that too.
 */
export type TransientCompress = (data: Uint8Array) => Uint8Array;

// Kept off the codec object: a user's copy of a built-in codec with its own compress() must not be bypassed.
const transients = new WeakMap<CompressionCodec, TransientCompress>();

/** Marks a built-in codec as also compressing through `compress` (see TransientCompress); returns the codec. */
export function withTransientCompress(codec: CompressionCodec, compress: TransientCompress): CompressionCodec {
  transients.set(codec, compress);
  return codec;
}

/**
 * The codec's TransientCompress, if it is a built-in one. encodeRecordBatch
 * uses it to spare two fresh buffers per batch (V8 counts them as external
 * memory, which makes it collect garbage more often).
 */
export function transientCompressOf(codec: CompressionCodec): TransientCompress | undefined {
  return transients.get(codec);
}

const NAMES_BY_ID: readonly CompressionTypeName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

const registry = new Map<number, CompressionCodec>();

function isTypeName(name: string): name is CompressionTypeName {
  return Object.prototype.hasOwnProperty.call(COMPRESSION_TYPE_IDS, name);
}

const KNOWN_LIST = 'Kafka defines 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd';

/**
 * The Kafka compression type id of a codec name ('none' gives 0). Throws
 * UnsupportedCompressionError for a name Kafka does not define.
 */
export function compressionTypeId(name: string): number {
  if (!isTypeName(name)) {
    throw new UnsupportedCompressionError(`unknown compression type "${name}" (${KNOWN_LIST})`);
  }
  return COMPRESSION_TYPE_IDS[name];
}

/**
 * The name of a Kafka compression type id. Throws UnsupportedCompressionError
 * for an id Kafka does not define (5, 6 and 7 fit in the attribute bits).
 */
export function compressionTypeName(id: number): CompressionTypeName {
  const name = Number.isInteger(id) ? NAMES_BY_ID[id] : undefined;
  if (name === undefined) {
    throw new UnsupportedCompressionError(`unknown compression type id ${id} (${KNOWN_LIST})`);
  }
  return name;
}

/**
 * Installs `codec` for its id, replacing whatever was there (for instance a
 * native LZ4 in place of the built-in one). Returns the codec it replaced, so
 * the caller can put it back.
 */
export function registerCodec(codec: CompressionCodec): CompressionCodec | undefined {
  if (typeof codec !== 'object' || codec === null) {
    throw new KafkaConfigError('registerCodec needs a codec object');
  }
  const expected = NAMES_BY_ID[codec.id];
  if (expected === undefined || expected === 'none') {
    throw new KafkaConfigError(`codec "${String(codec.name)}" has id ${codec.id}; ids 1 to 4 are valid`);
  }
  if (expected !== codec.name) {
    throw new KafkaConfigError(
      `codec id ${codec.id} is Kafka's ${expected}, but the codec calls itself "${String(codec.name)}"`,
    );
  }
  if (typeof codec.compress !== 'function' || typeof codec.decompress !== 'function') {
    throw new KafkaConfigError(`codec ${codec.name} must have compress and decompress functions`);
  }
  const previous = registry.get(codec.id);
  registry.set(codec.id, codec);
  return previous;
}

/**
 * The codec registered for a Kafka compression type id or name. Throws
 * UnsupportedCompressionError naming the codec when there is none: for
 * 'none' (which needs no codec), an unknown id or name, or a known codec
 * nobody registered.
 */
export function getCodec(idOrName: number | string): CompressionCodec {
  const name = typeof idOrName === 'number' ? compressionTypeName(idOrName) : idOrName;
  if (!isTypeName(name)) {
    throw new UnsupportedCompressionError(`unknown compression type "${name}" (${KNOWN_LIST})`);
  }
  const id = COMPRESSION_TYPE_IDS[name];
  if (name === 'none') {
    throw new UnsupportedCompressionError('compression type none (id 0) has no codec: the bytes are stored as they are');
  }
  const codec = registry.get(id);
  if (codec === undefined) {
    throw new UnsupportedCompressionError(`no codec is registered for ${name} (compression type id ${id})`);
  }
  return codec;
}

/** Every registered codec, by id. */
export function registeredCodecs(): CompressionCodec[] {
  return [...registry.values()].sort((a, b) => a.id - b.id);
}

// ---------------------------------------------------------------------------
// Helpers shared by the codec modules.

/**
 * Checks a caller's decompression bound: a whole number from 0 up to the
 * largest Buffer this Node.js can make.
 */
export function checkMaxOutputBytes(codec: CompressionName, maxOutputBytes: number): void {
  if (!Number.isSafeInteger(maxOutputBytes) || maxOutputBytes < 0 || maxOutputBytes > bufferConstants.MAX_LENGTH) {
    throw new KafkaConfigError(
      `${codec}: maxOutputBytes must be an integer from 0 to ${bufferConstants.MAX_LENGTH}, got ${String(maxOutputBytes)}`,
    );
  }
}

/** The error for output that would pass the caller's bound. */
export function outputLimitError(codec: CompressionName, maxOutputBytes: number, byteOffset?: number): KafkaProtocolError {
  return new KafkaProtocolError(
    `${codec}: decompressed data would exceed the limit of ${maxOutputBytes} bytes (maxOutputBytes)`,
    byteOffset === undefined ? { fieldPath: `${codec}.maxOutputBytes` } : { fieldPath: `${codec}.maxOutputBytes`, byteOffset },
  );
}

/** The error for compressed bytes that do not follow the codec's format. */
export function malformedError(
  codec: CompressionName,
  part: string,
  detail: string,
  byteOffset?: number,
  cause?: unknown,
): KafkaProtocolError {
  const details: { fieldPath: string; byteOffset?: number; cause?: unknown } = { fieldPath: `${codec}.${part}` };
  if (byteOffset !== undefined) details.byteOffset = byteOffset;
  if (cause !== undefined) details.cause = cause;
  return new KafkaProtocolError(`${codec}: malformed compressed data: ${detail}`, details);
}
