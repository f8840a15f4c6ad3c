/** The public value types of the share consumer (KIP-932 share groups). */
import type { ConsumerRecord } from '../completed-fetch.js';

/**
 * What the application says about a delivered record, as Java's AcknowledgeType:
 * 'accept' (processed; never delivered again), 'release' (give it back; it is
 * delivered again, to this or another member, with a higher delivery count),
 * 'reject' (unprocessable; never delivered again), 'renew' (keep the
 * acquisition lock for another lock duration; a final acknowledgement is still
 * due — needs brokers with ShareFetch/ShareAcknowledge v2, e.g. 4.4).
 */
export type AcknowledgeType = 'accept' | 'release' | 'reject' | 'renew';

/** The acknowledgement codes on the wire (0 is "gap": an acquired offset with no record to deliver). */
export const ACK_CODE = { gap: 0, accept: 1, release: 2, reject: 3, renew: 4 } as const;
export type AckCode = (typeof ACK_CODE)[keyof typeof ACK_CODE];

/**
 * 'implicit' (default): every record a poll() returned is accepted by the next
 * poll(), commitSync(), commitAsync() or close(). 'explicit': the application
 * acknowledges each record with acknowledge(); poll() throws while a record of
 * the previous poll is unacknowledged. Java's share.acknowledgement.mode.
 */
export type ShareAcknowledgementMode = 'implicit' | 'explicit';

/**
 * How the broker acquires records for one fetch (Java's share.acquire.mode,
 * KIP-1206): 'batch_optimized' (default) hands out whole record batches,
 * possibly more than maxPollRecords; 'record_limit' never more than
 * maxPollRecords. Sent with ShareFetch v2+; older brokers always behave as
 * 'batch_optimized'.
 */
export type ShareAcquireMode = 'batch_optimized' | 'record_limit';

/** A record as a share consumer gets it: a ConsumerRecord and how many times it has been delivered. */
export interface ShareConsumerRecord<K = Buffer | null, V = Buffer | null> extends ConsumerRecord<K, V> {
  /** 1 on the first delivery; higher after releases or lock timeouts (capped by the group's share.delivery.count.limit). */
  deliveryCount: number;
}

/** The outcome of acknowledging the records of one partition, as commitSync() reports it. */
export interface ShareAcknowledgementResult {
  topic: string;
  partition: number;
  /** The offsets whose acknowledgements were sent, ascending. */
  offsets: bigint[];
  /** null when the broker applied them; otherwise why not (e.g. INVALID_RECORD_STATE after the lock timed out). */
  error: Error | null;
}
