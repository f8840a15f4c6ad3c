// The classic group protocol against the real cluster: range, roundrobin and
// cooperative-sticky members sharing a 6-partition topic; static membership;
// commits read back.
import { afterEach, expect, it } from 'vitest';
import { createGroupOffsets } from '../../../src/consumer/group/index.js';
import { Metadata } from '../../../src/cluster/metadata.js';
import { ConnectionPool } from '../../../src/network/pool.js';
import { systemClock } from '../../../src/network/clock.js';
import { KafkaBrokerError } from '../../../src/messages/error-codes.js';
import { createTopic, describeKafka, kafka, uniqueTopic } from '../kafka.js';
import { allPartitions, describeClassicGroup, groupOptions, Member, splitExactly, state, waitFor } from './group-harness.js';

const open: Member[] = [];
const stops: Array<() => void> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) s();
  await Promise.allSettled(open.splice(0).map((m) => m.close()));
});

async function member(name: string, groupId: string, over: Parameters<typeof Member.start>[1] extends infer O ? Partial<O> : never = {}) {
  const m = await Member.start(name, { groupId, ...over });
  open.push(m);
  stops.push(m.keepPolling());
  return m;
}

describeKafka('classic consumer group (real cluster)', () => {
  for (const assignor of ['range', 'roundrobin'] as const) {
    it(`${assignor}: two then three members split 6 partitions exactly; EAGER members revoke everything on each rebalance`, async () => {
      const topic = uniqueTopic(`grp-${assignor}`);
      await createTopic(topic, 6);
      const group = uniqueTopic('g');
      const all = allPartitions(topic, 6);
      const a = await member('a', group, { partitionAssignmentStrategy: [assignor] });
      await a.membership.subscribe({ topics: [topic] });
      expect(a.ownedList()).toEqual(all);
      const b = await member('b', group, { partitionAssignmentStrategy: [assignor] });
      await b.membership.subscribe({ topics: [topic] });
      await waitFor(() => splitExactly([a, b], all) && a.owned.size === 3, 60_000, () => state([a, b]));
      const c = await member('c', group, { partitionAssignmentStrategy: [assignor] });
      await c.membership.subscribe({ topics: [topic] });
      await waitFor(() => splitExactly([a, b, c], all) && [a, b, c].every((m) => m.owned.size === 2), 60_000, () => state([a, b, c]));
      // EAGER: a had all six when b joined, and gave all six up before taking its share.
      const firstRevoke = a.events.find((e) => e.what === 'revoke');
      expect(firstRevoke?.partitions).toEqual(all);
      expect([a, b, c].flatMap((m) => m.fatals)).toEqual([]);
      expect(a.membership.groupMetadata().generationId).toBeGreaterThanOrEqual(3);
    });
  }

  it('cooperative-sticky: a member added moves only what balance requires; partitions that stay are never revoked', async () => {
    const topic = uniqueTopic('grp-coop');
    await createTopic(topic, 6);
    const group = uniqueTopic('g');
    const all = allPartitions(topic, 6);
    const opts = { partitionAssignmentStrategy: ['cooperative-sticky'] };
    const a = await member('a', group, opts);
    await a.membership.subscribe({ topics: [topic] });
    expect(a.ownedList()).toEqual(all);
    const b = await member('b', group, opts);
    await b.membership.subscribe({ topics: [topic] });
    await waitFor(() => splitExactly([a, b], all) && a.owned.size === 3, 60_000, () => state([a, b]));
    const aKept = a.ownedList();
    // a revoked exactly the three that moved to b, once, and nothing else.
    expect(a.revokedSince(0).sort()).toEqual(b.ownedList());
    expect(a.events.filter((e) => e.what === 'lost')).toEqual([]);
    const aMark = a.events.length;
    const bMark = b.events.length;
    const bKept = b.ownedList();
    const c = await member('c', group, opts);
    await c.membership.subscribe({ topics: [topic] });
    await waitFor(() => splitExactly([a, b, c], all) && [a, b, c].every((m) => m.owned.size === 2), 60_000, () => state([a, b, c]));
    // Each of a and b gave up exactly one partition, and only to c.
    expect(a.revokedSince(aMark)).toHaveLength(1);
    expect(b.revokedSince(bMark)).toHaveLength(1);
    expect([...a.revokedSince(aMark), ...b.revokedSince(bMark)].sort()).toEqual(c.ownedList());
    for (const p of a.ownedList()) expect(aKept).toContain(p);
    for (const p of b.ownedList()) expect(bKept).toContain(p);
    expect([a, b, c].flatMap((m) => m.fatals)).toEqual([]);
  });

  it('static membership: a member that restarts within sessionTimeoutMs gets its partitions back and the others are not rebalanced', async () => {
    const topic = uniqueTopic('grp-static');
    await createTopic(topic, 6);
    const group = uniqueTopic('g');
    const all = allPartitions(topic, 6);
    const opts = (id: string) => ({ groupInstanceId: id, sessionTimeoutMs: 30_000, partitionAssignmentStrategy: ['range'] });
    const a = await member('a', group, opts('static-a'));
    const b = await member('b', group, opts('static-b'));
    const c = await member('c', group, opts('static-c'));
    await Promise.all([a, b, c].map((m) => m.membership.subscribe({ topics: [topic] })));
    await waitFor(() => splitExactly([a, b, c], all) && [a, b, c].every((m) => m.owned.size === 2), 60_000, () => state([a, b, c]));
    const before = b.ownedList();
    const marks = [a.events.length, c.events.length];
    const generation = a.membership.groupMetadata().generationId;
    // b goes away (no LeaveGroup: it is static) and a new process with its instance id comes back.
    open.splice(open.indexOf(b), 1);
    await b.close();
    const b2 = await member('b2', group, opts('static-b'));
    await b2.membership.subscribe({ topics: [topic] });
    expect(b2.ownedList()).toEqual(before);
    // A rebalance would have started when b2 joined: the group is still Stable, and a and c saw nothing.
    const d = await describeClassicGroup(group);
    expect(d.state).toBe('Stable');
    // (The coordinator keeps the replaced static member's original client id, so this lists a, b, c.)
    expect(d.clients).toHaveLength(3);
    expect(a.events.slice(marks[0])).toEqual([]);
    expect(c.events.slice(marks[1])).toEqual([]);
    expect(a.membership.groupMetadata().generationId).toBe(generation);
    expect([a, b2, c].flatMap((m) => m.fatals)).toEqual([]);
  });

  it('two processes with one groupInstanceId: the older is fenced (FENCED_INSTANCE_ID), a fatal error that says so', async () => {
    const topic = uniqueTopic('grp-fenced');
    await createTopic(topic, 2);
    const group = uniqueTopic('g');
    const opts = { groupInstanceId: 'same-id', sessionTimeoutMs: 30_000 };
    const first = await member('first', group, opts);
    await first.membership.subscribe({ topics: [topic] });
    const second = await member('second', group, opts);
    await second.membership.subscribe({ topics: [topic] });
    await waitFor(() => first.fatals.length > 0, 30_000, () => `first: ${first.events.length} events, no fatal yet`);
    expect(first.fatals[0]!.message).toMatch(/FENCED_INSTANCE_ID.*two processes share one static member id/);
    expect(second.fatals).toEqual([]);
    expect(second.ownedList()).toEqual(allPartitions(topic, 2));
  });

  it('maxPollIntervalMs: a member that stops polling leaves, the other takes everything; it rejoins on its next poll', async () => {
    const topic = uniqueTopic('grp-poll');
    await createTopic(topic, 4);
    const group = uniqueTopic('g');
    const all = allPartitions(topic, 4);
    const busy = await Member.start('busy', { groupId: group, maxPollIntervalMs: 4000, rebalanceTimeoutMs: 4000 });
    open.push(busy);
    const steady = await member('steady', group, { maxPollIntervalMs: 4000, rebalanceTimeoutMs: 4000 });
    busy.membership.polled();
    await Promise.all([busy.membership.subscribe({ topics: [topic] }), steady.membership.subscribe({ topics: [topic] })]);
    // busy never polls again: after 4 s it leaves and steady gets all four partitions.
    await waitFor(() => steady.owned.size === 4 && busy.owned.size === 0, 60_000, () => state([busy, steady]));
    expect(busy.events.at(-1)?.what).toBe('lost');
    busy.membership.polled();
    await waitFor(() => splitExactly([busy, steady], all) && busy.owned.size === 2, 60_000, () => state([busy, steady]));
    stops.push(busy.keepPolling());
  });

  it('a RegExp subscription picks up a topic created later and rebalances onto it', async () => {
    const prefix = uniqueTopic('rxc');
    await createTopic(`${prefix}-a`, 2);
    const group = uniqueTopic('g');
    const m = await member('m', group, { metadataMaxAgeMs: 1000 });
    await m.membership.subscribe({ pattern: new RegExp(`${prefix}-.*`) });
    expect(m.ownedList()).toEqual(allPartitions(`${prefix}-a`, 2));
    await createTopic(`${prefix}-b`, 1);
    await waitFor(() => m.owned.size === 3, 60_000, () => m.ownedList().join(','));
    expect(m.ownedList()).toEqual([...allPartitions(`${prefix}-a`, 2), `${prefix}-b-0`]);
  });

  it('commit and fetchCommitted round trip, as a member and through createGroupOffsets', async () => {
    const topic = uniqueTopic('grp-commit');
    await createTopic(topic, 6);
    const group = uniqueTopic('g');
    const a = await member('a', group);
    await a.membership.subscribe({ topics: [topic] });
    const tps = [0, 1, 2].map((partition) => ({ topic, partition }));
    await a.membership.commit(new Map(tps.map((tp, i) => [tp, { offset: BigInt(100 + i), metadata: `m${i}` }])));
    const got = await a.membership.fetchCommitted([...tps, { topic, partition: 5 }]);
    expect(got.get(`${topic}:0`)).toMatchObject({ offset: 100n, metadata: 'm0' });
    expect(got.get(`${topic}:2`)).toMatchObject({ offset: 102n, metadata: 'm2' });
    expect(got.get(`${topic}:5`)).toBeNull();

    // A consumer outside the group (assign() with a groupId) reads and writes the same offsets.
    const pool = new ConnectionPool({ bootstrapServers: kafka.bootstrap });
    try {
      await pool.start();
      const offsets = createGroupOffsets({ pool, metadata: new Metadata(pool), clock: systemClock, options: groupOptions('outsider', { groupId: group }) });
      expect((await offsets.fetchCommitted([{ topic, partition: 1 }])).get(`${topic}:1`)).toMatchObject({ offset: 101n, metadata: 'm1' });
      // The group has a live member, so a commit from outside is refused: the broker's word, named.
      const err = await offsets.commit(new Map([[{ topic, partition: 4 }, { offset: 7n }]])).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(KafkaBrokerError);
      expect((err as KafkaBrokerError).message).toMatch(new RegExp(`group ${group}, topic ${topic}, partition 4.*has active members`));
    } finally {
      await pool.close();
    }
  });
});
