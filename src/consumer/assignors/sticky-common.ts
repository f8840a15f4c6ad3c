/**
 * What both halves of the sticky algorithm (Java's AbstractStickyAssignor)
 * share: each member's claimed partitions and generation, the claims
 * resolved between members, and rack information.
 */
import { KafkaError } from '../../errors.js';
import type { TopicPartition } from '../group/contract.js';
import type { MemberSubscription, TopicDescription } from './types.js';
import { keyOf, partitionRackSet, rackOf, removeFirst, useRackAware } from './common.js';

export const DEFAULT_GENERATION = -1;

/** Java would fail here (an internal error of its algorithm); we fail the same way. */
export class StickyAssignmentError extends KafkaError {
  constructor(message: string) {
    super(`cooperative-sticky assignment failed: ${message}`, false);
  }
}

/** The input of one assignment, with the orders Java would iterate in. */
export interface StickyInput {
  members: Map<string, MemberSubscription>;
  /** Member ids in Java's HashMap order. */
  memberOrder: string[];
  /** Partition count of every subscribed topic that has partitions. */
  partitionsPerTopic: Map<string, number>;
  topics: Map<string, TopicDescription>;
}

/**
 * The generation a member's owned partitions belong to: the subscription's
 * generationId (v2+), else the one the cooperative-sticky userData carries
 * (an int32; unreadable userData counts as -1), else -1.
 */
export function memberGeneration(sub: MemberSubscription): number {
  if (sub.generationId >= 0) return sub.generationId;
  const u = sub.userData;
  if (u === null) return DEFAULT_GENERATION;
  if (u.byteLength < 4) return DEFAULT_GENERATION;
  return new DataView(u.buffer, u.byteOffset, u.byteLength).getInt32(0);
}

/** The subscription's own generationId as Java's Subscription exposes it (negative is absent, -1). */
export function subscriptionGeneration(sub: MemberSubscription): number {
  return sub.generationId >= 0 ? sub.generationId : DEFAULT_GENERATION;
}

export interface OwnedAnalysis {
  allSubscriptionsEqual: boolean;
  /** Each member's claimed partitions still to be honoured, in member order. */
  owned: Map<string, TopicPartition[]>;
  /** Partitions two members of one generation both claimed: nobody keeps them. */
  multiplyClaimed: Set<string>;
  maxGeneration: number;
}

/**
 * Java's allSubscriptionsEqual pass: whether every member subscribes to the
 * same topics, and who keeps a partition several members claim (the higher
 * generation wins; a tie in one generation means neither keeps it).
 */
export function analyseOwned(input: StickyInput): OwnedAnalysis {
  let equal = true;
  const subscribed = new Set<string>();
  const previousOwner = new Map<string, string>();
  const owned = new Map<string, TopicPartition[]>();
  const multiplyClaimed = new Set<string>();
  let maxGeneration = DEFAULT_GENERATION;

  for (const consumer of input.memberOrder) {
    const sub = input.members.get(consumer) as MemberSubscription;
    if (subscribed.size === 0) {
      for (const t of sub.topics) subscribed.add(t);
    } else if (equal && !(sub.topics.length === subscribed.size && sub.topics.every((t) => subscribed.has(t)))) {
      equal = false;
    }
    const generation = memberGeneration(sub);
    maxGeneration = Math.max(maxGeneration, generation);
    const mine: TopicPartition[] = [];
    owned.set(consumer, mine);
    for (const tp of sub.ownedPartitions) {
      if (!input.partitionsPerTopic.has(tp.topic)) continue;
      const key = keyOf(tp);
      const other = previousOwner.get(key);
      if (other === undefined) {
        mine.push(tp);
        previousOwner.set(key, consumer);
        continue;
      }
      const otherGeneration = subscriptionGeneration(input.members.get(other) as MemberSubscription);
      if (generation === otherGeneration) {
        multiplyClaimed.add(key);
        removeFirst(owned.get(other) as TopicPartition[], tp);
        previousOwner.set(key, consumer);
      } else if (generation > otherGeneration) {
        mine.push(tp);
        removeFirst(owned.get(other) as TopicPartition[], tp);
        previousOwner.set(key, consumer);
      }
    }
  }
  return { allSubscriptionsEqual: equal, owned, multiplyClaimed, maxGeneration };
}

/** Racks of members and partitions, when rack-aware assignment applies (Java's RackInfo). */
export class RackInfo {
  /** member -> rack; empty unless rack-aware assignment is used. */
  readonly consumerRacks = new Map<string, string>();
  /** partition key -> racks of its replicas; empty unless rack-aware. */
  readonly partitionRacks = new Map<string, Set<string>>();
  private readonly consumersPerPartition = new Map<string, number>();

  constructor(input: StickyInput, topicOrder: readonly string[]) {
    const consumersByRack = new Map<string, string[]>();
    for (const id of input.memberOrder) {
      const rack = rackOf(input.members.get(id) as MemberSubscription);
      if (rack === null) continue;
      let list = consumersByRack.get(rack);
      if (list === undefined) consumersByRack.set(rack, (list = []));
      list.push(id);
    }
    const partitionRacks = new Map<string, Set<string>>();
    const allPartitionRacks = new Set<string>();
    if (consumersByRack.size > 0) {
      for (const topic of topicOrder) {
        const desc = input.topics.get(topic) as TopicDescription;
        const n = input.partitionsPerTopic.get(topic) as number;
        for (let p = 0; p < n; p++) {
          const racks = partitionRackSet(desc, p);
          partitionRacks.set(`${p}\u0000${topic}`, racks);
          for (const r of racks) allPartitionRacks.add(r);
        }
      }
    }
    if (useRackAware(new Set(consumersByRack.keys()), allPartitionRacks, partitionRacks.values())) {
      for (const [rack, ids] of consumersByRack) for (const id of ids) this.consumerRacks.set(id, rack);
      for (const [k, v] of partitionRacks) this.partitionRacks.set(k, v);
    }
    // Java counts this even when it does not use racks (then the counts are uniform).
    for (const [k, racks] of partitionRacks) {
      let n = 0;
      for (const r of racks) n += consumersByRack.get(r)?.length ?? 0;
      this.consumersPerPartition.set(k, n);
    }
  }

  racksMismatch(consumer: string, tp: TopicPartition): boolean {
    const rack = this.consumerRacks.get(consumer);
    if (rack === undefined) return false;
    const racks = this.partitionRacks.get(keyOf(tp));
    return racks === undefined || !racks.has(rack);
  }

  /** Partitions with the fewest same-rack members first (stable), so scarce matches are made first. */
  sortByRackConsumers(partitions: TopicPartition[]): TopicPartition[] {
    if (this.consumersPerPartition.size === 0) return partitions;
    const count = (tp: TopicPartition): number => this.consumersPerPartition.get(keyOf(tp)) ?? 0;
    return [...partitions].sort((a, b) => count(a) - count(b));
  }

  /** Index of the first member from firstIndex on (wrapping) on a rack with a replica of tp, or -1. */
  nextRackConsumer(tp: TopicPartition, consumers: readonly string[], firstIndex: number): number {
    const racks = this.partitionRacks.get(keyOf(tp));
    if (racks === undefined || racks.size === 0) return -1;
    for (let i = 0; i < consumers.length; i++) {
      const index = (firstIndex + i) % consumers.length;
      const rack = this.consumerRacks.get(consumers[index] as string);
      if (rack !== undefined && racks.has(rack)) return index;
    }
    return -1;
  }
}
