// The KIP-848 consumer group protocol (groupProtocol 'consumer') against the
// real Kafka 4.x cluster: server-side assignors, incremental moves, static
// members, regex subscriptions resolved by the broker, commits with the epoch.
import { afterEach, expect, it } from 'vitest';
import { createTopic, describeKafka, uniqueTopic } from '../kafka.js';
import { allPartitions, describeConsumerGroup, Member, splitExactly, state, waitFor } from './group-harness.js';

const open: Member[] = [];
const stops: Array<() => void> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) s();
  await Promise.allSettled(open.splice(0).map((m) => m.close()));
});

async function member(name: string, groupId: string, over: { groupRemoteAssignor?: string | null; groupInstanceId?: string | null } = {}) {
  const m = await Member.start(name, { groupId, groupProtocol: 'consumer', groupRemoteAssignor: 'uniform', ...over });
  open.push(m);
  stops.push(m.keepPolling());
  return m;
}

describeKafka('KIP-848 consumer group (real cluster)', () => {
  it('uniform: members added one by one split 6 partitions; only partitions that move are revoked, and only to the newcomer', async () => {
    const topic = uniqueTopic('c848');
    await createTopic(topic, 6);
    const group = uniqueTopic('g848');
    const all = allPartitions(topic, 6);
    const a = await member('a', group);
    await a.membership.subscribe({ topics: [topic] });
    await waitFor(() => a.owned.size === 6, 60_000, () => state([a]));
    const b = await member('b', group);
    const aMark1 = a.events.length;
    await b.membership.subscribe({ topics: [topic] });
    await waitFor(() => splitExactly([a, b], all) && a.owned.size === 3, 60_000, () => state([a, b]));
    expect(a.revokedSince(aMark1).sort()).toEqual(b.ownedList());
    const marks = [a.events.length, b.events.length];
    const kept = [a.ownedList(), b.ownedList()];
    const c = await member('c', group);
    await c.membership.subscribe({ topics: [topic] });
    await waitFor(() => splitExactly([a, b, c], all) && [a, b, c].every((m) => m.owned.size === 2), 60_000, () => state([a, b, c]));
    expect([...a.revokedSince(marks[0]!), ...b.revokedSince(marks[1]!)].sort()).toEqual(c.ownedList());
    for (const p of a.ownedList()) expect(kept[0]).toContain(p);
    for (const p of b.ownedList()) expect(kept[1]).toContain(p);
    expect([a, b, c].flatMap((m) => m.events).filter((e) => e.what === 'lost')).toEqual([]);
    expect(a.membership.groupMetadata().generationId).toBeGreaterThan(0);
    expect([a, b, c].flatMap((m) => m.fatals)).toEqual([]);

    // A member that leaves hands its partitions to the others.
    open.splice(open.indexOf(c), 1);
    await c.close();
    await waitFor(() => splitExactly([a, b], all), 60_000, () => state([a, b]));
  });

  it('range (server side): two members get 3 partitions each', async () => {
    const topic = uniqueTopic('c848r');
    await createTopic(topic, 6);
    const group = uniqueTopic('g848');
    const all = allPartitions(topic, 6);
    const a = await member('a', group, { groupRemoteAssignor: 'range' });
    const b = await member('b', group, { groupRemoteAssignor: 'range' });
    await Promise.all([a.membership.subscribe({ topics: [topic] }), b.membership.subscribe({ topics: [topic] })]);
    await waitFor(() => splitExactly([a, b], all) && a.owned.size === 3, 60_000, () => state([a, b]));
  });

  it('static member: restarts with the same groupInstanceId get the same partitions, the others see nothing', async () => {
    const topic = uniqueTopic('c848s');
    await createTopic(topic, 6);
    const group = uniqueTopic('g848');
    const all = allPartitions(topic, 6);
    const a = await member('a', group, { groupInstanceId: 'sa' });
    const b = await member('b', group, { groupInstanceId: 'sb' });
    const c = await member('c', group, { groupInstanceId: 'sc' });
    await Promise.all([a, b, c].map((m) => m.membership.subscribe({ topics: [topic] })));
    await waitFor(() => splitExactly([a, b, c], all) && [a, b, c].every((m) => m.owned.size === 2), 60_000, () => state([a, b, c]));
    const before = b.ownedList();
    const marks = [a.events.length, c.events.length];
    open.splice(open.indexOf(b), 1);
    await b.close(); // leaves with epoch -2: the broker keeps its partitions for the session timeout
    const b2 = await member('b2', group, { groupInstanceId: 'sb' });
    await b2.membership.subscribe({ topics: [topic] });
    await waitFor(() => b2.owned.size === 2, 60_000, () => state([a, b2, c]));
    expect(b2.ownedList()).toEqual(before);
    // Whatever epoch the group is at now, a and c heartbeat up to it without any partition moving.
    const { groupEpoch } = await describeConsumerGroup(group);
    await waitFor(() => [a, c].every((m) => m.membership.groupMetadata().generationId >= groupEpoch), 60_000, () => `group epoch ${groupEpoch}; a ${a.membership.groupMetadata().generationId}, c ${c.membership.groupMetadata().generationId}`);
    expect(a.events.slice(marks[0])).toEqual([]);
    expect(c.events.slice(marks[1])).toEqual([]);
    expect([a, b2, c].flatMap((m) => m.fatals)).toEqual([]);
  });

  it('a second process with a groupInstanceId still in use fails with UNRELEASED_INSTANCE_ID; the first keeps its partitions', async () => {
    const topic = uniqueTopic('c848u');
    await createTopic(topic, 2);
    const group = uniqueTopic('g848');
    const first = await member('first', group, { groupInstanceId: 'same-id' });
    await first.membership.subscribe({ topics: [topic] });
    await waitFor(() => first.owned.size === 2, 60_000, () => state([first]));
    const second = await member('second', group, { groupInstanceId: 'same-id' });
    await expect(second.membership.subscribe({ topics: [topic] })).rejects.toThrow(/UNRELEASED_INSTANCE_ID.*groupInstanceId/);
    expect(second.fatals).toHaveLength(1);
    expect(first.fatals).toEqual([]);
    expect(first.ownedList()).toEqual(allPartitions(topic, 2));
  });

  it('a RegExp subscription is resolved by the broker, across topics', async () => {
    const prefix = uniqueTopic('rx');
    await createTopic(`${prefix}-one`, 2);
    await createTopic(`${prefix}-two`, 1);
    await createTopic(`${uniqueTopic('other')}`, 1);
    const group = uniqueTopic('g848');
    const a = await member('a', group);
    a.membership.subscribe({ pattern: new RegExp(`${prefix}-.*`) }).catch(() => undefined);
    await waitFor(() => a.owned.size === 3, 90_000, () => state([a]));
    expect(a.ownedList()).toEqual([`${prefix}-one-0`, `${prefix}-one-1`, `${prefix}-two-0`]);
  });

  it('commits with the member epoch and reads the offsets back', async () => {
    const topic = uniqueTopic('c848c');
    await createTopic(topic, 2);
    const group = uniqueTopic('g848');
    const a = await member('a', group);
    await a.membership.subscribe({ topics: [topic] });
    await waitFor(() => a.owned.size === 2, 60_000, () => state([a]));
    await a.membership.commit(new Map([[{ topic, partition: 1 }, { offset: 42n, metadata: 'hello' }]]));
    const got = await a.membership.fetchCommitted([{ topic, partition: 0 }, { topic, partition: 1 }]);
    expect(got.get(`${topic}:0`)).toBeNull();
    expect(got.get(`${topic}:1`)).toMatchObject({ offset: 42n, metadata: 'hello' });
  });
});
