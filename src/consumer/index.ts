// The consumer's public surface (re-exported from src/index.ts).
export { Consumer, type CommittedOffset, type OffsetForTime, type OffsetInput, type PartitionOffset, type OffsetToCommit } from './consumer.js';
export type { ConsumerRecord } from './completed-fetch.js';
export type { ConsumerBatch } from './fetch-manager.js';
export { bytesDeserializer, jsonDeserializer, stringDeserializer, type Deserializer } from './deserializers.js';
export { LogTruncationError, NoOffsetForPartitionError, OffsetOutOfRangeError } from './errors.js';
export type { AutoOffsetReset, ConsumerOptions, IsolationLevel } from './options.js';
export type { OffsetAndMetadata, RebalanceListener, TopicPartition } from './group/contract.js';
export { ShareConsumer, ShareAcknowledgementError, type AcknowledgeType, type ShareAcknowledgementMode, type ShareAcknowledgementResult, type ShareAcquireMode, type ShareConsumerOptions, type ShareConsumerRecord, type ShareRecordRef } from './share/index.js';
