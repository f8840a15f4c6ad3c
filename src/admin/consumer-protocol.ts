// Reads the ConsumerProtocol bytes a classic consumer group keeps per member
// (the subscription it joined with, the assignment the leader gave it), so
// describeConsumerGroups can show topics and partitions. Bytes that are not
// ConsumerProtocol give null rather than failing the whole call.
import { decodeAssignment, decodeSubscription } from '../consumer/assignors/consumer-protocol.js';
import type { TopicPartition } from './types.js';

/** The topics of a member's subscription, or null when the bytes are not ConsumerProtocol. */
export function readSubscriptionTopics(bytes: Uint8Array): string[] | null {
  if (bytes.length === 0) return [];
  try {
    return decodeSubscription(bytes).topics;
  } catch {
    return null;
  }
}

/** The partitions of a member's assignment, or null when the bytes are not ConsumerProtocol. */
export function readAssignment(bytes: Uint8Array): TopicPartition[] | null {
  if (bytes.length === 0) return [];
  try {
    return decodeAssignment(bytes).partitions.map((p) => ({ topic: p.topic, partition: p.partition }));
  } catch {
    return null;
  }
}
