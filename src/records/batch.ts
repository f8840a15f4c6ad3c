/**
 * Record batches, format v2 (magic 2), and the record sets of Fetch and
 * Produce (a sequence of batches, or of legacy messages, back to back).
 *
 * Batch layout (big-endian), with each field's byte position:
 *
 *    0 baseOffset int64          27 baseTimestamp int64
 *    8 batchLength int32         35 maxTimestamp int64
 *   12 partitionLeaderEpoch      43 producerId int64
 *   16 magic int8 (2)            51 producerEpoch int16
 *   17 crc uint32                53 baseSequence int32
 *   21 attributes int16          57 record count int32
 *   23 lastOffsetDelta int32     61 records (compressed as a whole, or not)
 *
 * batchLength counts the bytes after itself. The CRC is a CRC-32C of the
 * bytes from the attributes to the end. The attributes hold the compression
 * type in bits 0-2, the timestamp type in bit 3 (set: log append time),
 * transactional in bit 4, control in bit 5 and "has delete horizon" in bit 6.
 */
import { crc32c } from '../codec/crc32c.js';
import { CorruptRecordError, KafkaConfigError, KafkaError, KafkaProtocolError, UnsupportedCompressionError } from '../errors.js';
import { compressionTypeId, getCodec, type CompressionTypeName } from './compression/index.js';
import { KeptBuffer } from '../codec/kept-buffer.js';
import { transientCompressOf } from './compression/codec.js';
import {
  measureRecords,
  toColumns,
  MIN_RECORD_SIZE,
  RecordReader,
  writeRecords,
  type BatchErrorContext,
  type KafkaRecord,
  type RecordColumns,
  type RecordInput,
  type RecordsContext,
} from './record.js';

/** Bytes before the first record of a v2 batch. */
export const BATCH_HEADER_SIZE = 61;
/** The offset and length fields that start every batch and legacy message. */
export const LOG_OVERHEAD = 12;
const CRC_START = 21;

const COMPRESSION_MASK = 0x07;
const TIMESTAMP_TYPE_BIT = 0x08;
const TRANSACTIONAL_BIT = 0x10;
const CONTROL_BIT = 0x20;
const DELETE_HORIZON_BIT = 0x40;

/** 'none' is for magic 0 messages, which carry no timestamp. */
export type TimestampType = 'create' | 'log-append' | 'none';

/** A batch's fixed fields (for legacy messages, the equivalent values). */
export interface RecordBatchHeader {
  baseOffset: bigint;
  /** Bytes the batch takes in its record set, offset and length fields included. */
  sizeInBytes: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  /** Compression type id: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
  compression: number;
  timestampType: TimestampType;
  transactional: boolean;
  control: boolean;
  hasDeleteHorizon: boolean;
  lastOffsetDelta: number;
  /** The first record's timestamp (or, with hasDeleteHorizon, the delete horizon). */
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/** A decoded batch of ordinary records. */
export interface DataRecordBatch extends RecordBatchHeader {
  control: false;
  records: KafkaRecord[];
}

/** A control record: a transaction marker, or another type the broker writes. */
export interface ControlRecord {
  offsetDelta: number;
  timestamp: number;
  type: 'commit' | 'abort' | 'unknown';
  /** The type id from the key: 0 abort, 1 commit, others for KRaft's own topics. */
  typeId: number;
  /** Version of the key. */
  version: number;
  /** Of a commit or abort marker; -1 for other types. */
  coordinatorEpoch: number;
  key: Buffer;
  value: Buffer | null;
}

/** A decoded batch of control records. */
export interface ControlRecordBatch extends RecordBatchHeader {
  control: true;
  records: ControlRecord[];
}

export type RecordBatch = DataRecordBatch | ControlRecordBatch;

export interface DecodeRecordsOptions extends RecordsContext {
  /** Check every batch's CRC (default true). */
  verifyCrc?: boolean;
  /** Most bytes one compressed batch may decompress to (default 64 MiB). */
  maxDecompressedBytes?: number;
}

export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

export interface EncodeRecordBatchOptions {
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  /** Compression type name or id (default none). */
  compression?: CompressionTypeName | number;
  timestampType?: 'create' | 'log-append';
  transactional?: boolean;
  /** Marks a control batch (its records must be control records). */
  control?: boolean;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  /** Timestamp of records that have none (default Date.now()). */
  defaultTimestamp?: number;
  /** Default: the first record's timestamp, as the Java client writes it. */
  baseTimestamp?: number;
  /** Default: the largest record timestamp, or -1 if none is larger. */
  maxTimestamp?: number;
  /** Default: the last record's offset delta (-1 for no records). */
  lastOffsetDelta?: number;
  /** Makes the returned buffer, given its exact size (default Buffer.allocUnsafe): a producer reuses memory this way. */
  allocate?: (size: number) => Buffer;
}

function readInt64Number(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 4294967296 + buf.readUInt32BE(at + 4);
}

function writeInt64Number(buf: Buffer, at: number, v: number): void {
  const hi = Math.floor(v / 4294967296);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(v - hi * 4294967296, at + 4);
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function checkInt(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new KafkaConfigError(`${name} must be an integer from ${min} to ${max}, got ${String(v)}`);
  return v;
}

function checkInt64(name: string, v: bigint): bigint {
  if (typeof v !== 'bigint' || BigInt.asIntN(64, v) !== v) throw new KafkaConfigError(`${name} must be an int64 bigint, got ${String(v)}`);
  return v;
}

/** Where a batch's records go before a built-in codec compresses them. */
const recordsToCompress = new KeptBuffer();

/**
 * Encodes records into one v2 batch. The batch is written once into a buffer
 * of its exact size (for a compressed batch, the records first go to a buffer
 * of their exact size, which the codec compresses). Records come as objects
 * or, as a producer holds them, as columns.
 */
export function encodeRecordBatch(input: readonly RecordInput[] | RecordColumns, options: EncodeRecordBatchOptions = {}): Buffer {
  const compression = typeof options.compression === 'number' ? options.compression : compressionTypeId(options.compression ?? 'none');
  const codec = compression === 0 ? undefined : getCodec(compression);
  const records = Array.isArray(input) ? toColumns(input as readonly RecordInput[], options.defaultTimestamp ?? Date.now()) : (input as RecordColumns);
  const { timestamps } = records;
  const count = records.values.length;
  const baseTimestamp = options.baseTimestamp ?? (count === 0 ? -1 : (timestamps[0] as number));
  if (options.baseTimestamp !== undefined && !Number.isSafeInteger(baseTimestamp)) {
    throw new KafkaConfigError(`baseTimestamp ${String(baseTimestamp)} is not a safe integer`);
  }
  // measureRecords checks every record's timestamp, the first (the default base) included.
  const plan = measureRecords(records, baseTimestamp);

  let maxTimestamp = options.maxTimestamp;
  if (maxTimestamp === undefined) {
    maxTimestamp = -1;
    for (let i = 0; i < count; i++) if ((timestamps[i] as number) > maxTimestamp) maxTimestamp = timestamps[i] as number;
  } else if (!Number.isSafeInteger(maxTimestamp)) {
    throw new KafkaConfigError(`maxTimestamp ${String(maxTimestamp)} is not a safe integer`);
  }
  const lastOffsetDelta = options.lastOffsetDelta ?? (count === 0 ? -1 : (records.offsetDeltas?.[count - 1] ?? count - 1));

  let payload: Uint8Array | undefined;
  let payloadSize = plan.size;
  if (codec !== undefined) {
    // A built-in codec keeps nothing of its input, so the records go to a reused buffer.
    const transient = transientCompressOf(codec);
    const raw = transient ? recordsToCompress.take(plan.size) : Buffer.allocUnsafe(plan.size);
    writeRecords(raw, 0, records, plan);
    payload = transient ? transient(raw) : codec.compress(raw);
    payloadSize = payload.length;
  }
  if (payloadSize > 0x7fffffff - (BATCH_HEADER_SIZE - LOG_OVERHEAD)) {
    throw new KafkaConfigError(`a batch of ${payloadSize} record bytes is too large for Kafka`);
  }
  const out = options.allocate ? options.allocate(BATCH_HEADER_SIZE + payloadSize) : Buffer.allocUnsafe(BATCH_HEADER_SIZE + payloadSize);
  if (out.length !== BATCH_HEADER_SIZE + payloadSize) throw new KafkaConfigError(`allocate(${BATCH_HEADER_SIZE + payloadSize}) returned ${out.length} bytes`);
  out.writeBigInt64BE(checkInt64('baseOffset', options.baseOffset ?? 0n), 0);
  out.writeInt32BE(out.length - LOG_OVERHEAD, 8);
  out.writeInt32BE(checkInt('partitionLeaderEpoch', options.partitionLeaderEpoch ?? -1, -0x80000000, 0x7fffffff), 12);
  out[16] = 2;
  let attributes = compression;
  if (options.timestampType === 'log-append') attributes |= TIMESTAMP_TYPE_BIT;
  if (options.transactional === true) attributes |= TRANSACTIONAL_BIT;
  if (options.control === true) attributes |= CONTROL_BIT;
  out.writeInt16BE(attributes, 21);
  out.writeInt32BE(checkInt('lastOffsetDelta', lastOffsetDelta, -0x80000000, 0x7fffffff), 23);
  writeInt64Number(out, 27, baseTimestamp);
  writeInt64Number(out, 35, maxTimestamp);
  out.writeBigInt64BE(checkInt64('producerId', options.producerId ?? -1n), 43);
  out.writeInt16BE(checkInt('producerEpoch', options.producerEpoch ?? -1, -0x8000, 0x7fff), 51);
  out.writeInt32BE(checkInt('baseSequence', options.baseSequence ?? -1, -0x80000000, 0x7fffffff), 53);
  out.writeInt32BE(count, 57);
  if (payload === undefined) writeRecords(out, BATCH_HEADER_SIZE, records, plan);
  else out.set(payload, BATCH_HEADER_SIZE);
  out.writeUInt32BE(crc32c(out, CRC_START, out.length), 17);
  return out;
}

function timestampTypeOf(attributes: number): TimestampType {
  return (attributes & TIMESTAMP_TYPE_BIT) === 0 ? 'create' : 'log-append';
}

/**
 * Decodes the fixed fields of the v2 batch at `position`. Needs the 61 header
 * bytes, not the whole batch, and checks neither the CRC nor the record
 * count (openRecordBatch does both).
 */
export function decodeBatchHeader(data: Uint8Array, position = 0, context: RecordsContext = {}): RecordBatchHeader {
  const buf = toBuffer(data);
  const fail = (message: string, field: string, at: number): never => {
    throw new KafkaProtocolError(message, { ...context, fieldPath: `batch.${field}`, byteOffset: at });
  };
  if (!Number.isInteger(position) || position < 0 || buf.length - position < BATCH_HEADER_SIZE) {
    fail(`a batch header needs ${BATCH_HEADER_SIZE} bytes, ${Math.max(0, buf.length - position)} are left`, 'header', position);
  }
  const magic = buf.readInt8(position + 16);
  if (magic !== 2) fail(`magic ${magic} is not a v2 record batch`, 'magic', position + 16);
  const batchLength = buf.readInt32BE(position + 8);
  if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD) fail(`batch length ${batchLength} is shorter than a batch header`, 'batchLength', position + 8);
  const recordCount = buf.readInt32BE(position + 57);
  const attributes = buf.readInt16BE(position + 21);
  return {
    baseOffset: buf.readBigInt64BE(position),
    sizeInBytes: batchLength + LOG_OVERHEAD,
    partitionLeaderEpoch: buf.readInt32BE(position + 12),
    magic,
    crc: buf.readUInt32BE(position + 17),
    attributes,
    compression: attributes & COMPRESSION_MASK,
    timestampType: timestampTypeOf(attributes),
    transactional: (attributes & TRANSACTIONAL_BIT) !== 0,
    control: (attributes & CONTROL_BIT) !== 0,
    hasDeleteHorizon: (attributes & DELETE_HORIZON_BIT) !== 0,
    lastOffsetDelta: buf.readInt32BE(position + 23),
    baseTimestamp: readInt64Number(buf, position + 27),
    maxTimestamp: readInt64Number(buf, position + 35),
    producerId: buf.readBigInt64BE(position + 43),
    producerEpoch: buf.readInt16BE(position + 51),
    baseSequence: buf.readInt32BE(position + 53),
    recordCount,
  };
}

/**
 * Runs a codec's decompress, turning whatever it throws into a KafkaError
 * that names the batch: UnsupportedCompressionError stays one, anything else
 * becomes a KafkaProtocolError.
 */
export function decompressRecords(
  compression: number,
  data: Uint8Array,
  maxOutputBytes: number,
  context: BatchErrorContext,
  decompress?: (data: Uint8Array, maxOutputBytes: number) => Buffer,
): Buffer {
  try {
    if (decompress !== undefined) return decompress(data, maxOutputBytes);
    return getCodec(compression).decompress(data, maxOutputBytes);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    if (err instanceof UnsupportedCompressionError) throw new UnsupportedCompressionError(detail, { ...context, cause: err });
    const kind = err instanceof KafkaError ? '' : 'the codec failed: ';
    throw new KafkaProtocolError(`records do not decompress: ${kind}${detail}`, { ...context, fieldPath: 'records', cause: err });
  }
}

/** A v2 batch opened for reading: its header and a reader over its records. */
export interface OpenedRecordBatch {
  header: RecordBatchHeader;
  records: RecordReader;
}

/**
 * Opens the whole v2 batch at `position`: checks its CRC, decompresses its
 * records if needed, and returns a reader that decodes them one at a time
 * (a consumer can skip records below its fetch offset without decoding
 * them). Bad CRC → CorruptRecordError; malformed bytes → KafkaProtocolError.
 */
export function openRecordBatch(data: Uint8Array, position = 0, options: DecodeRecordsOptions = {}): OpenedRecordBatch {
  const buf = toBuffer(data);
  const context: RecordsContext = { topic: options.topic, partition: options.partition };
  const header = decodeBatchHeader(buf, position, context);
  const batchContext: BatchErrorContext = { ...context, offset: header.baseOffset };
  const end = position + header.sizeInBytes;
  if (end > buf.length) {
    throw new KafkaProtocolError(`batch of ${header.sizeInBytes} bytes is cut off after ${buf.length - position}`, {
      ...batchContext,
      fieldPath: 'batch.batchLength',
      byteOffset: position + 8,
    });
  }
  if (options.verifyCrc !== false) {
    const actual = crc32c(buf, position + CRC_START, end);
    if (actual !== header.crc) {
      throw new CorruptRecordError(
        `record batch CRC-32C is 0x${actual.toString(16).padStart(8, '0')} but the batch says 0x${header.crc.toString(16).padStart(8, '0')}`,
        batchContext,
      );
    }
  }
  let records = buf;
  let start = position + BATCH_HEADER_SIZE;
  let recordsEnd = end;
  if (header.compression !== 0) {
    const max = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
    records = decompressRecords(header.compression, buf.subarray(start, end), max, batchContext);
    start = 0;
    recordsEnd = records.length;
  }
  // Bound the count by the bytes present, before anything is allocated for it.
  if (header.recordCount < 0 || header.recordCount > (recordsEnd - start) / MIN_RECORD_SIZE) {
    const detail = header.recordCount < 0 ? 'is negative' : `cannot fit in ${recordsEnd - start} bytes`;
    throw new KafkaProtocolError(`record count ${header.recordCount} ${detail}`, {
      ...batchContext,
      fieldPath: 'batch.recordCount',
      byteOffset: position + 57,
    });
  }
  const fixedTimestamp = header.timestampType === 'log-append' ? header.maxTimestamp : NaN;
  const reader = new RecordReader(records, start, recordsEnd, header.recordCount, header.baseTimestamp, fixedTimestamp, batchContext);
  return { header, records: reader };
}

/** Reads a control record's key (version, type) and, for transaction markers, its value. */
export function parseControlRecord(record: KafkaRecord, context: BatchErrorContext = {}): ControlRecord {
  const fail = (message: string, field: string): never => {
    throw new KafkaProtocolError(`control record at offset delta ${record.offsetDelta}: ${message}`, { ...context, fieldPath: `controlRecord.${field}` });
  };
  const { key, value } = record;
  if (key === null || key.length < 4) return fail(`key of ${key === null ? 'null' : key.length} bytes is shorter than 4`, 'key');
  const version = key.readInt16BE(0);
  if (version < 0) fail(`key version ${version} is negative`, 'key');
  const typeId = key.readInt16BE(2);
  const type = typeId === 0 ? 'abort' : typeId === 1 ? 'commit' : 'unknown';
  let coordinatorEpoch = -1;
  if (type !== 'unknown') {
    // Marker value: version int16, coordinatorEpoch int32 (later versions may add fields).
    if (value === null || value.length < 6) return fail(`transaction marker value of ${value === null ? 'null' : value.length} bytes is shorter than 6`, 'value');
    if (value.readInt16BE(0) < 0) fail(`transaction marker version ${value.readInt16BE(0)} is negative`, 'value');
    coordinatorEpoch = value.readInt32BE(2);
  }
  return { offsetDelta: record.offsetDelta, timestamp: record.timestamp, type, typeId, version, coordinatorEpoch, key, value };
}

/** Decodes the whole v2 batch at `position`, records and all. */
export function decodeRecordBatch(data: Uint8Array, position = 0, options: DecodeRecordsOptions = {}): RecordBatch {
  const { header, records: reader } = openRecordBatch(data, position, options);
  const records: KafkaRecord[] = [];
  for (let r = reader.read(); r !== undefined; r = reader.read()) records.push(r);
  if (!header.control) return { ...header, control: false, records };
  const context: BatchErrorContext = { topic: options.topic, partition: options.partition, offset: header.baseOffset };
  return { ...header, control: true, records: records.map((r) => parseControlRecord(r, context)) };
}
