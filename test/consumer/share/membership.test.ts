// The share group membership state machine against a scripted coordinator
// (no sockets; a fake clock drives the heartbeat timers).
import { describe, expect, it } from 'vitest';
import { Metadata } from '../../../src/cluster/metadata.js';
import { KafkaBrokerError, UnsupportedVersionError, type KafkaError } from '../../../src/errors.js';
import { ErrorCode } from '../../../src/messages/error-codes.js';
import { SHARE_MEMBER_TRANSITIONS, ShareMembership, type AssignedPartition } from '../../../src/consumer/share/membership.js';
import { FakeClock, FakeCluster, settle } from '../group/fake-coordinator.js';

function setup(over: { versionAt?: (node: number) => Promise<number> } = {}) {
  const cluster = new FakeCluster();
  cluster.addTopic('t', 2);
  cluster.addTopic('u', 1);
  const clock = new FakeClock();
  const pool = cluster.pool();
  const metadata = new Metadata(pool);
  const assignments: string[][] = [];
  const fatals: KafkaError[] = [];
  const m = new ShareMembership({
    pool,
    metadata,
    clock,
    options: { groupId: 'sg', clientRack: 'rack-1', requestTimeoutMs: 30_000, retryBackoffMs: 100, retryBackoffMaxMs: 1000 },
    assigned: (list: AssignedPartition[]) => assignments.push(list.map((p) => `${p.topic}-${p.partition}`)),
    fatal: (e) => fatals.push(e),
    ...over,
  });
  return { cluster, clock, metadata, m, assignments, fatals };
}

const ok = (epoch: number, assignment: Array<{ topicId: string; partitions: number[] }> | null = null, heartbeatIntervalMs = 1000) => ({
  throttleTimeMs: 0, errorCode: 0, errorMessage: null, memberId: null, memberEpoch: epoch, heartbeatIntervalMs, assignment: assignment && { topicPartitions: assignment },
});
const error = (code: number) => ({ throttleTimeMs: 0, errorCode: code, errorMessage: 'scripted', memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null });

describe('ShareMembership', () => {
  it('joins with a client-generated UUID and epoch 0, takes the assignment by topic id, then heartbeats with its epoch and no repeated subscription', async () => {
    const { cluster, clock, m, assignments, fatals } = setup();
    const tId = cluster.topics.get('t')!.id;
    cluster.script('ShareGroupHeartbeat', ok(1), ok(2, [{ topicId: tId, partitions: [1, 0] }]), ok(2));
    m.subscribe(['t']);
    await settle();
    const [join] = cluster.sent('ShareGroupHeartbeat');
    expect(join!.body).toMatchObject({ groupId: 'sg', memberEpoch: 0, rackId: 'rack-1', subscribedTopicNames: ['t'] });
    expect(join!.body.memberId).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    expect(m.currentState).toBe('stable');
    await clock.advance(1000);
    await clock.advance(1000);
    const hbs = cluster.sent('ShareGroupHeartbeat');
    expect(hbs.map((h) => [h.body.memberId, h.body.memberEpoch, h.body.subscribedTopicNames, h.body.rackId])).toEqual([
      [m.memberId, 0, ['t'], 'rack-1'],
      [m.memberId, 1, null, null],
      [m.memberId, 2, null, null],
    ]);
    expect(assignments).toEqual([['t-0', 't-1']]);
    expect(fatals).toEqual([]);
    // A new subscription goes out at once.
    cluster.script('ShareGroupHeartbeat', ok(3));
    m.subscribe(['t', 'u']);
    await settle();
    expect(cluster.sent('ShareGroupHeartbeat').at(-1)!.body).toMatchObject({ memberEpoch: 2, subscribedTopicNames: ['t', 'u'] });
  });

  it('looks up assigned topic ids it does not know with a Metadata request by id', async () => {
    const { cluster, m, assignments } = setup();
    cluster.addTopic('late', 3);
    cluster.script('ShareGroupHeartbeat', ok(1, [{ topicId: cluster.topics.get('late')!.id, partitions: [2] }]));
    m.subscribe(['late']);
    await settle();
    expect(cluster.sent('Metadata').some((r) => r.body.topics?.some((t: { topicId?: string }) => t.topicId === cluster.topics.get('late')!.id))).toBe(true);
    expect(assignments).toEqual([['late-2']]);
  });

  it('fenced (FENCED_MEMBER_EPOCH or UNKNOWN_MEMBER_ID): drops its assignment and rejoins with epoch 0, the same member id and the subscription', async () => {
    for (const code of [ErrorCode.FENCED_MEMBER_EPOCH, ErrorCode.UNKNOWN_MEMBER_ID]) {
      const { cluster, clock, m, assignments, fatals } = setup();
      const tId = cluster.topics.get('t')!.id;
      cluster.script('ShareGroupHeartbeat', ok(4, [{ topicId: tId, partitions: [0] }]), error(code), ok(6, [{ topicId: tId, partitions: [1] }]));
      m.subscribe(['t']);
      await settle();
      await clock.advance(1000);
      const hbs = cluster.sent('ShareGroupHeartbeat');
      expect(hbs.map((h) => [h.body.memberId, h.body.memberEpoch, h.body.subscribedTopicNames])).toEqual([
        [m.memberId, 0, ['t']],
        [m.memberId, 4, null],
        [m.memberId, 0, ['t']],
      ]);
      expect(assignments).toEqual([['t-0'], [], ['t-1']]);
      expect(m.currentState).toBe('stable');
      expect(fatals).toEqual([]);
    }
  });

  it('finds the coordinator again after NOT_COORDINATOR, and retries COORDINATOR_LOAD_IN_PROGRESS after a backoff', async () => {
    const { cluster, clock, m, fatals } = setup();
    cluster.script('ShareGroupHeartbeat', error(ErrorCode.NOT_COORDINATOR), error(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS), ok(1));
    m.subscribe(['t']);
    await settle();
    expect(cluster.sent('FindCoordinator')).toHaveLength(1);
    await clock.advance(900);
    expect(cluster.sent('FindCoordinator')).toHaveLength(2);
    expect(cluster.sent('ShareGroupHeartbeat').map((h) => h.body.memberEpoch)).toEqual([0, 0, 0]);
    expect(m.currentState).toBe('stable');
    expect(fatals).toEqual([]);
  });

  it('a group error it cannot recover from (GROUP_AUTHORIZATION_FAILED) is fatal, typed and names the group', async () => {
    const { cluster, m, fatals } = setup();
    cluster.script('ShareGroupHeartbeat', error(ErrorCode.GROUP_AUTHORIZATION_FAILED));
    m.subscribe(['t']);
    await settle();
    expect(fatals).toHaveLength(1);
    expect(fatals[0]).toBeInstanceOf(KafkaBrokerError);
    expect(fatals[0]!.message).toMatch(/GROUP_AUTHORIZATION_FAILED.*group sg/);
    expect(m.currentState).toBe('closed');
  });

  it('a coordinator without ShareGroupHeartbeat (Kafka 3.9), or with only the early-access v0, is an UnsupportedVersionError naming broker and requirement', async () => {
    const none = setup({ versionAt: () => Promise.reject(new UnsupportedVersionError('the broker does not support ShareGroupHeartbeat (API key 76) at all')) });
    none.m.subscribe(['t']);
    await settle();
    expect(none.fatals).toHaveLength(1);
    expect(none.fatals[0]).toBeInstanceOf(UnsupportedVersionError);
    expect(none.fatals[0]!.message).toMatch(/share group sg: broker 1 .*does not offer ShareGroupHeartbeat v1\+.*need Kafka 4\.1/);
    expect(none.cluster.sent('ShareGroupHeartbeat')).toEqual([]);

    const early = setup({ versionAt: () => Promise.resolve(0) });
    early.m.subscribe(['t']);
    await settle();
    expect(early.fatals[0]).toBeInstanceOf(UnsupportedVersionError);
    expect(early.fatals[0]!.message).toMatch(/only the early-access v0/);
  });

  it('leave() sends epoch -1, ends in closed and leaves no timer behind', async () => {
    const { cluster, clock, m } = setup();
    cluster.script('ShareGroupHeartbeat', ok(1), ok(-1));
    m.subscribe(['t']);
    await settle();
    await m.leave();
    expect(cluster.sent('ShareGroupHeartbeat').at(-1)!.body).toMatchObject({ memberId: m.memberId, memberEpoch: -1 });
    expect(m.currentState).toBe('closed');
    expect(clock.pending).toBe(0);
    await clock.advance(10_000);
    expect(cluster.sent('ShareGroupHeartbeat')).toHaveLength(2);
  });

  it('the transition table has no way out of closed and every state reaches closed', () => {
    expect(SHARE_MEMBER_TRANSITIONS.closed).toEqual([]);
    for (const [from, to] of Object.entries(SHARE_MEMBER_TRANSITIONS)) if (from !== 'closed') expect(to).toContain('closed');
  });
});
