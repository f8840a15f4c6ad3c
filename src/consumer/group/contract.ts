/**
 * The seam between the consumer (fetching, positions, the user's API) and its
 * group membership (classic or KIP-848). The consumer creates one
 * GroupMembership per group and hands it a GroupHost; the membership calls the
 * host when partitions come and go, and the host asks the membership to commit
 * and to read committed offsets (both need the member id and generation, which
 * only the membership knows).
 */
import type { ConnectionPool } from '../../network/pool.js';
import type { Metadata } from '../../cluster/metadata.js';
import type { Clock } from '../../network/clock.js';

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** A committed (or to-be-committed) position: the offset of the next record to read. */
export interface OffsetAndMetadata {
  offset: bigint;
  /** Leader epoch of the last record consumed, when known (-1 or undefined otherwise). */
  leaderEpoch?: number;
  metadata?: string | null;
}

/** Java's ConsumerRebalanceListener, in camelCase. Async callbacks are awaited. */
export interface RebalanceListener {
  onPartitionsRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  onPartitionsAssigned?(partitions: TopicPartition[]): void | Promise<void>;
  onPartitionsLost?(partitions: TopicPartition[]): void | Promise<void>;
}

/** What the membership needs from the consumer. */
export interface GroupHost {
  /**
   * Partitions are about to be taken away (rebalance, leave, close). The host
   * stops fetching them, commits what the application has consumed of them
   * when auto commit is on, calls the user's onPartitionsRevoked, and only
   * then resolves. The membership does not give the partitions up (Sync, or
   * a KIP-848 heartbeat acknowledging) before this resolves.
   */
  revoke(partitions: TopicPartition[]): Promise<void>;
  /**
   * Partitions are now this member's. The host reads their committed offsets
   * (membership.fetchCommitted), applies autoOffsetReset where there is none,
   * starts fetching them and calls the user's onPartitionsAssigned.
   */
  assign(partitions: TopicPartition[]): Promise<void>;
  /**
   * Partitions were lost without a chance to commit (session expired, fenced):
   * the host drops them without committing and calls onPartitionsLost.
   */
  lost(partitions: TopicPartition[]): Promise<void>;
  /** A fatal error (FENCED_INSTANCE_ID, GROUP_AUTHORIZATION_FAILED, …): the consumer surfaces it to the application. */
  fatal(err: Error): void;
}

/** Options the membership reads, named as the consumer's options. */
export interface GroupOptions {
  groupId: string;
  groupInstanceId: string | null;
  clientId: string;
  /** 'classic' (JoinGroup/SyncGroup) or 'consumer' (KIP-848 ConsumerGroupHeartbeat). */
  groupProtocol: 'classic' | 'consumer';
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxPollIntervalMs: number;
  rebalanceTimeoutMs: number;
  /** Classic protocol: assignor names in preference order, e.g. ['range', 'cooperative-sticky']. */
  partitionAssignmentStrategy: string[];
  /** KIP-848: the server-side assignor to ask for ('uniform' or 'range'), or null for the broker's default. */
  groupRemoteAssignor: string | null;
  clientRack: string | null;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  requestTimeoutMs: number;
  defaultApiTimeoutMs: number;
  /** How often a pattern subscription (and the leader's partition counts) is checked against the cluster (default 300000, as metadata.max.age.ms). */
  metadataMaxAgeMs?: number;
}

export interface GroupDeps {
  pool: ConnectionPool;
  metadata: Metadata;
  clock: Clock;
  host: GroupHost;
  options: GroupOptions;
}

/** A subscription: explicit topic names, or a pattern resolved against the cluster's topics. */
export type Subscription = { topics: string[] } | { pattern: RegExp };

/** One group member (classic or KIP-848). */
export interface GroupMembership {
  /** Joins (or rejoins) with this subscription; resolves once the first assignment has been handed to the host. */
  subscribe(subscription: Subscription): Promise<void>;
  /** The partitions currently assigned to this member. */
  assignment(): TopicPartition[];
  /**
   * The application polled (took records): resets the max.poll.interval.ms
   * timer. A member that does not poll within maxPollIntervalMs leaves the
   * group, logging why, and rejoins on the next poll.
   */
  polled(): void;
  /** Commits offsets with the member's id and generation (OffsetCommit to the coordinator). */
  commit(offsets: Map<TopicPartition, OffsetAndMetadata>): Promise<void>;
  /** Committed offsets (OffsetFetch); null where the group has none for a partition. */
  fetchCommitted(partitions: TopicPartition[]): Promise<Map<string, OffsetAndMetadata | null>>;
  /** Revokes (through the host), leaves the group (LeaveGroup, or a heartbeat with epoch -1 / -2 for static members) and stops timers. */
  leave(): Promise<void>;
  /** Member id and generation for sendOffsetsToTransaction (Java's groupMetadata()). */
  groupMetadata(): { groupId: string; generationId: number; memberId: string; groupInstanceId: string | null };
}

/** Map key for a partition: "topic:partition" (topic names cannot contain ':'). */
export const tpKey = (topic: string, partition: number): string => `${topic}:${partition}`;

/**
 * Commits and reads committed offsets of a group this consumer is not a
 * member of: assign() with a groupId (Java commits those with generation -1
 * and an empty member id). Finds and follows the group coordinator itself.
 */
export interface GroupOffsets {
  commit(offsets: Map<TopicPartition, OffsetAndMetadata>): Promise<void>;
  fetchCommitted(partitions: TopicPartition[]): Promise<Map<string, OffsetAndMetadata | null>>;
}
