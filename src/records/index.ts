/**
 * Kafka's record formats: v2 record batches (encode and decode), legacy
 * magic 0/1 message sets (decode), and the record sets of Fetch responses,
 * whatever their mix of formats.
 */
export {
  BATCH_HEADER_SIZE,
  decodeBatchHeader,
  decodeRecordBatch,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  encodeRecordBatch,
  LOG_OVERHEAD,
  openRecordBatch,
  parseControlRecord,
  type ControlRecord,
  type ControlRecordBatch,
  type DataRecordBatch,
  type DecodeRecordsOptions,
  type EncodeRecordBatchOptions,
  type OpenedRecordBatch,
  type RecordBatch,
  type RecordBatchHeader,
  type TimestampType,
} from './batch.js';
export {
  decodeLegacyEntry,
  decodeRecords,
  decodeRecordSetEntry,
  scanRecords,
  type DecodedRecordSet,
  type RecordSetEntry,
  type ScannedRecordSet,
} from './legacy.js';
export {
  NO_HEADERS,
  RecordReader,
  type KafkaRecord,
  type RecordHeader,
  type RecordColumns,
  type RecordHeaderInput,
  type RecordInput,
  type RecordsContext,
} from './record.js';
