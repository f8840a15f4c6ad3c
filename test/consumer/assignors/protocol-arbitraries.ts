/** Random ConsumerProtocol values for the round-trip, fuzz and Java tests. */
import fc from 'fast-check';
import type { TopicPartition } from '../../../src/consumer/group/contract.js';
import type { MemberAssignment, MemberSubscription } from '../../../src/consumer/assignors/types.js';

/** Names Kafka allows for topics; the Java comparison uses only these (a broker never hands out others). */
const legalTopic = fc.stringMatching(/^[a-zA-Z0-9._-]{1,12}$/);
/** Any text, for our own round trips (multi-byte UTF-8 lengths). */
const anyTopic = fc.oneof(legalTopic, fc.string({ maxLength: 6, unit: 'grapheme' }));
const partition = fc.integer({ min: 0, max: 0x7fffffff });
const userData = fc.option(fc.uint8Array({ maxLength: 24 }).map((b) => new Uint8Array(b)), { nil: null });

const subscriptionOf = (topic: fc.Arbitrary<string>): fc.Arbitrary<MemberSubscription> => {
  const tp: fc.Arbitrary<TopicPartition> = fc.record({ topic, partition });
  return fc.record({
    topics: fc.array(topic, { maxLength: 6 }),
    userData,
    ownedPartitions: fc.array(tp, { maxLength: 8 }),
    generationId: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 0x7fffffff }), fc.integer({ min: -0x80000000, max: -2 })),
    rackId: fc.option(fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,8}$/), fc.constant('')), { nil: null }),
  });
};

const assignmentOf = (topic: fc.Arbitrary<string>): fc.Arbitrary<MemberAssignment> =>
  fc.record({
    partitions: fc.array(fc.record({ topic, partition }), { maxLength: 10 }),
    userData,
  });

export const subscriptionArb = subscriptionOf(anyTopic);
export const assignmentArb = assignmentOf(anyTopic);
export const javaSubscriptionArb = subscriptionOf(legalTopic);
export const javaAssignmentArb = assignmentOf(legalTopic);

export const version = fc.integer({ min: 0, max: 3 });

export const sortTps = (l: readonly TopicPartition[]): TopicPartition[] =>
  [...l].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));

/** Partitions as an Assignment carries them: grouped by topic, topics in order of first appearance. */
export function groupedByTopic(l: readonly TopicPartition[]): TopicPartition[] {
  const groups = new Map<string, TopicPartition[]>();
  for (const x of l) {
    let g = groups.get(x.topic);
    if (g === undefined) groups.set(x.topic, (g = []));
    g.push(x);
  }
  return [...groups.values()].flat();
}

/** What a Subscription of this version decodes to: the fields it lacks at their defaults. */
export function expectedSubscription(s: MemberSubscription, v: number): MemberSubscription & { version: number } {
  return {
    version: v,
    topics: [...s.topics].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    userData: s.userData,
    ownedPartitions: v >= 1 ? sortTps(s.ownedPartitions) : [],
    generationId: v >= 2 && s.generationId >= 0 ? s.generationId : -1,
    rackId: v >= 3 && s.rackId !== '' ? s.rackId : null,
  };
}
