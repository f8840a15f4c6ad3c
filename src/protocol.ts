// `kafkawire/protocol`: the low-level layer, for people who build tools or
// run protocol benchmarks. Connections and the connection pool speak the
// Kafka protocol (framing, correlation ids, version negotiation, TLS, SASL);
// the generated messages encode and decode every request and response; the
// record-batch codec and the compression codecs read and write record data.
// The application-level clients are in `kafkawire` (src/index.ts).

import { API_DEFINITIONS } from './messages/generated/index.js';
import { installAll } from './messages/registry.js';

// This subpath imports every message's codecs, so `api()` and `apiByKey()` give loaded definitions at once.
installAll(API_DEFINITIONS);

// --- Connections ---
export { Connection, type ConnectionOptions, type ConnectionRole, type RequestOptions } from './network/connection.js';
export { ConnectionPool, type BrokerInfo, type ConnectionInfo, type PoolOptions } from './network/pool.js';
export type { Clock } from './network/clock.js';
export { Metadata, type MetadataOptions, type PartitionInfo, type TopicInfo } from './cluster/metadata.js';

// --- Messages: every API's request and response types, encoders and decoders ---
export * from './messages/generated/index.js';
export { api, apiByKey, type ApiDefinition, type ApiName } from './messages/registry.js';
export { decodeRequestFrame, decodeResponseBody, encodeRequestFrame, encodeResponseFrame } from './messages/frame.js';
export { chooseVersion, type BrokerApiRange, type VersionCaps } from './messages/negotiate.js';
export { errorFor, errorName, isRetriable } from './messages/error-codes.js';

// --- Records: v2 record batches, legacy message sets ---
export {
  decodeBatchHeader,
  decodeRecordBatch,
  decodeRecords,
  encodeRecordBatch,
  openRecordBatch,
  type ControlRecord,
  type ControlRecordBatch,
  type DataRecordBatch,
  type DecodedRecordSet,
  type DecodeRecordsOptions,
  type EncodeRecordBatchOptions,
  type KafkaRecord,
  type OpenedRecordBatch,
  type RecordBatch,
  type RecordBatchHeader,
  type RecordHeader,
  type RecordColumns,
  type RecordHeaderInput,
  type RecordInput,
  type TimestampType,
} from './records/index.js';

// --- Compression codecs ---
export { getCodec, registerCodec, registeredCodecs, type CompressionCodec, type CompressionName, type CompressionTypeName } from './records/compression/index.js';
