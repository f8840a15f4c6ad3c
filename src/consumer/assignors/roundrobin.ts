/**
 * The round-robin assignor (Java's RoundRobinAssignor, name 'roundrobin'):
 * all partitions of all subscribed topics (topics by name, partitions in
 * order) are dealt one at a time to the members in Java's member order,
 * skipping members not subscribed to the partition's topic.
 */
import type { TopicPartition } from '../group/contract.js';
import type { Assignor, MemberAssignment, MemberSubscription, RebalanceProtocol, TopicDescription } from './types.js';
import { compareJavaStrings } from './java-hash.js';
import { compareMembers, instanceIdOf } from './common.js';

export class RoundRobinAssignor implements Assignor {
  readonly name = 'roundrobin';
  readonly supportedProtocols: readonly RebalanceProtocol[] = ['EAGER'];

  assign(members: Map<string, MemberSubscription>, topics: Map<string, TopicDescription>): Map<string, MemberAssignment> {
    const result = new Map<string, TopicPartition[]>();
    for (const id of members.keys()) result.set(id, []);
    const order = [...members.entries()]
      .map(([memberId, sub]) => ({ memberId, groupInstanceId: instanceIdOf(sub), topics: new Set(sub.topics) }))
      .sort(compareMembers);

    const allTopics = new Set<string>();
    for (const sub of members.values()) for (const t of sub.topics) allTopics.add(t);
    const sortedTopics = [...allTopics].sort(compareJavaStrings);

    let next = 0;
    for (const topic of sortedTopics) {
      const count = topics.get(topic)?.partitions ?? 0;
      for (let p = 0; p < count; p++) {
        // Some member subscribes to this topic, so the search ends within one lap.
        while (!(order[next] as (typeof order)[number]).topics.has(topic)) next = (next + 1) % order.length;
        (result.get((order[next] as (typeof order)[number]).memberId) as TopicPartition[]).push({ topic, partition: p });
        next = (next + 1) % order.length;
      }
    }
    const out = new Map<string, MemberAssignment>();
    for (const [id, list] of result) out.set(id, { partitions: list, userData: null });
    return out;
  }
}
