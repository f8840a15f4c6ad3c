/**
 * Kafka record batch compression: the codec registry with the four built-in
 * codecs installed. Import from here (not from codec.ts) to get a registry
 * that already knows gzip, snappy, lz4 and zstd.
 */
import { registerCodec } from './codec.js';
import { gzipCodec } from './gzip.js';
import { lz4Codec } from './lz4.js';
import { snappyCodec } from './snappy.js';
import { zstdCodec } from './zstd.js';

export {
  COMPRESSION_TYPE_IDS,
  compressionTypeId,
  compressionTypeName,
  getCodec,
  registerCodec,
  registeredCodecs,
  type CompressionCodec,
  type CompressionName,
  type CompressionTypeName,
} from './codec.js';
export { createGzipCodec, gzipCodec, gzipCompress, gzipDecompress, type GzipCodecOptions } from './gzip.js';
export {
  createSnappyCodec,
  snappyCodec,
  snappyCompressRaw,
  snappyCompressXerial,
  snappyDecompress,
  XERIAL_BLOCK_SIZE,
  XERIAL_MAGIC,
  type SnappyCodecOptions,
  type SnappyFraming,
} from './snappy.js';
export {
  createLz4Codec,
  LZ4_FRAME_MAGIC,
  lz4Codec,
  lz4FrameCompress,
  lz4FrameDecompress,
  type Lz4BlockMaxSize,
  type Lz4CodecOptions,
  type Lz4FrameReadOptions,
  type Lz4FrameWriteOptions,
} from './lz4.js';
export {
  createZstdCodec,
  ZSTD_NODE_REQUIREMENT,
  zstdAvailable,
  zstdCodec,
  zstdCompress,
  zstdDecompress,
  type ZstdCodecOptions,
} from './zstd.js';
export { xxhash32 } from './xxhash32.js';

/** Puts the four built-in codecs (back) in the registry, replacing any others. */
export function registerBuiltinCodecs(): void {
  registerCodec(gzipCodec);
  registerCodec(snappyCodec);
  registerCodec(lz4Codec);
  registerCodec(zstdCodec);
}

registerBuiltinCodecs();
