// kafkawire's public API.
export { Producer, type ProducerRecord } from './producer/producer.js';
export type { ProducerOptions } from './producer/options.js';
export type { RecordMetadata } from './producer/accumulator.js';
export { defaultPartitioner, partitionForKey, StickyPartitioner, type Partitioner, type PartitionerInput } from './producer/partitioner.js';
export { bytesSerializer, defaultSerializer, jsonSerializer, stringSerializer, type Serializer } from './producer/serializers.js';
export { KafkaTransactionError, type ConsumerGroupMetadata, type TopicPartitionOffset, type TransactionState } from './producer/transactions.js';
export { murmur2, toPositive } from './codec/murmur2.js';
export { ConnectionPool, type BrokerInfo, type ConnectionInfo, type PoolOptions } from './network/pool.js';
export { Connection, type ConnectionOptions } from './network/connection.js';
export { Metadata } from './cluster/metadata.js';
export { KafkaBrokerError, errorFor, errorName } from './messages/error-codes.js';
export {
  CorruptRecordError,
  KafkaConfigError,
  KafkaConnectionError,
  KafkaError,
  KafkaProtocolError,
  KafkaTimeoutError,
  UnsupportedCompressionError,
  UnsupportedVersionError,
  type KafkaErrorContext,
} from './errors.js';
export { getCodec, registerCodec, type CompressionCodec, type CompressionTypeName } from './records/compression/index.js';
