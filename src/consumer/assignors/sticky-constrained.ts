/**
 * The sticky algorithm when every member subscribes to the same topics
 * (Java's ConstrainedAssignmentBuilder): each member keeps up to its quota
 * of what it owned (minQuota, or maxQuota while members above minQuota are
 * still needed), then the rest is dealt round-robin to the members still
 * under quota, rack-matched first when racks apply.
 */
import type { TopicPartition } from '../group/contract.js';
import { compareJavaStrings } from './java-hash.js';
import { compareTopicThenPartition, keyOf } from './common.js';
import { StickyAssignmentError, type RackInfo, type StickyInput } from './sticky-common.js';

export interface StickyResult {
  assignment: Map<string, TopicPartition[]>;
  /** partition key -> member it moves to from another owner (null: compute from owned partitions). */
  transferring: Map<string, { tp: TopicPartition; consumer: string }> | null;
}

export function constrainedAssign(
  input: StickyInput,
  rackInfo: RackInfo,
  owned: Map<string, TopicPartition[]>,
  multiplyClaimed: Set<string>,
): StickyResult {
  const maybeRevoked = new Map<string, string>();
  const transferring = new Map<string, { tp: TopicPartition; consumer: string }>();
  let unfilledUnderMin: string[] = [];
  let unfilledExactlyMin: string[] = [];

  let total = 0;
  for (const n of input.partitionsPerTopic.values()) total += n;
  const members = owned.size;
  const minQuota = Math.floor(total / members);
  const maxQuota = Math.ceil(total / members);
  const expectedOverMin = total % members;
  let currentOverMin = 0;

  const assignment = new Map<string, TopicPartition[]>();
  for (const id of owned.keys()) assignment.set(id, []);
  const assigned: TopicPartition[] = [];

  // 1. Keep owned partitions up to the quota (by partition number, then topic).
  for (const [consumer, claimed] of owned) {
    const keep = claimed
      .filter((tp) => {
        const mismatch = rackInfo.racksMismatch(consumer, tp);
        if (mismatch) maybeRevoked.set(keyOf(tp), consumer);
        return !mismatch;
      })
      .sort((a, b) => a.partition - b.partition || compareJavaStrings(a.topic, b.topic));
    for (const key of multiplyClaimed) {
      const i = keep.findIndex((tp) => keyOf(tp) === key);
      if (i >= 0) keep.splice(i, 1);
    }
    const mine = assignment.get(consumer) as TopicPartition[];
    if (keep.length < minQuota) {
      mine.push(...keep);
      assigned.push(...keep);
      unfilledUnderMin.push(consumer);
    } else if (keep.length >= maxQuota && currentOverMin < expectedOverMin) {
      currentOverMin++;
      if (currentOverMin === expectedOverMin) unfilledExactlyMin = [];
      mine.push(...keep.slice(0, maxQuota));
      assigned.push(...keep.slice(0, maxQuota));
      for (const tp of keep.slice(maxQuota)) maybeRevoked.set(keyOf(tp), consumer);
    } else {
      mine.push(...keep.slice(0, minQuota));
      assigned.push(...keep.slice(0, minQuota));
      for (const tp of keep.slice(minQuota)) maybeRevoked.set(keyOf(tp), consumer);
      if (currentOverMin < expectedOverMin) unfilledExactlyMin.push(consumer);
    }
  }

  let unassigned = unassignedPartitions(input, assigned);
  unfilledUnderMin.sort(compareJavaStrings);
  unfilledExactlyMin.sort(compareJavaStrings);
  unassigned = rackInfo.sortByRackConsumers(unassigned);

  const assignNew = (tp: TopicPartition, consumer: string): number => {
    const mine = assignment.get(consumer) as TopicPartition[];
    mine.push(tp);
    const key = keyOf(tp);
    const previous = maybeRevoked.get(key);
    if ((previous !== undefined && previous !== consumer) || multiplyClaimed.has(key)) transferring.set(key, { tp, consumer });
    return mine.length;
  };

  // 2. Rack-matched round robin, within quotas.
  if (rackInfo.consumerRacks.size > 0) {
    let nextIndex = 0;
    const left: TopicPartition[] = [];
    for (const tp of unassigned) {
      let consumer: string | null = null;
      let index = rackInfo.nextRackConsumer(tp, unfilledUnderMin, nextIndex);
      if (index >= 0) {
        consumer = unfilledUnderMin[index] as string;
        const count = (assignment.get(consumer) as TopicPartition[]).length + 1;
        if (count >= minQuota) {
          unfilledUnderMin.splice(unfilledUnderMin.indexOf(consumer), 1);
          if (count < maxQuota && currentOverMin < expectedOverMin) unfilledExactlyMin.push(consumer);
        } else {
          index++;
        }
        nextIndex = unfilledUnderMin.length === 0 ? 0 : index % unfilledUnderMin.length;
      } else if (unfilledExactlyMin.length > 0) {
        const first = rackInfo.nextRackConsumer(tp, unfilledExactlyMin, 0);
        if (first >= 0) {
          consumer = unfilledExactlyMin[first] as string;
          if ((assignment.get(consumer) as TopicPartition[]).length + 1 === maxQuota) {
            unfilledExactlyMin.splice(first, 1);
            currentOverMin++;
            if (currentOverMin === expectedOverMin) unfilledExactlyMin = [];
          }
        }
      }
      if (consumer !== null) assignNew(tp, consumer);
      else left.push(tp);
    }
    unassigned = left;
  }

  // 3. Plain round robin over members under minQuota, then members at minQuota up to maxQuota.
  let cursor = 0; // position of a java.util.Iterator over unfilledUnderMin
  for (let i = 0; i < unassigned.length; i++) {
    const tp = unassigned[i] as TopicPartition;
    let consumer: string;
    if (cursor < unfilledUnderMin.length) {
      consumer = unfilledUnderMin[cursor++] as string;
    } else if (unfilledUnderMin.length === 0 && unfilledExactlyMin.length === 0) {
      throw new StickyAssignmentError(`no member left under quota for ${unassigned.length - i} partitions`);
    } else if (unfilledUnderMin.length === 0) {
      consumer = unfilledExactlyMin.shift() as string;
    } else {
      cursor = 0;
      consumer = unfilledUnderMin[cursor++] as string;
    }
    const count = assignNew(tp, consumer);
    if (count === minQuota) {
      // Iterator.remove(): drops the element the cursor last returned.
      cursor--;
      unfilledUnderMin.splice(cursor, 1);
      unfilledExactlyMin.push(consumer);
    } else if (count === maxQuota) {
      currentOverMin++;
    }
  }

  if (unfilledUnderMin.length > 0) {
    if (currentOverMin !== expectedOverMin) {
      throw new StickyAssignmentError(`${currentOverMin} of ${expectedOverMin} members reached maxQuota but no partitions are left`);
    }
    for (const m of unfilledUnderMin) {
      if ((assignment.get(m) as TopicPartition[]).length !== minQuota) {
        throw new StickyAssignmentError(`member ${m} did not reach minQuota ${minQuota}`);
      }
    }
  }
  return { assignment, transferring };
}

/**
 * All partitions (topics by name, partitions in order) that nobody kept,
 * found as Java finds them: one pass over all partitions against the sorted
 * kept list. (A kept partition beyond its topic's count stalls that pass, as
 * in Java.)
 */
function unassignedPartitions(input: StickyInput, assigned: TopicPartition[]): TopicPartition[] {
  const topics = [...input.partitionsPerTopic.keys()].sort(compareJavaStrings);
  const out: TopicPartition[] = [];
  const kept = [...assigned].sort(compareTopicThenPartition);
  let i = 0;
  for (const topic of topics) {
    const n = input.partitionsPerTopic.get(topic) as number;
    for (let p = 0; p < n; p++) {
      const next = kept[i];
      if (next !== undefined && next.topic === topic && next.partition === p) i++;
      else out.push({ topic, partition: p });
    }
  }
  return out;
}
