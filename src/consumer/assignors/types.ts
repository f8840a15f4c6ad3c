/**
 * The classic group protocol's client-side assignors, shaped after Java's
 * ConsumerPartitionAssignor: the group leader decodes every member's
 * subscription (ConsumerProtocol bytes), asks the assignor, and encodes each
 * member's assignment back into ConsumerProtocol bytes for SyncGroup.
 */
import type { TopicPartition } from '../group/contract.js';

/** EAGER: every member gives up everything before a rebalance. COOPERATIVE: only partitions that move are revoked (KIP-429). */
export type RebalanceProtocol = 'EAGER' | 'COOPERATIVE';

/** One member's subscription, as ConsumerProtocol carries it (versions 0-3). */
export interface MemberSubscription {
  topics: string[];
  userData: Uint8Array | null;
  /** v1+: partitions the member owns now (cooperative rebalancing reads them). */
  ownedPartitions: TopicPartition[];
  /** v2+: the generation the owned partitions belong to (-1 when unknown). */
  generationId: number;
  /** v3+: the member's rack (client.rack), or null. */
  rackId: string | null;
  /**
   * Not part of the bytes: the member's group.instance.id from the JoinGroup
   * response (static members sort first in range and roundrobin, as in Java).
   */
  groupInstanceId?: string | null;
}

/** One member's assignment, as ConsumerProtocol carries it. */
export interface MemberAssignment {
  partitions: TopicPartition[];
  userData: Uint8Array | null;
}

/** What the leader knows of each subscribed topic. */
export interface TopicDescription {
  partitions: number;
  /** Racks of each partition's replicas, by partition index (rack-aware assignment); optional. */
  partitionRacks?: Array<string[]>;
}

export interface Assignor {
  /** The protocol name sent in JoinGroup: 'range', 'roundrobin', 'cooperative-sticky' (as Java names them). */
  readonly name: string;
  /** Rebalance protocols this assignor supports, preferred last (Java's supportedProtocols()). */
  readonly supportedProtocols: readonly RebalanceProtocol[];
  /**
   * Assigns partitions. members is keyed by member id; for cooperative
   * assignors a partition that moves from one owner to another is left
   * unassigned this round (its owner revokes it and rejoins), as Java does.
   */
  assign(members: Map<string, MemberSubscription>, topics: Map<string, TopicDescription>): Map<string, MemberAssignment>;
  /** The userData a member puts in its subscription (the sticky assignors carry state here); null for none. */
  subscriptionUserData?(topics: string[], ownedPartitions: TopicPartition[], generationId: number): Uint8Array | null;
}
