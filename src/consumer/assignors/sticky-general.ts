/**
 * The sticky algorithm when members subscribe to different topics (Java's
 * GeneralAssignmentBuilder): keep every valid owned partition, give each
 * unassigned partition to the least-loaded member that can take it, then
 * move partitions from fuller to emptier members until no move helps,
 * preferring to move a partition back to its owner of an older generation
 * and to undo earlier moves rather than make new ones. If the result is not
 * better balanced than what it started from, it keeps what it started from.
 */
import type { TopicPartition } from '../group/contract.js';
import type { MemberSubscription } from './types.js';
import { compareJavaStrings } from './java-hash.js';
import { containsTp, keyOf, removeFirst } from './common.js';
import { memberGeneration, StickyAssignmentError, type RackInfo, type StickyInput } from './sticky-common.js';
import { PartitionMovements } from './sticky-movements.js';
import type { StickyResult } from './sticky-constrained.js';

interface Previous {
  consumer: string;
  generation: number;
}

export function generalAssign(input: StickyInput, rackInfo: RackInfo, owned: Map<string, TopicPartition[]>, maxGeneration: number): StickyResult {
  return { assignment: new GeneralBuilder(input, rackInfo, owned, maxGeneration).build(), transferring: null };
}

class GeneralBuilder {
  private readonly topicConsumers = new Map<string, string[]>();
  private readonly consumerTopics = new Map<string, string[]>();
  private currentPartitionConsumer = new Map<string, string>();
  private readonly sortedAllPartitions: TopicPartition[];
  /** Java's TreeSet of members ordered by (assigned count, member id). */
  private sorted: string[] = [];
  private revocationRequired = false;
  private readonly movements = new PartitionMovements();
  private readonly total: number;

  constructor(
    private readonly input: StickyInput,
    private readonly rackInfo: RackInfo,
    private current: Map<string, TopicPartition[]>,
    private readonly maxGeneration: number,
  ) {
    let total = 0;
    for (const n of input.partitionsPerTopic.values()) total += n;
    this.total = total;
    for (const topic of input.partitionsPerTopic.keys()) this.topicConsumers.set(topic, []);
    for (const consumer of input.memberOrder) {
      const sub = input.members.get(consumer) as MemberSubscription;
      const topics: string[] = [];
      this.consumerTopics.set(consumer, topics);
      for (const topic of sub.topics) {
        if (!input.partitionsPerTopic.has(topic)) continue;
        topics.push(topic);
        (this.topicConsumers.get(topic) as string[]).push(consumer);
      }
      if (!current.has(consumer)) current.set(consumer, []);
    }
    for (const [consumer, list] of current) for (const tp of list) this.currentPartitionConsumer.set(keyOf(tp), consumer);
    const topics = [...this.topicConsumers.keys()].sort(
      (a, b) => (this.topicConsumers.get(a) as string[]).length - (this.topicConsumers.get(b) as string[]).length || compareJavaStrings(a, b),
    );
    this.sortedAllPartitions = [];
    for (const topic of topics) {
      const n = input.partitionsPerTopic.get(topic) as number;
      for (let p = 0; p < n; p++) this.sortedAllPartitions.push({ topic, partition: p });
    }
  }

  private list(consumer: string): TopicPartition[] {
    const l = this.current.get(consumer);
    // Java dereferences null here (a NullPointerException) in the same situation.
    if (l === undefined) throw new StickyAssignmentError(`member ${consumer} is not part of the reassignment`);
    return l;
  }

  private size(consumer: string | undefined): number {
    if (consumer === undefined) throw new StickyAssignmentError('a partition has no current owner');
    return this.list(consumer).length;
  }

  private compareMembers = (a: string, b: string): number => this.size(a) - this.size(b) || compareJavaStrings(a, b);

  private sortedAdd(consumer: string): void {
    if (this.sorted.includes(consumer)) return;
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.compareMembers(this.sorted[mid] as string, consumer) < 0) lo = mid + 1;
      else hi = mid;
    }
    this.sorted.splice(lo, 0, consumer);
  }

  private sortedRemove(consumer: string): void {
    const i = this.sorted.indexOf(consumer);
    if (i >= 0) this.sorted.splice(i, 1);
  }

  build(): Map<string, TopicPartition[]> {
    const previous = new Map<string, Previous>();
    this.prepopulate(previous);
    const assigned = this.keepOwned();
    const unassigned = this.unassignedPartitions(assigned);
    for (const consumer of this.current.keys()) this.sortedAdd(consumer);
    this.balance(previous, unassigned);
    return this.current;
  }

  /** Claims of members from older generations, newest first: where a partition may go back to. */
  private prepopulate(previous: Map<string, Previous>): void {
    for (const consumer of this.input.memberOrder) {
      const sub = this.input.members.get(consumer) as MemberSubscription;
      const generation = memberGeneration(sub);
      if (generation >= this.maxGeneration) continue;
      for (const tp of sub.ownedPartitions) {
        const key = keyOf(tp);
        const p = previous.get(key);
        if (p === undefined || generation > p.generation) previous.set(key, { consumer, generation });
      }
    }
  }

  private keepOwned(): TopicPartition[] {
    const assigned: TopicPartition[] = [];
    for (const [consumer, list] of this.current) {
      const sub = this.input.members.get(consumer);
      if (sub === undefined) {
        for (const tp of list) this.currentPartitionConsumer.delete(keyOf(tp));
        this.current.delete(consumer);
        continue;
      }
      for (let i = 0; i < list.length; ) {
        const tp = list[i] as TopicPartition;
        if (!this.topicConsumers.has(tp.topic)) {
          list.splice(i, 1);
          this.currentPartitionConsumer.delete(keyOf(tp));
        } else if (!sub.topics.includes(tp.topic) || this.rackInfo.racksMismatch(consumer, tp)) {
          list.splice(i, 1);
          this.revocationRequired = true;
        } else {
          assigned.push(tp);
          i++;
        }
      }
    }
    return assigned;
  }

  private comparePartitions = (a: TopicPartition, b: TopicPartition): number =>
    (this.topicConsumers.get(a.topic) as string[]).length - (this.topicConsumers.get(b.topic) as string[]).length ||
    compareJavaStrings(a.topic, b.topic) ||
    a.partition - b.partition;

  /** Java returns its list of all partitions itself when nothing is kept; later removals then act on both. */
  private unassignedPartitions(assigned: TopicPartition[]): TopicPartition[] {
    if (assigned.length === 0) return this.sortedAllPartitions;
    const kept = [...assigned].sort(this.comparePartitions);
    const out: TopicPartition[] = [];
    let i = 0;
    for (const tp of this.sortedAllPartitions) {
      const next = kept[i];
      if (next !== undefined && next.topic === tp.topic && next.partition === tp.partition) i++;
      else out.push(tp);
    }
    return out;
  }

  private maxAssignmentSize(topics: readonly string[]): number {
    if (topics.length === this.input.partitionsPerTopic.size) return this.total;
    let n = 0;
    for (const t of topics) n += this.input.partitionsPerTopic.get(t) as number;
    return n;
  }

  private assignToLeastLoaded(tp: TopicPartition, matchRacks: boolean): boolean {
    for (const consumer of this.sorted) {
      if (!(this.consumerTopics.get(consumer) as string[]).includes(tp.topic)) continue;
      if (matchRacks && this.rackInfo.racksMismatch(consumer, tp)) continue;
      this.sortedRemove(consumer);
      this.list(consumer).push(tp);
      this.currentPartitionConsumer.set(keyOf(tp), consumer);
      this.sortedAdd(consumer);
      return true;
    }
    return false;
  }

  private assignAll(partitions: TopicPartition[], matchRacks: boolean, removeAssigned: boolean): TopicPartition[] {
    const left: TopicPartition[] = [];
    for (const tp of partitions) {
      if ((this.topicConsumers.get(tp.topic) as string[]).length === 0) {
        left.push(tp);
        continue;
      }
      if (!(this.assignToLeastLoaded(tp, matchRacks) && removeAssigned)) left.push(tp);
    }
    return left;
  }

  private canConsumerMove(consumer: string): boolean {
    const list = this.list(consumer);
    if (list.length < this.maxAssignmentSize(this.consumerTopics.get(consumer) as string[])) return true;
    return list.some((tp) => (this.topicConsumers.get(tp.topic) as string[]).length >= 2);
  }

  private balance(previous: Map<string, Previous>, unassigned: TopicPartition[]): void {
    const initializing = this.size(this.sorted[this.sorted.length - 1]) === 0;

    let toAssign = unassigned;
    if (this.rackInfo.consumerRacks.size > 0) toAssign = this.assignAll([...unassigned], true, true);
    this.assignAll(toAssign, false, false);

    // Topics with fewer than two possible members cannot move; neither can members that only hold such topics in full.
    const fixed = new Set<string>();
    for (const [topic, consumers] of this.topicConsumers) {
      if (consumers.length >= 2) continue;
      const n = this.input.partitionsPerTopic.get(topic) as number;
      for (let p = 0; p < n; p++) fixed.add(`${p}\u0000${topic}`);
    }
    removeAllInPlace(this.sortedAllPartitions, fixed);
    removeAllInPlace(unassigned, fixed);

    const fixedAssignments = new Map<string, TopicPartition[]>();
    for (const consumer of this.consumerTopics.keys()) {
      if (this.canConsumerMove(consumer)) continue;
      this.sortedRemove(consumer);
      fixedAssignments.set(consumer, this.list(consumer));
      this.current.delete(consumer);
    }

    const before = copyAssignment(this.current);
    const beforeOwners = new Map(this.currentPartitionConsumer);
    if (!this.revocationRequired) this.performReassignments(unassigned, previous);
    const reassigned = this.performReassignments(this.sortedAllPartitions, previous);
    if (!initializing && reassigned && balanceScore(this.current) >= balanceScore(before)) {
      this.current.clear();
      for (const [k, v] of before) this.current.set(k, [...v]);
      this.currentPartitionConsumer = beforeOwners;
    }
    for (const [consumer, list] of fixedAssignments) {
      this.current.set(consumer, list);
      this.sortedAdd(consumer);
    }
  }

  private isBalanced(): boolean {
    const min = this.size(this.sorted[0]);
    const max = this.size(this.sorted[this.sorted.length - 1]);
    if (min >= max - 1) return true;
    const owner = new Map<string, string>();
    for (const [consumer, list] of this.current) for (const tp of list) owner.set(keyOf(tp), consumer);
    for (const consumer of this.sorted) {
      const mine = this.list(consumer);
      const topics = this.consumerTopics.get(consumer) as string[];
      if (mine.length === this.maxAssignmentSize(topics)) continue;
      for (const topic of topics) {
        const n = this.input.partitionsPerTopic.get(topic) as number;
        for (let p = 0; p < n; p++) {
          const tp = { topic, partition: p };
          if (containsTp(mine, tp)) continue;
          if (mine.length + 1 < this.size(owner.get(keyOf(tp)))) return false;
        }
      }
    }
    return true;
  }

  private performReassignments(partitions: TopicPartition[], previous: Map<string, Previous>): boolean {
    let performed = false;
    let modified: boolean;
    do {
      modified = false;
      for (const tp of partitions) {
        if (this.isBalanced()) break;
        const key = keyOf(tp);
        const consumer = this.currentPartitionConsumer.get(key);
        const prev = previous.get(key);
        if (prev !== undefined && this.size(consumer) > this.size(prev.consumer) + 1) {
          this.reassign(tp, prev.consumer);
          performed = modified = true;
          continue;
        }
        const consumers = this.topicConsumers.get(tp.topic) as string[];
        const consumerRack = consumer === undefined ? undefined : this.rackInfo.consumerRacks.get(consumer);
        const partitionRacks = this.rackInfo.partitionRacks.get(key);
        let movedInRack = false;
        if (consumerRack !== undefined && partitionRacks !== undefined && partitionRacks.size > 0 && partitionRacks.has(consumerRack)) {
          for (const other of consumers) {
            const otherRack = this.rackInfo.consumerRacks.get(other);
            if (otherRack === undefined || !partitionRacks.has(otherRack)) continue;
            if (this.size(consumer) > this.size(other) + 1) {
              this.reassignToLeastLoaded(tp);
              performed = modified = movedInRack = true;
              break;
            }
          }
        }
        if (!movedInRack) {
          for (const other of consumers) {
            if (this.size(consumer) > this.size(other) + 1) {
              this.reassignToLeastLoaded(tp);
              performed = modified = true;
              break;
            }
          }
        }
      }
    } while (modified);
    return performed;
  }

  private reassignToLeastLoaded(tp: TopicPartition): void {
    const target = this.sorted.find((c) => (this.consumerTopics.get(c) as string[]).includes(tp.topic));
    if (target === undefined) throw new StickyAssignmentError(`no member can take ${tp.topic}-${tp.partition}`);
    this.reassign(tp, target);
  }

  private reassign(tp: TopicPartition, target: string): void {
    const consumer = this.currentPartitionConsumer.get(keyOf(tp)) as string;
    // Moving back a partition that earlier moved the other way keeps assignments sticky.
    this.move(this.movements.partitionToMove(tp, consumer, target), target);
  }

  private move(tp: TopicPartition, target: string): void {
    const from = this.currentPartitionConsumer.get(keyOf(tp)) as string;
    this.sortedRemove(from);
    this.sortedRemove(target);
    this.movements.record(tp, from, target);
    removeFirst(this.list(from), tp);
    this.list(target).push(tp);
    this.currentPartitionConsumer.set(keyOf(tp), target);
    this.sortedAdd(target);
    this.sortedAdd(from);
  }
}

function removeAllInPlace(list: TopicPartition[], keys: Set<string>): void {
  let w = 0;
  for (const tp of list) if (!keys.has(keyOf(tp))) list[w++] = tp;
  list.length = w;
}

function copyAssignment(a: Map<string, TopicPartition[]>): Map<string, TopicPartition[]> {
  const copy = new Map<string, TopicPartition[]>();
  for (const [k, v] of a) copy.set(k, [...v]);
  return copy;
}

/** Sum over member pairs of the difference in assigned counts (0 is perfectly even). */
function balanceScore(a: Map<string, TopicPartition[]>): number {
  const sizes = [...a.values()].map((l) => l.length);
  let score = 0;
  for (let i = 0; i < sizes.length; i++) for (let j = i + 1; j < sizes.length; j++) score += Math.abs((sizes[i] as number) - (sizes[j] as number));
  return score;
}
