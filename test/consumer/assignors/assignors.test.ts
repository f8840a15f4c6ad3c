/**
 * Properties every assignment must have, on random groups (no Java needed):
 * each partition to exactly one subscribed member, balance where Java
 * promises it, and cooperative-sticky's stickiness and withholding rules.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assignorByName,
  CooperativeStickyAssignor,
  KNOWN_ASSIGNORS,
  RangeAssignor,
  RoundRobinAssignor,
} from '../../../src/consumer/assignors/index.js';
import type { MemberAssignment, MemberSubscription, TopicDescription } from '../../../src/consumer/assignors/types.js';
import type { TopicPartition } from '../../../src/consumer/group/contract.js';
import { KafkaConfigError } from '../../../src/errors.js';
import { groupCase, membersMap, topicsMap, type GroupCase } from './arbitraries.js';

const key = (tp: TopicPartition): string => `${tp.topic}/${tp.partition}`;

/** Every partition of every subscribed topic that exists. */
function allSubscribedPartitions(c: GroupCase): Set<string> {
  const subscribed = new Set(c.members.flatMap((m) => m.topics));
  const out = new Set<string>();
  for (const t of c.topics) if (subscribed.has(t.name)) for (let p = 0; p < t.partitions; p++) out.add(key({ topic: t.name, partition: p }));
  return out;
}

/** Each partition at most once, only to a member subscribed to its topic, only partitions that exist; returns who got what. */
function checkValid(c: GroupCase, result: Map<string, MemberAssignment>): Map<string, string> {
  expect([...result.keys()].sort()).toEqual(c.members.map((m) => m.id).sort());
  const all = allSubscribedPartitions(c);
  const owner = new Map<string, string>();
  for (const [id, a] of result) {
    const sub = c.members.find((m) => m.id === id) as MemberSubscription;
    for (const tp of a.partitions) {
      expect(all.has(key(tp)), `${key(tp)} does not exist or nobody subscribes to it`).toBe(true);
      expect(sub.topics, `${id} got ${key(tp)} without subscribing to it`).toContain(tp.topic);
      expect(owner.has(key(tp)), `${key(tp)} assigned twice`).toBe(false);
      owner.set(key(tp), id);
    }
  }
  return owner;
}

const counts = (result: Map<string, MemberAssignment>): number[] => [...result.values()].map((a) => a.partitions.length);
const spread = (xs: number[]): number => (xs.length === 0 ? 0 : Math.max(...xs) - Math.min(...xs));

describe('range', () => {
  it('assigns every partition once, balanced per topic within one partition', () => {
    fc.assert(
      fc.property(groupCase(), (c) => {
        const result = new RangeAssignor().assign(membersMap(c), topicsMap(c));
        const owner = checkValid(c, result);
        expect(owner.size).toBe(allSubscribedPartitions(c).size);
        for (const t of c.topics) {
          const subscribers = c.members.filter((m) => m.topics.includes(t.name)).map((m) => m.id);
          const perMember = subscribers.map((id) => (result.get(id) as MemberAssignment).partitions.filter((tp) => tp.topic === t.name).length);
          expect(spread(perMember)).toBeLessThanOrEqual(1);
        }
      }),
    );
  });

  it('gives contiguous ranges in member-id order without racks (Java example: C0 gets t0p0,t0p1,t1p0,t1p1)', () => {
    const sub = (topics: string[]): MemberSubscription => ({ topics, userData: null, ownedPartitions: [], generationId: -1, rackId: null });
    const result = new RangeAssignor().assign(
      new Map([['C1', sub(['t0', 't1'])], ['C0', sub(['t0', 't1'])]]),
      new Map<string, TopicDescription>([['t0', { partitions: 3 }], ['t1', { partitions: 3 }]]),
    );
    const sorted = (id: string): string[] => (result.get(id) as MemberAssignment).partitions.map(key).sort();
    expect(sorted('C0')).toEqual(['t0/0', 't0/1', 't1/0', 't1/1']);
    expect(sorted('C1')).toEqual(['t0/2', 't1/2']);
  });
});

describe('roundrobin', () => {
  it('assigns every partition once; with equal subscriptions balanced within one partition', () => {
    fc.assert(
      fc.property(groupCase(), (c) => {
        const result = new RoundRobinAssignor().assign(membersMap(c), topicsMap(c));
        expect(checkValid(c, result).size).toBe(allSubscribedPartitions(c).size);
      }),
    );
    fc.assert(
      fc.property(groupCase({ equalSubscriptions: true }), (c) => {
        expect(spread(counts(new RoundRobinAssignor().assign(membersMap(c), topicsMap(c))))).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('cooperative-sticky', () => {
  it('assigns each partition at most once; what it withholds is exactly what moves between owners', () => {
    fc.assert(
      fc.property(groupCase({ owned: true, cleanClaims: true }), (c) => {
        const result = new CooperativeStickyAssignor().assign(membersMap(c), topicsMap(c));
        const owner = checkValid(c, result);
        const previous = new Map<string, string>();
        for (const m of c.members) for (const tp of m.ownedPartitions) previous.set(key(tp), m.id);
        for (const p of allSubscribedPartitions(c)) {
          const now = owner.get(p);
          const before = previous.get(p);
          // Withheld: only a partition with an owner that must give it up first.
          if (now === undefined) expect(before, `${p} withheld but nobody owns it`).toBeDefined();
          // Never handed to a new member while another still owns it.
          else if (before !== undefined) expect(now, `${p} moved from ${before} to ${now} in one round`).toBe(before);
        }
      }),
    );
  });

  it('with equal subscriptions, the round after the revocations is balanced within one partition and withholds nothing', () => {
    fc.assert(
      fc.property(groupCase({ owned: true, cleanClaims: true, equalSubscriptions: true, racks: false }), (c) => {
        const first = new CooperativeStickyAssignor().assign(membersMap(c), topicsMap(c));
        const next: GroupCase = {
          topics: c.topics,
          members: c.members.map((m) => ({
            ...m,
            ownedPartitions: (first.get(m.id) as MemberAssignment).partitions,
            generationId: m.generationId + 1,
          })),
        };
        const second = new CooperativeStickyAssignor().assign(membersMap(next), topicsMap(next));
        expect(checkValid(next, second).size).toBe(allSubscribedPartitions(next).size);
        expect(spread(counts(second))).toBeLessThanOrEqual(1);
        // Nothing moved in the second round: everyone kept what the first gave.
        for (const m of next.members) expect((second.get(m.id) as MemberAssignment).partitions.map(key)).toEqual(expect.arrayContaining(m.ownedPartitions.map(key)));
      }),
    );
  });

  it('a member owning no more than its fair share keeps everything it owned', () => {
    fc.assert(
      fc.property(groupCase({ owned: true, cleanClaims: true, equalSubscriptions: true, racks: false }), (c) => {
        const result = new CooperativeStickyAssignor().assign(membersMap(c), topicsMap(c));
        checkValid(c, result);
        const fair = Math.floor(allSubscribedPartitions(c).size / c.members.length);
        for (const m of c.members) {
          if (m.ownedPartitions.length > fair) continue;
          expect((result.get(m.id) as MemberAssignment).partitions.map(key)).toEqual(expect.arrayContaining(m.ownedPartitions.map(key)));
        }
      }),
    );
  });

  it('different subscriptions: valid, and every partition is either assigned or withheld from a moving owner', () => {
    fc.assert(
      fc.property(groupCase({ owned: true, cleanClaims: true, equalSubscriptions: false }), (c) => {
        const result = new CooperativeStickyAssignor().assign(membersMap(c), topicsMap(c));
        const owner = checkValid(c, result);
        const owned = new Set(c.members.flatMap((m) => m.ownedPartitions.map(key)));
        for (const p of allSubscribedPartitions(c)) if (!owner.has(p)) expect(owned.has(p)).toBe(true);
      }),
    );
  });

  it('writes the generation as its userData (an int32, as Java)', () => {
    const a = new CooperativeStickyAssignor();
    expect(Buffer.from(a.subscriptionUserData([], [], 7)).toString('hex')).toBe('00000007');
    expect(Buffer.from(a.subscriptionUserData([], [], -1)).toString('hex')).toBe('ffffffff');
    expect(a.supportedProtocols).toEqual(['EAGER', 'COOPERATIVE']);
  });
});

describe('assignorByName', () => {
  it('knows Java names and class names', () => {
    expect(assignorByName('range')).toBeInstanceOf(RangeAssignor);
    expect(assignorByName('org.apache.kafka.clients.consumer.RangeAssignor')).toBeInstanceOf(RangeAssignor);
    expect(assignorByName('roundrobin')).toBeInstanceOf(RoundRobinAssignor);
    expect(assignorByName('org.apache.kafka.clients.consumer.RoundRobinAssignor')).toBeInstanceOf(RoundRobinAssignor);
    expect(assignorByName('cooperative-sticky')).toBeInstanceOf(CooperativeStickyAssignor);
    expect(assignorByName(' org.apache.kafka.clients.consumer.CooperativeStickyAssignor ')).toBeInstanceOf(CooperativeStickyAssignor);
    for (const n of KNOWN_ASSIGNORS) expect(assignorByName(n).name).toMatch(/^(range|roundrobin|cooperative-sticky)$/);
  });

  it('refuses an unknown name with KafkaConfigError listing the known ones', () => {
    expect(() => assignorByName('sticky')).toThrow(KafkaConfigError);
    expect(() => assignorByName('Range')).toThrow(/known: range, roundrobin, cooperative-sticky/);
  });
});
