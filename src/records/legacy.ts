/**
 * Legacy message sets (magic 0 and 1), decode only, and the record set
 * decoder that reads a Fetch partition's bytes whatever their format.
 *
 * A legacy entry is: offset int64, message size int32, then the message:
 * crc uint32 (CRC-32 of the rest of the message), magic int8, attributes int8
 * (compression in bits 0-2; for magic 1, bit 3 set means log append time),
 * timestamp int64 (magic 1 only), key and value (int32 length, -1 for null).
 *
 * A compressed message is a wrapper: its value is a compressed message set of
 * uncompressed inner messages, and its offset is the offset of the last of
 * them. Inner offsets of magic 0 are absolute; those of magic 1 count from 0,
 * and the absolute offset is wrapper offset - last inner offset + inner
 * offset. Magic-0 LZ4 wrappers were written with a non-standard frame header
 * checksum.
 *
 * Every entry of a record set, batch or message, starts with the offset,
 * length and four more bytes, so its magic is always at byte 16; that is how
 * the formats are told apart. The broker cuts a Fetch response's record set at
 * a byte limit, so the last entry may be incomplete: that is reported as
 * `truncated`, not as an error.
 */
import { crc32 } from '../codec/crc32.js';
import { CorruptRecordError, KafkaProtocolError } from '../errors.js';
import {
  decodeRecordBatch,
  decompressRecords,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  LOG_OVERHEAD,
  type DataRecordBatch,
  type DecodeRecordsOptions,
  type RecordBatch,
  type TimestampType,
} from './batch.js';
import { lz4FrameDecompress } from './compression/index.js';
import { NO_HEADERS, type BatchErrorContext, type KafkaRecord, type RecordsContext } from './record.js';

/** Smallest entry length field per magic (the bytes after the length). */
const MIN_ENTRY_LENGTH: readonly number[] = [14, 22, 49];
const TIMESTAMP_TYPE_BIT = 0x08;

interface LegacyMessage {
  offset: bigint;
  crc: number;
  magic: number;
  attributes: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  /** Position after the message. */
  end: number;
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Reads the legacy entry at `pos` (offset, size and message), which must end
 * by `limit`. `where` names it in errors ('message' or 'inner message').
 */
function readMessage(
  buf: Buffer,
  pos: number,
  limit: number,
  context: BatchErrorContext,
  verifyCrc: boolean,
  where: string,
): LegacyMessage {
  const fail = (message: string, field: string, at: number): never => {
    throw new KafkaProtocolError(`${where}: ${message}`, { ...context, fieldPath: `${where}.${field}`, byteOffset: at });
  };
  if (limit - pos < LOG_OVERHEAD + 5) fail(`needs ${LOG_OVERHEAD + 5} bytes, ${limit - pos} are left`, 'size', pos);
  const offset = buf.readBigInt64BE(pos);
  const size = buf.readInt32BE(pos + 8);
  const magic = buf.readInt8(pos + 16);
  if (magic !== 0 && magic !== 1) fail(`magic ${magic} is not 0 or 1`, 'magic', pos + 16);
  if (size < MIN_ENTRY_LENGTH[magic]!) fail(`size ${size} is shorter than a magic ${magic} message`, 'size', pos + 8);
  if (size > limit - pos - LOG_OVERHEAD) fail(`size ${size} runs past the ${limit - pos - LOG_OVERHEAD} bytes left`, 'size', pos + 8);
  const end = pos + LOG_OVERHEAD + size;
  const crc = buf.readUInt32BE(pos + 12);
  if (verifyCrc) {
    const actual = crc32(buf, pos + 16, end);
    if (actual !== crc) {
      throw new CorruptRecordError(
        `${where} CRC-32 is 0x${actual.toString(16).padStart(8, '0')} but the message says 0x${crc.toString(16).padStart(8, '0')}`,
        { offset, ...context },
      );
    }
  }
  const attributes = buf.readInt8(pos + 17);
  let at = pos + 18;
  let timestamp = -1;
  if (magic === 1) {
    timestamp = buf.readInt32BE(at) * 4294967296 + buf.readUInt32BE(at + 4);
    at += 8;
  }
  const bytes = (field: string): Buffer | null => {
    if (end - at < 4) fail('length runs past the end of the message', field, at);
    const length = buf.readInt32BE(at);
    if (length === -1) {
      at += 4;
      return null;
    }
    if (length < 0 || length > end - at - 4) fail(`length ${length} does not fit the ${end - at - 4} bytes left`, field, at);
    at += 4 + length;
    return buf.subarray(at - length, at);
  };
  const key = bytes('key');
  const value = bytes('value');
  if (at !== end) fail(`${end - at} bytes are left over after the value`, 'size', at);
  return { offset, crc, magic, attributes, timestamp, key, value, end };
}

function legacyTimestampType(magic: number, attributes: number): TimestampType {
  if (magic === 0) return 'none';
  return (attributes & TIMESTAMP_TYPE_BIT) === 0 ? 'create' : 'log-append';
}

function legacyBatch(outer: LegacyMessage, sizeInBytes: number, baseOffset: bigint, records: KafkaRecord[]): DataRecordBatch {
  return {
    baseOffset,
    sizeInBytes,
    partitionLeaderEpoch: -1,
    magic: outer.magic,
    crc: outer.crc,
    attributes: outer.attributes,
    compression: outer.attributes & 0x07,
    timestampType: legacyTimestampType(outer.magic, outer.attributes),
    transactional: false,
    control: false,
    hasDeleteHorizon: false,
    lastOffsetDelta: records[records.length - 1]!.offsetDelta,
    baseTimestamp: records[0]!.timestamp,
    maxTimestamp: outer.timestamp,
    producerId: -1n,
    producerEpoch: -1,
    baseSequence: -1,
    recordCount: records.length,
    records,
  };
}

/**
 * Decodes the legacy (magic 0 or 1) entry at `position` as a batch: one record
 * for a plain message, the inner messages for a compressed wrapper. Record
 * offsets are made absolute, then relative to the batch's baseOffset like
 * those of a v2 batch. Legacy records have no headers.
 */
export function decodeLegacyEntry(data: Uint8Array, position = 0, options: DecodeRecordsOptions = {}): DataRecordBatch {
  const buf = toBuffer(data);
  const context: BatchErrorContext = { topic: options.topic, partition: options.partition };
  const verifyCrc = options.verifyCrc !== false;
  const outer = readMessage(buf, position, buf.length, context, verifyCrc, 'message');
  const sizeInBytes = outer.end - position;
  const compression = outer.attributes & 0x07;
  if (compression === 0) {
    const record: KafkaRecord = { offsetDelta: 0, timestamp: outer.timestamp, key: outer.key, value: outer.value, headers: NO_HEADERS };
    return legacyBatch(outer, sizeInBytes, outer.offset, [record]);
  }

  const wrapperContext: BatchErrorContext = { ...context, offset: outer.offset };
  const fail = (message: string, field: string): never => {
    throw new KafkaProtocolError(`compressed message: ${message}`, { ...wrapperContext, fieldPath: `message.${field}` });
  };
  if (compression === 4) fail('zstd is not allowed before magic 2', 'attributes');
  if (outer.value === null) return fail('the wrapper has a null value', 'value');
  // Magic-0 LZ4 frames carry the old header checksum; the built-in codec reads both forms.
  const legacyLz4 =
    outer.magic === 0 && compression === 3
      ? (d: Uint8Array, max: number): Buffer => lz4FrameDecompress(d, max, { legacyHeaderChecksum: true })
      : undefined;
  const max = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  const inner = decompressRecords(compression, outer.value, max, wrapperContext, legacyLz4);

  const messages: LegacyMessage[] = [];
  for (let pos = 0; pos < inner.length; ) {
    const m = readMessage(inner, pos, inner.length, wrapperContext, verifyCrc, 'inner message');
    if ((m.attributes & 0x07) !== 0) fail(`the inner message at byte ${pos} is compressed too`, 'value');
    messages.push(m);
    pos = m.end;
  }
  const first = messages[0];
  const last = messages[messages.length - 1];
  if (first === undefined || last === undefined) return fail('the compressed message set is empty', 'value');

  // Inner offsets of magic 1 are relative; a wrapper offset of 0 (as a
  // producer sends it) leaves them as they are.
  let shift = 0n;
  if (outer.magic === 1 && outer.offset !== 0n) {
    if (outer.offset < last.offset) fail(`wrapper offset ${outer.offset} is below the last inner offset ${last.offset}`, 'offset');
    shift = outer.offset - last.offset;
  }
  const logAppend = outer.magic === 1 && (outer.attributes & TIMESTAMP_TYPE_BIT) !== 0;
  const records: KafkaRecord[] = new Array<KafkaRecord>(messages.length);
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    const timestamp = m.magic === 0 ? -1 : logAppend ? outer.timestamp : m.timestamp;
    records[i] = { offsetDelta: Number(m.offset - first.offset), timestamp, key: m.key, value: m.value, headers: NO_HEADERS };
  }
  return legacyBatch(outer, sizeInBytes, first.offset + shift, records);
}

// ---------------------------------------------------------------------------
// Record sets of any format.

/** One complete entry of a record set, found without decoding it. */
export interface RecordSetEntry {
  /** Byte position of the entry in the record set. */
  position: number;
  sizeInBytes: number;
  /** 0 or 1: a legacy message; 2: a record batch. */
  magic: number;
  /** The offset field: a batch's base offset, a legacy message's (last) offset. */
  offset: bigint;
  /** Offset of the entry's last record (of a batch: baseOffset + lastOffsetDelta). */
  lastOffset: bigint;
}

export interface ScannedRecordSet {
  entries: RecordSetEntry[];
  /** The data ended inside an entry (normal for the last entry of a Fetch response). */
  truncated: boolean;
}

export interface DecodedRecordSet {
  batches: RecordBatch[];
  /** The data ended inside an entry, which was left out. */
  truncated: boolean;
}

function badEntry(buf: Buffer, pos: number, context: RecordsContext, message: string, field: string, at: number): never {
  const offset = buf.readBigInt64BE(pos);
  throw new KafkaProtocolError(message, { ...context, offset, fieldPath: `records.${field}`, byteOffset: pos + at });
}

/**
 * Finds the entries of a record set from their offset, length and magic
 * fields alone (no CRC check, no decompression): the cheap first step of a
 * consumer that skips what it does not need. An incomplete last entry sets
 * `truncated`; a length or magic that cannot be right is a KafkaProtocolError.
 */
export function scanRecords(data: Uint8Array | null, context: RecordsContext = {}): ScannedRecordSet {
  const entries: RecordSetEntry[] = [];
  if (data === null) return { entries, truncated: false };
  const buf = toBuffer(data);
  const length = buf.length;
  let pos = 0;
  while (pos < length) {
    const left = length - pos;
    if (left < LOG_OVERHEAD) return { entries, truncated: true };
    const size = buf.readInt32BE(pos + 8);
    if (size < MIN_ENTRY_LENGTH[0]!) badEntry(buf, pos, context, `entry length ${size} is shorter than any message`, 'length', 8);
    if (left < 17) return { entries, truncated: true };
    const magic = buf.readInt8(pos + 16);
    const minimum = MIN_ENTRY_LENGTH[magic];
    if (minimum === undefined) return badEntry(buf, pos, context, `magic ${magic} is not 0, 1 or 2`, 'magic', 16);
    if (size < minimum) badEntry(buf, pos, context, `entry length ${size} is shorter than a magic ${magic} header`, 'length', 8);
    if (size > left - LOG_OVERHEAD) return { entries, truncated: true };
    const offset = buf.readBigInt64BE(pos);
    const lastOffset = magic === 2 ? offset + BigInt(buf.readInt32BE(pos + 23)) : offset;
    entries.push({ position: pos, sizeInBytes: LOG_OVERHEAD + size, magic, offset, lastOffset });
    pos += LOG_OVERHEAD + size;
  }
  return { entries, truncated: false };
}

/** Decodes one entry found by scanRecords, whatever its magic. */
export function decodeRecordSetEntry(data: Uint8Array, entry: RecordSetEntry, options: DecodeRecordsOptions = {}): RecordBatch {
  return entry.magic === 2 ? decodeRecordBatch(data, entry.position, options) : decodeLegacyEntry(data, entry.position, options);
}

/**
 * Decodes a whole record set (a Fetch partition's `records`): v2 batches and
 * legacy messages in any mix. An incomplete last entry is left out and sets
 * `truncated`. Bad checksums throw CorruptRecordError; malformed bytes throw
 * KafkaProtocolError; an unknown or unavailable codec throws
 * UnsupportedCompressionError.
 */
export function decodeRecords(data: Uint8Array | null, options: DecodeRecordsOptions = {}): DecodedRecordSet {
  if (data === null) return { batches: [], truncated: false };
  const buf = toBuffer(data);
  const { entries, truncated } = scanRecords(buf, { topic: options.topic, partition: options.partition });
  const batches: RecordBatch[] = new Array<RecordBatch>(entries.length);
  for (let i = 0; i < entries.length; i++) batches[i] = decodeRecordSetEntry(buf, entries[i]!, options);
  return { batches, truncated };
}
