// Errors that only the consumer raises; each names the partitions it concerns.
import { KafkaError } from '../errors.js';
import type { TopicPartition } from './group/contract.js';

const names = (tps: readonly TopicPartition[]): string => tps.map((tp) => `${tp.topic}-${tp.partition}`).join(', ');

/** autoOffsetReset is 'none' and these partitions have no committed offset (Java's NoOffsetForPartitionException). */
export class NoOffsetForPartitionError extends KafkaError {
  readonly partitions: TopicPartition[];
  constructor(partitions: TopicPartition[], groupId: string | null) {
    super(
      `no committed offset for ${names(partitions)}${groupId === null ? ' (no groupId)' : ` in group ${groupId}`} and autoOffsetReset is 'none': ` +
        `seek() to a position, or set autoOffsetReset to 'earliest' or 'latest'`,
      false,
      partitions.length === 1 ? { topic: partitions[0]!.topic, partition: partitions[0]!.partition } : {},
    );
    this.partitions = partitions;
  }
}

/** The fetch position is outside the log and autoOffsetReset is 'none' (Java's OffsetOutOfRangeException). */
export class OffsetOutOfRangeError extends KafkaError {
  constructor(tp: TopicPartition, offset: bigint) {
    super(`offset ${offset} is out of range for ${tp.topic}-${tp.partition} and autoOffsetReset is 'none': seek() to a valid position`, false, { ...tp, offset });
  }
}

/**
 * The log was truncated below the consumer's position (an unclean leader
 * election) and autoOffsetReset is 'none' (Java's LogTruncationException).
 * divergentOffset is where the leader's log for the position's epoch ends,
 * or null when the leader no longer knows that epoch at all.
 */
export class LogTruncationError extends KafkaError {
  readonly divergentOffset: bigint | null;
  /** The position that failed validation (also in context.offset). */
  readonly position: bigint;
  constructor(tp: TopicPartition, position: bigint, divergentOffset: bigint | null, positionEpoch = -1) {
    const epoch = positionEpoch >= 0 ? ` (leader epoch ${positionEpoch})` : '';
    const where =
      divergentOffset === null
        ? `the leader no longer has the epoch of position ${position}${epoch}`
        : `the leader's log for the epoch of position ${position}${epoch} ends at ${divergentOffset}, so records ${divergentOffset}..${position - 1n} were lost or replaced`;
    super(
      `truncation detected on ${tp.topic}-${tp.partition}: ${where} (unclean leader election?) and autoOffsetReset is 'none': ` +
        `seek() to continue${divergentOffset === null ? '' : ` (for example to ${divergentOffset})`}`,
      false,
      { topic: tp.topic, partition: tp.partition, offset: position },
    );
    this.divergentOffset = divergentOffset;
    this.position = position;
  }
}
