/**
 * The cooperative sticky assignor (Java's CooperativeStickyAssignor, name
 * 'cooperative-sticky'): balanced to within one partition where the
 * subscriptions allow it, and sticky: members keep what they own unless
 * balance needs it elsewhere. Cooperative (KIP-429): a partition moving to
 * a new owner is left out of this round's assignment, so its old owner
 * revokes it and rejoins; the next round hands it over.
 *
 * Its userData is the member's last generation as an int32 (read only when
 * the subscription itself carries no generation, i.e. versions 0-1).
 */
import type { TopicPartition } from '../group/contract.js';
import type { Assignor, MemberAssignment, MemberSubscription, RebalanceProtocol, TopicDescription } from './types.js';
import { containsTp, javaMemberOrder, javaTopicOrder, keyOf, removeFirst } from './common.js';
import { analyseOwned, RackInfo, type StickyInput } from './sticky-common.js';
import { constrainedAssign } from './sticky-constrained.js';
import { generalAssign } from './sticky-general.js';

export class CooperativeStickyAssignor implements Assignor {
  readonly name = 'cooperative-sticky';
  readonly supportedProtocols: readonly RebalanceProtocol[] = ['EAGER', 'COOPERATIVE'];

  subscriptionUserData(_topics: string[], _owned: TopicPartition[], generationId: number): Uint8Array {
    const b = Buffer.alloc(4);
    b.writeInt32BE(generationId, 0);
    return b;
  }

  assign(members: Map<string, MemberSubscription>, topics: Map<string, TopicDescription>): Map<string, MemberAssignment> {
    const out = new Map<string, MemberAssignment>();
    if (members.size === 0) return out;
    const memberOrder = javaMemberOrder(members);
    const topicOrder = javaTopicOrder(members, memberOrder, topics);
    const partitionsPerTopic = new Map<string, number>();
    for (const t of topicOrder) partitionsPerTopic.set(t, (topics.get(t) as TopicDescription).partitions);
    const input: StickyInput = { members, memberOrder, partitionsPerTopic, topics };

    const rackInfo = new RackInfo(input, topicOrder);
    const owned = analyseOwned(input);
    const { assignment, transferring } = owned.allSubscriptionsEqual
      ? constrainedAssign(input, rackInfo, owned.owned, owned.multiplyClaimed)
      : generalAssign(input, rackInfo, owned.owned, owned.maxGeneration);

    const moving = transferring ?? transfersFromOwned(members, assignment);
    for (const { tp, consumer } of moving.values()) removeFirst(assignment.get(consumer) as TopicPartition[], tp);

    for (const id of members.keys()) out.set(id, { partitions: assignment.get(id) ?? [], userData: null });
    return out;
  }
}

/** Partitions assigned to a member that did not own them while a member that owned them loses them. */
function transfersFromOwned(
  members: Map<string, MemberSubscription>,
  assignment: Map<string, TopicPartition[]>,
): Map<string, { tp: TopicPartition; consumer: string }> {
  const added = new Map<string, { tp: TopicPartition; consumer: string }>();
  const revoked = new Set<string>();
  for (const [consumer, assigned] of assignment) {
    const owned = (members.get(consumer) as MemberSubscription).ownedPartitions;
    const ownedKeys = new Set(owned.map(keyOf));
    for (const tp of assigned) if (!ownedKeys.has(keyOf(tp))) added.set(keyOf(tp), { tp, consumer });
    for (const tp of owned) if (!containsTp(assigned, tp)) revoked.add(keyOf(tp));
  }
  for (const key of [...added.keys()]) if (!revoked.has(key)) added.delete(key);
  return added;
}
