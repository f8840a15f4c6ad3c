/**
 * The range assignor (Java's RangeAssignor, name 'range'): per topic,
 * partitions in order are cut into contiguous ranges over the topic's
 * members in Java's member order; the first (partitions % members) members
 * get one extra. When member and replica racks are known and some partition
 * lacks a rack, partitions are first matched to members on their rack
 * (co-partitioned topics together), within the same per-topic quotas.
 */
import type { TopicPartition } from '../group/contract.js';
import type { Assignor, MemberAssignment, MemberSubscription, RebalanceProtocol, TopicDescription } from './types.js';
import {
  compareMembers,
  compareTopicThenPartition,
  instanceIdOf,
  javaMemberOrder,
  javaTopicOrder,
  partitionRackSet,
  rackOf,
  useRackAware,
} from './common.js';

/** One topic's progress: its members in order, what is left, and each member's quota. */
class TopicState {
  readonly consumers: string[];
  readonly consumerRack: Map<string, string | null>;
  readonly unassigned: number[];
  readonly assignedCount = new Map<string, number>();
  readonly perConsumer: number;
  remainingWithExtra: number;
  /** Per partition racks; empty when none of this topic's members has a rack (as Java). */
  readonly partitionRacks: Set<string>[] = [];
  readonly needsRackAware: boolean;

  constructor(
    readonly topic: string,
    partitions: number,
    desc: TopicDescription,
    members: { memberId: string; groupInstanceId: string | null; rack: string | null }[],
  ) {
    const sorted = [...members].sort(compareMembers);
    this.consumerRack = new Map();
    for (const m of sorted) if (!this.consumerRack.has(m.memberId)) this.consumerRack.set(m.memberId, m.rack);
    this.consumers = [...this.consumerRack.keys()];
    this.unassigned = Array.from({ length: partitions }, (_, i) => i);
    for (const c of this.consumers) this.assignedCount.set(c, 0);
    const n = this.consumers.length;
    this.perConsumer = n === 0 ? 0 : Math.floor(partitions / n);
    this.remainingWithExtra = n === 0 ? 0 : partitions % n;

    const consumerRacks = new Set<string>();
    for (const r of this.consumerRack.values()) if (r !== null) consumerRacks.add(r);
    const allPartitionRacks = new Set<string>();
    if (consumerRacks.size > 0) {
      for (let p = 0; p < partitions; p++) {
        const racks = partitionRackSet(desc, p);
        this.partitionRacks.push(racks);
        for (const r of racks) allPartitionRacks.add(r);
      }
    }
    this.needsRackAware = useRackAware(consumerRacks, allPartitionRacks, this.partitionRacks);
  }

  racksMatch(consumer: string, partition: number): boolean {
    const rack = this.consumerRack.get(consumer) ?? null;
    if (rack === null) return true;
    const racks = this.partitionRacks[partition];
    return racks !== undefined && racks.has(rack);
  }

  maxAssignable(consumer: string): number {
    const max = this.perConsumer + (this.remainingWithExtra > 0 ? 1 : 0) - (this.assignedCount.get(consumer) ?? 0);
    return Math.max(0, max);
  }

  onAssigned(consumer: string, partitions: number[]): void {
    const n = (this.assignedCount.get(consumer) ?? 0) + partitions.length;
    this.assignedCount.set(consumer, n);
    if (n > this.perConsumer) this.remainingWithExtra--;
    const gone = new Set(partitions);
    for (let i = this.unassigned.length - 1; i >= 0; i--) if (gone.has(this.unassigned[i] as number)) this.unassigned.splice(i, 1);
  }

  /** Identity of the member list (with racks), for grouping co-partitioned topics. */
  consumersKey(): string {
    return JSON.stringify([...this.consumerRack.entries()]);
  }
}

export class RangeAssignor implements Assignor {
  readonly name = 'range';
  readonly supportedProtocols: readonly RebalanceProtocol[] = ['EAGER'];

  assign(members: Map<string, MemberSubscription>, topics: Map<string, TopicDescription>): Map<string, MemberAssignment> {
    const memberOrder = javaMemberOrder(members);
    const topicOrder = javaTopicOrder(members, memberOrder, topics);

    const perTopic = new Map<string, { memberId: string; groupInstanceId: string | null; rack: string | null }[]>();
    for (const id of memberOrder) {
      const sub = members.get(id) as MemberSubscription;
      for (const t of sub.topics) {
        let list = perTopic.get(t);
        if (list === undefined) perTopic.set(t, (list = []));
        list.push({ memberId: id, groupInstanceId: instanceIdOf(sub), rack: rackOf(sub) });
      }
    }
    const states = topicOrder.map(
      (t) => new TopicState(t, (topics.get(t) as TopicDescription).partitions, topics.get(t) as TopicDescription, perTopic.get(t) ?? []),
    );

    const result = new Map<string, TopicPartition[]>();
    for (const id of members.keys()) result.set(id, []);
    const give = (consumer: string, partitions: number[], state: TopicState): void => {
      const list = result.get(consumer) as TopicPartition[];
      for (const p of partitions) list.push({ topic: state.topic, partition: p });
      state.onAssigned(consumer, partitions);
    };
    const assignRanges = (state: TopicState, mayAssign: (c: string, p: number) => boolean): void => {
      for (const consumer of state.consumers) {
        if (state.unassigned.length === 0) break;
        const limit = state.maxAssignable(consumer);
        const picked: number[] = [];
        for (const p of state.unassigned) {
          if (picked.length >= limit) break;
          if (mayAssign(consumer, p)) picked.push(p);
        }
        if (picked.length > 0) give(consumer, picked, state);
      }
    };

    const rackAware = states.some((s) => s.needsRackAware);
    if (rackAware) {
      // Topics with the same members and the same partition count are matched together so co-partitioning holds.
      const groups = new Map<string, TopicState[]>();
      for (const s of states) {
        const key = `${s.partitionRacks.length}\u0000${s.consumersKey()}`;
        let g = groups.get(key);
        if (g === undefined) groups.set(key, (g = []));
        g.push(s);
      }
      for (const group of groups.values()) {
        if (group.length > 1) this.assignCoPartitioned(group, give);
        else {
          const s = group[0] as TopicState;
          if (s.needsRackAware) assignRanges(s, (c, p) => s.racksMatch(c, p));
        }
      }
    }
    for (const s of states) assignRanges(s, () => true);

    const out = new Map<string, MemberAssignment>();
    for (const [id, list] of result) {
      if (rackAware) list.sort(compareTopicThenPartition);
      out.set(id, { partitions: list, userData: null });
    }
    return out;
  }

  private assignCoPartitioned(group: TopicState[], give: (c: string, p: number[], s: TopicState) => void): void {
    const first = group[0] as TopicState;
    const remaining = [...first.consumers];
    const numPartitions = first.partitionRacks.length;
    for (let p = 0; p < numPartitions; p++) {
      const consumer = remaining.find((c) => group.every((s) => s.racksMatch(c, p) && s.maxAssignable(c) > 0));
      if (consumer === undefined) continue;
      for (const s of group) give(consumer, [p], s);
      if (!group.some((s) => s.maxAssignable(consumer) > 0)) {
        remaining.splice(remaining.indexOf(consumer), 1);
        if (remaining.length === 0) break;
      }
    }
  }
}
