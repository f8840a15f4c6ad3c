// The share consumer's public surface (KIP-932 share groups), re-exported from src/consumer/index.ts.
export { ShareConsumer, type ShareRecordRef } from './share-consumer.js';
export { ShareAcknowledgementError } from './errors.js';
export type { ShareConsumerOptions } from './options.js';
export type { AcknowledgeType, ShareAcknowledgementMode, ShareAcknowledgementResult, ShareAcquireMode, ShareConsumerRecord } from './types.js';
