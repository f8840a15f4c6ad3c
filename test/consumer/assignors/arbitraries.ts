/**
 * Random group inputs for the assignor tests: members with ids whose Java
 * hash codes vary (so HashMap order matters), topics with and without
 * partitions or metadata, racks, previous owners from several generations.
 */
import fc from 'fast-check';
import type { TopicPartition } from '../../../src/consumer/group/contract.js';
import type { MemberSubscription, TopicDescription } from '../../../src/consumer/assignors/types.js';

export interface GroupCase {
  members: Array<{ id: string } & MemberSubscription>;
  topics: Array<{ name: string; partitions: number; racks: string[][] | null }>;
}

const RACKS = ['rack-a', 'rack-b', 'rack-c'];

export interface CaseOptions {
  /** Every member subscribes to the same topics. */
  equalSubscriptions?: boolean;
  /** Give members owned partitions and generations (sticky). */
  owned?: boolean;
  racks?: boolean;
  /** Owned partitions as a healthy group has them: one owner each, all of one generation, within the owner's topics. */
  cleanClaims?: boolean;
  maxMembers?: number;
  maxPartitions?: number;
}

function int32(n: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n, 0);
  return b;
}

export function groupCase(opts: CaseOptions = {}): fc.Arbitrary<GroupCase> {
  const maxMembers = opts.maxMembers ?? 7;
  const maxPartitions = opts.maxPartitions ?? 10;
  return fc
    .record({
      topicNames: fc.uniqueArray(fc.stringMatching(/^[a-zA-Z0-9._-]{1,8}$/), { minLength: 1, maxLength: 5 }),
      memberIds: fc.uniqueArray(
        fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,12}$/), fc.uuid().map((u) => `consumer-1-${u}`)),
        { minLength: 1, maxLength: maxMembers },
      ),
      seed: fc.integer({ min: 1, max: 0x7fffffff }),
      equal: opts.equalSubscriptions === undefined ? fc.boolean() : fc.constant(opts.equalSubscriptions),
      racks: opts.racks === undefined ? fc.boolean() : fc.constant(opts.racks),
    })
    .map(({ topicNames, memberIds, seed, equal, racks }) => {
      // A small deterministic generator, so one fast-check seed gives one case.
      let s = seed;
      const rnd = (n: number): number => {
        s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
        return s % n;
      };
      const topics = topicNames.map((name, i) => {
        // The last topic sometimes has no metadata (a subscription to a topic that does not exist).
        const partitions = i > 0 && i === topicNames.length - 1 && rnd(4) === 0 ? -1 : rnd(maxPartitions + 1);
        const partitionRacks =
          racks && partitions > 0
            ? Array.from({ length: partitions }, () => {
                const k = 1 + rnd(3);
                return Array.from({ length: k }, () => RACKS[rnd(RACKS.length)] as string);
              })
            : null;
        return { name, partitions, racks: partitionRacks };
      });
      const pickTopics = (): string[] => {
        const out = topicNames.filter(() => rnd(3) !== 0);
        if (out.length === 0) out.push(topicNames[rnd(topicNames.length)] as string);
        // Now and then a topic listed twice, or out of order (a subscription is just a list).
        if (!opts.cleanClaims && rnd(8) === 0) out.push(out[rnd(out.length)] as string);
        if (rnd(4) === 0) out.reverse();
        return out;
      };
      const common = pickTopics();
      const allPartitions: TopicPartition[] = [];
      for (const t of topics) for (let p = 0; p < t.partitions; p++) allPartitions.push({ topic: t.name, partition: p });
      const generation = 1 + rnd(20);
      const members = memberIds.map((id) => {
        const sub: { id: string } & MemberSubscription = {
          id,
          topics: equal ? [...common] : pickTopics(),
          userData: null,
          ownedPartitions: [],
          generationId: -1,
          rackId: racks && rnd(4) !== 0 ? (RACKS[rnd(RACKS.length)] as string) : null,
          groupInstanceId: rnd(4) === 0 ? `instance-${rnd(1000)}` : null,
        };
        if (opts.owned && opts.cleanClaims) {
          sub.generationId = generation;
        } else if (opts.owned) {
          const g = rnd(5);
          sub.generationId = g === 0 ? -1 : g === 1 ? generation - 1 - rnd(3) : generation;
          // Version 0-1 members carry the generation in userData instead.
          if (sub.generationId === -1 && rnd(2) === 0) sub.userData = int32(rnd(3) === 0 ? -1 : generation - rnd(2));
          // Unreadable userData (shorter than an int32) counts as generation -1 in Java.
          if (sub.generationId === -1 && rnd(10) === 0) sub.userData = new Uint8Array([7, 7]);
        }
        return sub;
      });
      if (opts.owned && opts.cleanClaims) {
        for (const tp of allPartitions) {
          const owners = members.filter((m) => m.topics.includes(tp.topic));
          const r = rnd(owners.length + 1);
          if (r < owners.length) (owners[r] as MemberSubscription).ownedPartitions.push(tp);
        }
      } else if (opts.owned) {
        for (const tp of allPartitions) {
          const r = rnd(members.length + 2);
          if (r < members.length) (members[r] as MemberSubscription).ownedPartitions.push(tp);
          // Now and then two members claim one partition.
          if (rnd(12) === 0) (members[rnd(members.length)] as MemberSubscription).ownedPartitions.push(tp);
        }
        // Stale claims: a partition past the topic's end (it shrank or was recreated), a topic without metadata.
        if (rnd(6) === 0) {
          const t = topics[rnd(topics.length)] as (typeof topics)[number];
          (members[rnd(members.length)] as MemberSubscription).ownedPartitions.push({ topic: t.name, partition: Math.max(0, t.partitions) + rnd(3) });
        }
      }
      // Static instance ids must be unique within a group.
      const seen = new Set<string>();
      for (const m of members) {
        if (m.groupInstanceId && seen.has(m.groupInstanceId)) m.groupInstanceId = null;
        if (m.groupInstanceId) seen.add(m.groupInstanceId);
      }
      return { members, topics };
    });
}

export function membersMap(c: GroupCase): Map<string, MemberSubscription> {
  return new Map(c.members.map((m) => [m.id, m]));
}

export function topicsMap(c: GroupCase): Map<string, TopicDescription> {
  const out = new Map<string, TopicDescription>();
  for (const t of c.topics) {
    if (t.partitions < 0) continue;
    out.set(t.name, t.racks ? { partitions: t.partitions, partitionRacks: t.racks } : { partitions: t.partitions });
  }
  return out;
}

export const hex = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('hex'));

export function toJavaRequest(assignor: string, c: GroupCase): object {
  return {
    op: 'assign',
    assignor,
    members: c.members.map((m) => ({
      id: m.id,
      topics: m.topics,
      userData: hex(m.userData),
      ownedPartitions: m.ownedPartitions.map((tp) => [tp.topic, tp.partition]),
      generationId: m.generationId,
      rackId: m.rackId,
      groupInstanceId: m.groupInstanceId ?? null,
    })),
    topics: c.topics.filter((t) => t.partitions >= 0).map((t) => ({ name: t.name, partitions: t.partitions, racks: t.racks })),
  };
}
