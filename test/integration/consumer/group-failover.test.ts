// The group coordinator's broker is killed: members of a classic and of a
// KIP-848 group find the new coordinator, keep their membership, commit, and
// take in a new member. Needs node control, so a private cluster:
//   KAFKA_BASE_PORT=22092 KAFKA_MATRIX=0 npx vitest run --project integration test/integration/consumer/group-failover.test.ts
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cluster, createTopic, kafka, noKafka, uniqueTopic } from '../kafka.js';
import { allPartitions, coordinatorOf, Member, splitExactly, state, waitFor } from './group-harness.js';

const harness = noKafka ? null : cluster();
const open: Member[] = [];
const stops: Array<() => void> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) s();
  await Promise.allSettled(open.splice(0).map((m) => m.close()));
});
afterAll(async () => {
  for (const id of [1, 2, 3]) if (harness && harness.pid(id) === null) await harness.restartNode(id);
});

async function member(name: string, groupId: string, groupProtocol: 'classic' | 'consumer') {
  const m = await Member.start(name, { groupId, groupProtocol, groupRemoteAssignor: groupProtocol === 'consumer' ? 'uniform' : null, requestTimeoutMs: 10_000 });
  open.push(m);
  stops.push(m.keepPolling());
  return m;
}

describe.skipIf(noKafka || harness === null || kafka.bootstrap.split(',').length < 3)('group coordinator failover', () => {
  for (const protocol of ['classic', 'consumer'] as const) {
    it(`${protocol}: the coordinator's broker dies; members follow the new coordinator, commit, and take in a new member`, async () => {
      const topic = uniqueTopic(`gfo-${protocol}`);
      await createTopic(topic, 6);
      const group = uniqueTopic('gfo');
      const all = allPartitions(topic, 6);
      const a = await member('a', group, protocol);
      const b = await member('b', group, protocol);
      await Promise.all([a.membership.subscribe({ topics: [topic] }), b.membership.subscribe({ topics: [topic] })]);
      await waitFor(() => splitExactly([a, b], all) && a.owned.size === 3, 90_000, () => state([a, b]));
      const before = await coordinatorOf(group);
      await harness!.killNode(before);
      try {
        // A commit goes to the new coordinator (retrying through the move and its loading).
        const mine = a.ownedList().map((l) => Number(l.slice(topic.length + 1)));
        await a.membership.commit(new Map(mine.map((partition) => [{ topic, partition }, { offset: 5n, metadata: 'after-failover' }])));
        const after = await coordinatorOf(group);
        expect(after).not.toBe(before);
        const got = await a.membership.fetchCommitted([{ topic, partition: mine[0]! }]);
        expect(got.get(`${topic}:${mine[0]}`)).toMatchObject({ offset: 5n, metadata: 'after-failover' });
        // The group still works: a third member joins through the new coordinator.
        const c = await member('c', group, protocol);
        await c.membership.subscribe({ topics: [topic] });
        await waitFor(() => splitExactly([a, b, c], all) && [a, b, c].every((m) => m.owned.size === 2), 120_000, () => state([a, b, c]));
        expect([a, b, c].flatMap((m) => m.fatals)).toEqual([]);
      } finally {
        await harness!.restartNode(before);
      }
      // The test's own budget covers the waits inside it (90 s + 120 s, each ending with the group's state), which
      // on a loaded machine together outlast the default 120 s; a hang still ends at those waits.
    }, 330_000);
  }
});
