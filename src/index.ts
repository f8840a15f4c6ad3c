// kafkawire's public API: what an application needs. Low-level pieces
// (connections, the connection pool, metadata, the generated protocol
// messages, the record-batch codec, compression codecs) are in
// `kafkawire/protocol` (src/protocol.ts). One section per client; a new
// client (consumer, admin) adds its own section below the producer's.

// --- Producer ---
export { Producer, type ProducerRecord } from './producer/producer.js';
export type { ProducerOptions } from './producer/options.js';
export type { RecordMetadata } from './producer/accumulator.js';
export { defaultPartitioner, partitionForKey, StickyPartitioner, type Partitioner, type PartitionerInput } from './producer/partitioner.js';
export { bytesSerializer, defaultSerializer, jsonSerializer, stringSerializer, type Serializer } from './producer/serializers.js';
export { SendBatchError, type SendOutcome } from './producer/send-batch.js';
export { KafkaTransactionError, type ConsumerGroupMetadata, type TopicPartitionOffset, type TransactionState } from './producer/transactions.js';

// --- Options shared by every client ---
export type { OAuthBearerToken, SaslMechanismName, SaslOptions } from './network/sasl/index.js';
export type { CompressionTypeName } from './records/compression/index.js';

// --- Partitioning, as the Java client computes it ---
export { murmur2, toPositive } from './codec/murmur2.js';

// --- Errors (every class the README's error table lists) ---
export {
  CorruptRecordError,
  KafkaAuthenticationError,
  KafkaAuthorizationError,
  KafkaBrokerError,
  KafkaConfigError,
  KafkaConnectionError,
  KafkaError,
  KafkaProtocolError,
  KafkaTimeoutError,
  KafkaTlsError,
  UnsupportedCompressionError,
  UnsupportedVersionError,
  type KafkaErrorContext,
} from './errors.js';
export { ErrorCode, type ErrorCodeName } from './messages/error-codes.js';

// --- Consumer ---
export * from './consumer/index.js';

// --- Admin ---
export * from './admin/index.js';
