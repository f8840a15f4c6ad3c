// The consumer as a group host (what the membership calls when partitions come
// and go), with a scripted membership standing in for the group protocol and
// a scripted broker for fetching.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GroupDeps, GroupHost, GroupMembership, OffsetAndMetadata, Subscription, TopicPartition } from '../../src/consumer/group/contract.js';
import { fakeCluster, TOPIC, type FakeCluster } from './fake-cluster.js';

/** What the fake membership saw, in order. */
const events: string[] = [];
const committed = new Map<string, OffsetAndMetadata>();
let host: GroupHost | null = null;
let polls = 0;

vi.mock('../../src/consumer/group/index.js', () => ({
  createGroupMembership(deps: GroupDeps): GroupMembership {
    host = deps.host;
    let owned: TopicPartition[] = [];
    return {
      async subscribe(s: Subscription) {
        events.push(`subscribe ${'topics' in s ? s.topics.join() : String(s.pattern)}`);
      },
      assignment: () => owned,
      polled: () => void polls++,
      async commit(offsets: Map<TopicPartition, OffsetAndMetadata>) {
        for (const [tp, o] of offsets) {
          committed.set(`${tp.topic}:${tp.partition}`, o);
          events.push(`commit ${tp.partition}@${o.offset}`);
        }
      },
      async fetchCommitted(tps: TopicPartition[]) {
        return new Map(tps.map((tp) => [`${tp.topic}:${tp.partition}`, committed.get(`${tp.topic}:${tp.partition}`) ?? null]));
      },
      async leave() {
        events.push('leave');
        await deps.host.revoke(owned);
        owned = [];
      },
      groupMetadata: () => ({ groupId: deps.options.groupId, generationId: 7, memberId: 'm-1', groupInstanceId: null }),
      // The test drives assignments through the host directly; keep `owned` in step.
      set owned(v: TopicPartition[]) {
        owned = v;
      },
    } as GroupMembership;
  },
  createGroupOffsets() {
    throw new Error('not used');
  },
}));

const { Consumer } = await import('../../src/consumer/index.js');

let fc: FakeCluster | undefined;
afterEach(async () => {
  await fc?.close();
  fc = undefined;
  events.length = 0;
  committed.clear();
  host = null;
});

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Consumer as GroupHost', () => {
  it('assign reads committed offsets (reset where none); revoke commits what was handed out, then calls the listener; lost commits nothing', async () => {
    fc = await fakeCluster(2);
    fc.append(0, ['a0', 'a1', 'a2']);
    fc.append(1, ['b0', 'b1']);
    committed.set(`${TOPIC}:1`, { offset: 1n, leaderEpoch: -1, metadata: '' });
    const c = new Consumer({ bootstrapServers: `127.0.0.1:${fc.broker.port}`, groupId: 'g', autoOffsetReset: 'earliest', fetchMaxWaitMs: 20, autoCommitIntervalMs: 60_000 });
    try {
      c.subscribe([TOPIC], {
        onPartitionsAssigned: (tps) => void events.push(`assigned ${tps.map((t) => t.partition).join()}`),
        onPartitionsRevoked: (tps) => void events.push(`revoked ${tps.map((t) => t.partition).join()}`),
        onPartitionsLost: (tps) => void events.push(`lost ${tps.map((t) => t.partition).join()}`),
      });
      await until(() => host !== null && events.includes(`subscribe ${TOPIC}`), 'subscribe');
      await host!.assign([{ topic: TOPIC, partition: 0 }, { topic: TOPIC, partition: 1 }]);
      expect(events.at(-1)).toBe('assigned 0,1');
      // Positions: partition 0 had no commit (earliest: 0), partition 1 resumes at its committed offset.
      expect(await c.position({ topic: TOPIC, partition: 0 })).toBe(0n);
      expect(await c.position({ topic: TOPIC, partition: 1 })).toBe(1n);
      const got: string[] = [];
      while (got.length < 4) got.push(...(await c.poll(100)).map((r) => r.value!.toString()));
      expect(got.sort()).toEqual(['a0', 'a1', 'a2', 'b1']);
      expect(polls).toBeGreaterThan(0);

      events.length = 0;
      await host!.revoke([{ topic: TOPIC, partition: 0 }]);
      expect(events).toEqual(['commit 0@3', 'revoked 0']);
      expect(c.assignment()).toEqual([{ topic: TOPIC, partition: 1 }]);

      events.length = 0;
      await host!.lost([{ topic: TOPIC, partition: 1 }]);
      expect(events).toEqual(['lost 1']);
      expect(c.assignment()).toEqual([]);
      expect(c.groupMetadata()).toEqual({ groupId: 'g', generationId: 7, memberId: 'm-1', groupInstanceId: null });
    } finally {
      await c.close();
    }
  });

  it('a listener that throws: the rebalance goes on and the next poll() throws the error once', async () => {
    fc = await fakeCluster(1);
    const c = new Consumer({ bootstrapServers: `127.0.0.1:${fc.broker.port}`, groupId: 'g', fetchMaxWaitMs: 20 });
    try {
      c.subscribe([TOPIC], {
        onPartitionsAssigned: () => {
          throw new Error('listener bug');
        },
      });
      await until(() => host !== null, 'membership');
      await host!.assign([{ topic: TOPIC, partition: 0 }]);
      expect(c.assignment()).toEqual([{ topic: TOPIC, partition: 0 }]);
      await expect(c.poll(10)).rejects.toThrow('listener bug');
      await expect(c.poll(10)).resolves.toEqual([]);
    } finally {
      await c.close();
    }
  });

  it('a fatal group error reaches the application from poll()', async () => {
    fc = await fakeCluster(1);
    const c = new Consumer({ bootstrapServers: `127.0.0.1:${fc.broker.port}`, groupId: 'g' });
    try {
      c.subscribe([TOPIC]);
      await until(() => host !== null, 'membership');
      host!.fatal(new Error('FENCED_INSTANCE_ID: another process uses this groupInstanceId'));
      await expect(c.poll(10)).rejects.toThrow(/consumer group g failed: FENCED_INSTANCE_ID/);
    } finally {
      await c.close();
    }
  });
});
