/**
 * Helpers the three assignors share: Java's member ordering, Java's topic
 * iteration order, and partition keys.
 */
import type { TopicPartition } from '../group/contract.js';
import type { MemberSubscription, TopicDescription } from './types.js';
import { compareJavaStrings, JavaHashSet, javaHashOrder, javaStringHash } from './java-hash.js';

/** A string identity for a partition (map keys). */
export function tpKey(topic: string, partition: number): string {
  return `${partition}\u0000${topic}`;
}

export function keyOf(tp: TopicPartition): string {
  return tpKey(tp.topic, tp.partition);
}

/** Removes the first element equal to tp, as java.util.List.remove(Object) does; true if one was removed. */
export function removeFirst(list: TopicPartition[], tp: TopicPartition): boolean {
  for (let i = 0; i < list.length; i++) {
    const x = list[i] as TopicPartition;
    if (x.partition === tp.partition && x.topic === tp.topic) {
      list.splice(i, 1);
      return true;
    }
  }
  return false;
}

export function containsTp(list: readonly TopicPartition[], tp: TopicPartition): boolean {
  return list.some((x) => x.partition === tp.partition && x.topic === tp.topic);
}

/** Topic, then partition (Java's TopicPartitionComparator). */
export function compareTopicThenPartition(a: TopicPartition, b: TopicPartition): number {
  return a.topic === b.topic ? a.partition - b.partition : compareJavaStrings(a.topic, b.topic);
}

/**
 * Java's MemberInfo order: members with a group.instance.id first, sorted by
 * it; then the others by member id.
 */
export function compareMembers(
  a: { memberId: string; groupInstanceId: string | null },
  b: { memberId: string; groupInstanceId: string | null },
): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return compareJavaStrings(a.groupInstanceId, b.groupInstanceId);
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return compareJavaStrings(a.memberId, b.memberId);
}

export function instanceIdOf(sub: MemberSubscription): string | null {
  return sub.groupInstanceId ?? null;
}

/** A non-empty rack id, or null (Java ignores empty racks). */
export function rackOf(sub: MemberSubscription): string | null {
  return sub.rackId !== null && sub.rackId !== '' ? sub.rackId : null;
}

/**
 * Member ids in the order Java's leader iterates them: ConsumerCoordinator
 * puts JoinGroup's members, in response order, into a HashMap by member id.
 */
export function javaMemberOrder(members: Map<string, MemberSubscription>): string[] {
  return javaHashOrder(members.keys());
}

/**
 * The subscribed topics that have partitions, in the order of Java's
 * partitionsPerTopic HashMap (AbstractPartitionAssignor): a HashSet of every
 * member's topics (members in Java's order), then a HashMap filled from it,
 * skipping topics without metadata or partitions.
 */
export function javaTopicOrder(
  members: Map<string, MemberSubscription>,
  memberOrder: readonly string[],
  topics: Map<string, TopicDescription>,
): string[] {
  const all = new JavaHashSet<string>((s) => s, javaStringHash);
  for (const id of memberOrder) for (const t of (members.get(id) as MemberSubscription).topics) all.add(t);
  const known = all.keys().filter((t) => (topics.get(t)?.partitions ?? 0) > 0);
  return javaHashOrder(known);
}

/** The distinct racks of one partition's replicas (empty when unknown). */
export function partitionRackSet(desc: TopicDescription, partition: number): Set<string> {
  const racks = desc.partitionRacks?.[partition];
  return new Set(racks ?? []);
}

/**
 * Java's rule for using rack-aware assignment: some member has a rack that
 * some replica has, and not every partition has replicas on every rack.
 */
export function useRackAware(
  consumerRacks: Set<string>,
  allPartitionRacks: Set<string>,
  racksPerPartition: Iterable<Set<string>>,
): boolean {
  if (consumerRacks.size === 0) return false;
  let overlap = false;
  for (const r of consumerRacks) if (allPartitionRacks.has(r)) overlap = true;
  if (!overlap) return false;
  for (const racks of racksPerPartition) {
    if (racks.size !== allPartitionRacks.size) return true;
    for (const r of racks) if (!allPartitionRacks.has(r)) return true;
  }
  return false;
}
