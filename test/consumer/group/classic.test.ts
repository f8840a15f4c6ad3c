// The classic membership against a scripted coordinator, with the injected
// clock driving heartbeats, backoff and the poll timeout.
import { describe, expect, it } from 'vitest';
import { decodeSubscription, encodeAssignment } from '../../../src/consumer/assignors/index.js';
import { CLASSIC_TRANSITIONS, ClassicMembership } from '../../../src/consumer/group/classic.js';
import { tpKey } from '../../../src/consumer/group/contract.js';
import { KafkaBrokerError } from '../../../src/messages/error-codes.js';
import { ErrorCode } from '../../../src/messages/error-codes.js';
import { settle, setup } from './fake-coordinator.js';

const T = 'orders';

function joinOk(memberId: string, generationId: number, opts: { leader?: string; protocolName?: string; members?: Array<{ memberId: string; metadata: Uint8Array }> } = {}) {
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    generationId,
    protocolType: 'consumer',
    protocolName: opts.protocolName ?? 'range',
    leader: opts.leader ?? 'someone-else',
    skipAssignment: false,
    memberId,
    members: opts.members ?? [],
  };
}

const joinErr = (errorCode: number, memberId = '') => ({ throttleTimeMs: 0, errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] });

function syncOk(partitions: number[], topic = T) {
  return { throttleTimeMs: 0, errorCode: 0, protocolType: 'consumer', protocolName: 'range', assignment: encodeAssignment({ partitions: partitions.map((partition) => ({ topic, partition })), userData: null }) };
}

const syncErr = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, protocolType: null, protocolName: null, assignment: new Uint8Array(0) });

describe('classic membership', () => {
  it('has a transition table that reaches stable only through joining and syncing', () => {
    expect(CLASSIC_TRANSITIONS.unjoined).not.toContain('stable');
    expect(CLASSIC_TRANSITIONS.joining).not.toContain('stable');
    expect(CLASSIC_TRANSITIONS.syncing).toContain('stable');
    expect(CLASSIC_TRANSITIONS.closed).toEqual([]);
  });

  it('retries JoinGroup with the member id the coordinator requires (KIP-394), then leads, assigns and heartbeats', async () => {
    const { cluster, clock, host, deps } = setup();
    cluster.addTopic(T, 4);
    cluster.script('JoinGroup', joinErr(ErrorCode.MEMBER_ID_REQUIRED, 'm-1'), (body: any) => joinOk('m-1', 1, { leader: 'm-1', members: [{ memberId: 'm-1', metadata: body.protocols[0].metadata }] }));
    let syncBody: any;
    cluster.script('SyncGroup', (body: any) => {
      syncBody = body;
      return { throttleTimeMs: 0, errorCode: 0, protocolType: 'consumer', protocolName: 'range', assignment: body.assignments[0].assignment };
    });
    const m = new ClassicMembership(deps);
    const done = m.subscribe({ topics: [T] });
    await clock.advance(0);
    await done;
    const joins = cluster.sent('JoinGroup');
    expect(joins.map((j) => j.body.memberId)).toEqual(['', 'm-1']);
    expect(joins[0]!.body.protocolType).toBe('consumer');
    expect(decodeSubscription(joins[0]!.body.protocols[0].metadata).topics).toEqual([T]);
    expect(syncBody.generationId).toBe(1);
    expect(syncBody.assignments).toHaveLength(1);
    expect(host.calls).toEqual([{ what: 'assign', partitions: [`${T}-0`, `${T}-1`, `${T}-2`, `${T}-3`] }]);
    expect(m.currentState).toBe('stable');
    expect(m.groupMetadata()).toEqual({ groupId: 'g', generationId: 1, memberId: 'm-1', groupInstanceId: null });
    expect(cluster.sent('Heartbeat')).toHaveLength(0);
    await clock.advance(3000);
    expect(cluster.sent('Heartbeat')).toHaveLength(1);
    await clock.advance(3000 * 3);
    const hbs = cluster.sent('Heartbeat');
    expect(hbs).toHaveLength(4);
    expect(hbs[0]!.body).toMatchObject({ groupId: 'g', generationId: 1, memberId: 'm-1' });
    expect(hbs.every((h) => h.node === 1)).toBe(true);
    await m.leave();
  });

  it('EAGER: REBALANCE_IN_PROGRESS on a heartbeat revokes everything, then rejoins with the same member id', async () => {
    const { cluster, clock, host, deps } = setup();
    cluster.addTopic(T, 4);
    cluster.script('JoinGroup', joinOk('m-1', 1), joinOk('m-1', 2));
    cluster.script('SyncGroup', syncOk([0, 1, 2, 3]), syncOk([0, 1]));
    cluster.script('Heartbeat', { throttleTimeMs: 0, errorCode: ErrorCode.REBALANCE_IN_PROGRESS });
    const m = new ClassicMembership(deps);
    await Promise.all([m.subscribe({ topics: [T] }), clock.advance(0)]);
    await clock.advance(3000);
    expect(host.calls).toEqual([
      { what: 'assign', partitions: [`${T}-0`, `${T}-1`, `${T}-2`, `${T}-3`] },
      { what: 'revoke', partitions: [`${T}-0`, `${T}-1`, `${T}-2`, `${T}-3`] },
      { what: 'assign', partitions: [`${T}-0`, `${T}-1`] },
    ]);
    const joins = cluster.sent('JoinGroup');
    expect(joins).toHaveLength(2);
    expect(joins[1]!.body.memberId).toBe('m-1');
    // EAGER members own nothing when they rejoin.
    expect(decodeSubscription(joins[1]!.body.protocols[0].metadata).ownedPartitions).toEqual([]);
    expect(m.assignment().map((p) => tpKey(p.topic, p.partition))).toEqual([`${T}:0`, `${T}:1`]);
    await m.leave();
  });

  it('UNKNOWN_MEMBER_ID on a heartbeat: partitions are lost (not revoked) and the member rejoins with no id', async () => {
    const { cluster, clock, host, deps } = setup();
    cluster.addTopic(T, 2);
    cluster.script('JoinGroup', joinOk('m-1', 5), joinOk('m-2', 6));
    cluster.script('SyncGroup', syncOk([0, 1]), syncOk([1]));
    cluster.script('Heartbeat', { throttleTimeMs: 0, errorCode: ErrorCode.UNKNOWN_MEMBER_ID });
    const m = new ClassicMembership(deps);
    await Promise.all([m.subscribe({ topics: [T] }), clock.advance(0)]);
    await clock.advance(3000 + 1000);
    expect(host.calls.map((c) => c.what)).toEqual(['assign', 'lost', 'assign']);
    expect(host.calls[1]!.partitions).toEqual([`${T}-0`, `${T}-1`]);
    const joins = cluster.sent('JoinGroup');
    expect(joins[1]!.body.memberId).toBe('');
    expect(decodeSubscription(joins[1]!.body.protocols[0].metadata).generationId).toBe(-1);
    expect(m.groupMetadata().memberId).toBe('m-2');
    await m.leave();
  });

  it('ILLEGAL_GENERATION on a heartbeat: partitions lost, generation reset, member id kept', async () => {
    const { cluster, clock, host, deps } = setup();
    cluster.addTopic(T, 2);
    cluster.script('JoinGroup', joinOk('m-1', 5), joinOk('m-1', 7));
    cluster.script('SyncGroup', syncOk([0, 1]), syncOk([0, 1]));
    cluster.script('Heartbeat', { throttleTimeMs: 0, errorCode: ErrorCode.ILLEGAL_GENERATION });
    const m = new ClassicMembership(deps);
    await Promise.all([m.subscribe({ topics: [T] }), clock.advance(0)]);
    await clock.advance(3000 + 1000);
    expect(host.calls.map((c) => c.what)).toEqual(['assign', 'lost', 'assign']);
    const joins = cluster.sent('JoinGroup');
    expect(joins[1]!.body.memberId).toBe('m-1');
    expect(decodeSubscription(joins[1]!.body.protocols[0].metadata).generationId).toBe(-1);
    expect(m.groupMetadata().generationId).toBe(7);
    await m.leave();
  });

  it('follows the coordinator when it moves (NOT_COORDINATOR), without a rebalance', async () => {
    const { cluster, clock, host, deps } = setup();
    cluster.addTopic(T, 2);
    cluster.script('JoinGroup', joinOk('m-1', 1));
    cluster.script('SyncGroup', syncOk([0, 1]));
    cluster.script('Heartbeat', () => {
      cluster.coordinator = 3;
      return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_COORDINATOR };
    });
    const m = new ClassicMembership(deps);
    await Promise.all([m.subscribe({ topics: [T] }), clock.advance(0)]);
    await clock.advance(3000 + 200);
    expect(cluster.sent('FindCoordinator')).toHaveLength(2);
    const hbs = cluster.sent('Heartbeat');
    expect(hbs.map((h) => h.node)).toEqual([1, 3]);
    expect(cluster.sent('JoinGroup')).toHaveLength(1);
    expect(host.calls).toHaveLength(1);
    await m.leave();
    expect(cluster.sent('LeaveGroup')[0]!.node).toBe(3);
  });

  it('retries JoinGroup after COORDINATOR_LOAD_IN_PROGRESS and COORDINATOR_NOT_AVAILABLE with backoff', async () => {
    const { cluster, clock, deps } = setup();
    cluster.addTopic(T, 1);
    cluster.script('JoinGroup', joinErr(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS), joinErr(ErrorCode.COORDINATOR_NOT_AVAILABLE), joinOk('m-1', 1));
    cluster.script('SyncGroup', syncOk([0]));
    const m = new ClassicMembership(deps);
    const done = m.subscribe({ topics: [T] });
    await clock.advance(0);
    expect(cluster.sent('JoinGroup')).toHaveLength(1);
    await clock.advance(5000);
    await done;
    expect(cluster.sent('JoinGroup')).toHaveLength(3);
    expect(cluster.sent('FindCoordinator')).toHaveLength(2);
    await m.leave();
  });

  it('SyncGroup REBALANCE_IN_PROGRESS sends the member straight back to JoinGroup', async () => {
    const { cluster, clock, host, deps } = setup();
    cluster.addTopic(T, 1);
    cluster.script('JoinGroup', joinOk('m-1', 1), joinOk('m-1', 2));
    cluster.script('SyncGroup', syncErr(ErrorCode.REBALANCE_IN_PROGRESS), syncOk([0]));
    const m = new ClassicMembership(deps);
    await Promise.all([m.subscribe({ topics: [T] }), clock.advance(0)]);
    expect(cluster.sent('JoinGroup')).toHaveLength(2);
    expect(host.calls).toEqual([{ what: 'assign', partitions: [`${T}-0`] }]);
    await m.leave();
  });

  it('FENCED_INSTANCE_ID is fatal: a clear error to the host, timers stopped', async () => {
    const { cluster, clock, host, deps } = setup({ groupInstanceId: 'worker-1' });
    cluster.addTopic(T, 1);
    cluster.script('JoinGroup', joinOk('m-1', 1));
    cluster.script('SyncGroup', syncOk([0]));
    cluster.script('Heartbeat', { throttleTimeMs: 0, errorCode: ErrorCode.FENCED_INSTANCE_ID });
    const m = new ClassicMembership(deps);
    await Promise.all([m.subscribe({ topics: [T] }), clock.advance(0)]);
    expect(cluster.sent('JoinGroup')[0]!.body.groupInstanceId).toBe('worker-1');
    await clock.advance(3000);
    expect(host.fatals).toHaveLength(1);
    const err = host.fatals[0] as KafkaBrokerError;
    expect(err).toBeInstanceOf(KafkaBrokerError);
    expect(err.errorName).toBe('FENCED_INSTANCE_ID');
    expect(err.message).toMatch(/group g/);
    expect(err.message).toMatch(/two processes share one static member id/);
    const before = cluster.requests.length;
    await clock.advance(60_000);
    expect(cluster.requests.length).toBe(before);
    expect(m.currentState).toBe('closed');
  });

  it('GROUP_AUTHORIZATION_FAILED on JoinGroup is fatal and names the group ACL', async () => {
    const { cluster, clock, host, deps } = setup();
    cluster.addTopic(T, 1);
    cluster.script('JoinGroup', joinErr(ErrorCode.GROUP_AUTHORIZATION_FAILED));
    const m = new ClassicMembership(deps);
    const done = m.subscribe({ topics: [T] });
    const rejected = expect(done).rejects.toThrow(/group ACL is missing/);
    await clock.advance(0);
    await rejected;
    expect(host.fatals[0]?.message).toMatch(/READ on Group:g/);
  });

  it('maxPollIntervalMs: a member that is not polled leaves (LeaveGroup, partitions lost) and rejoins on the next poll', async () => {
    const { cluster, clock, host, deps } = setup({ maxPollIntervalMs: 10_000 });
    cluster.addTopic(T, 2);
    cluster.script('JoinGroup', joinOk('m-1', 1), joinOk('m-9', 3));
    cluster.script('SyncGroup', syncOk([0, 1]), syncOk([0]));
    const m = new ClassicMembership(deps);
    await Promise.all([m.subscribe({ topics: [T] }), clock.advance(0)]);
    await clock.advance(6000);
    m.polled();
    await clock.advance(9000);
    expect(cluster.sent('LeaveGroup')).toHaveLength(0);
    await clock.advance(1500);
    const leaves = cluster.sent('LeaveGroup');
    expect(leaves).toHaveLength(1);
    expect(leaves[0]!.body.members[0].reason).toMatch(/maxPollIntervalMs/);
    expect(host.calls.map((c) => c.what)).toEqual(['assign', 'lost']);
    expect(m.currentState).toBe('unjoined');
    const hbBefore = cluster.sent('Heartbeat').length;
    await clock.advance(60_000);
    expect(cluster.sent('Heartbeat').length).toBe(hbBefore);
    expect(cluster.sent('JoinGroup')).toHaveLength(1);
    m.polled();
    await clock.advance(0);
    const joins = cluster.sent('JoinGroup');
    expect(joins).toHaveLength(2);
    expect(joins[1]!.body.memberId).toBe('');
    expect(host.calls.map((c) => c.what)).toEqual(['assign', 'lost', 'assign']);
    await m.leave();
  });

  it('COOPERATIVE: revokes only the partitions that leave, then rejoins; keeps the rest', async () => {
    const { cluster, clock, host, deps } = setup({ partitionAssignmentStrategy: ['cooperative-sticky'] });
    cluster.addTopic(T, 4);
    cluster.script('JoinGroup', joinOk('m-1', 1, { protocolName: 'cooperative-sticky' }), joinOk('m-1', 2, { protocolName: 'cooperative-sticky' }), joinOk('m-1', 3, { protocolName: 'cooperative-sticky' }));
    cluster.script('SyncGroup', syncOk([0, 1, 2, 3]), syncOk([0, 1]), syncOk([0, 1]));
    cluster.script('Heartbeat', { throttleTimeMs: 0, errorCode: ErrorCode.REBALANCE_IN_PROGRESS });
    const m = new ClassicMembership(deps);
    expect(m.rebalanceProtocol).toBe('COOPERATIVE');
    await Promise.all([m.subscribe({ topics: [T] }), clock.advance(0)]);
    await clock.advance(3000);
    expect(host.calls).toEqual([
      { what: 'assign', partitions: [`${T}-0`, `${T}-1`, `${T}-2`, `${T}-3`] },
      { what: 'revoke', partitions: [`${T}-2`, `${T}-3`] },
      { what: 'assign', partitions: [] },
      // The follow-up round (generation 3) changes nothing; the host still hears of it, as Java's listener does.
      { what: 'assign', partitions: [] },
    ]);
    const joins = cluster.sent('JoinGroup');
    expect(joins).toHaveLength(3);
    // The rejoin during the cooperative round reports what the member still owns.
    const sub = decodeSubscription(joins[1]!.body.protocols[0].metadata);
    expect(sub.ownedPartitions.map((p) => p.partition)).toEqual([0, 1, 2, 3]);
    expect(sub.generationId).toBe(1);
    expect(decodeSubscription(joins[2]!.body.protocols[0].metadata).ownedPartitions.map((p) => p.partition)).toEqual([0, 1]);
    await m.leave();
  });

  it('static member: close revokes but sends no LeaveGroup; a dynamic member sends one', async () => {
    for (const instance of ['worker-1', null]) {
      const { cluster, clock, host, deps } = setup({ groupInstanceId: instance });
      cluster.addTopic(T, 1);
      cluster.script('JoinGroup', joinOk('m-1', 1));
      cluster.script('SyncGroup', syncOk([0]));
      const m = new ClassicMembership(deps);
      await Promise.all([m.subscribe({ topics: [T] }), clock.advance(0)]);
      await m.leave();
      expect(host.calls.map((c) => c.what)).toEqual(['assign', 'revoke']);
      expect(cluster.sent('LeaveGroup')).toHaveLength(instance === null ? 1 : 0);
      expect(clock.pending).toBe(0);
    }
  });

  it('a RegExp subscription matches whole topic names (as Java) and rejoins when a new topic matches', async () => {
    const { cluster, clock, deps } = setup({ metadataMaxAgeMs: 10_000 });
    cluster.addTopic('logs-a', 1);
    cluster.addTopic('other', 1);
    cluster.addTopic('old-logs-a', 1);
    cluster.script('JoinGroup', joinOk('m-1', 1), joinOk('m-1', 2));
    cluster.script('SyncGroup', syncOk([0], 'logs-a'), syncOk([0], 'logs-a'));
    const m = new ClassicMembership(deps);
    await Promise.all([m.subscribe({ pattern: /logs-.*/ }), clock.advance(0)]);
    expect(decodeSubscription(cluster.sent('JoinGroup')[0]!.body.protocols[0].metadata).topics).toEqual(['logs-a']);
    await clock.advance(10_000);
    expect(cluster.sent('JoinGroup')).toHaveLength(1);
    cluster.addTopic('logs-b', 2);
    await clock.advance(10_000);
    const joins = cluster.sent('JoinGroup');
    expect(joins).toHaveLength(2);
    expect(decodeSubscription(joins[1]!.body.protocols[0].metadata).topics).toEqual(['logs-a', 'logs-b']);
    await m.leave();
  });

  it('the leader rejoins when a subscribed topic gains partitions', async () => {
    const { cluster, clock, deps } = setup({ metadataMaxAgeMs: 10_000 });
    cluster.addTopic(T, 2);
    const lead = (id: string, gen: number) => (body: any) => joinOk(id, gen, { leader: id, members: [{ memberId: id, metadata: body.protocols[0].metadata }] });
    cluster.script('JoinGroup', lead('m-1', 1), lead('m-1', 2));
    const echo = (body: any) => ({ throttleTimeMs: 0, errorCode: 0, protocolType: 'consumer', protocolName: 'range', assignment: body.assignments[0].assignment });
    cluster.script('SyncGroup', echo, echo);
    const m = new ClassicMembership(deps);
    await Promise.all([m.subscribe({ topics: [T] }), clock.advance(0)]);
    expect(m.assignment()).toHaveLength(2);
    cluster.addTopic(T, 3);
    await clock.advance(10_000);
    expect(cluster.sent('JoinGroup')).toHaveLength(2);
    expect(m.assignment()).toHaveLength(3);
    await m.leave();
  });

  it('a commit answered ILLEGAL_GENERATION fails naming the group and partition, and triggers a rejoin', async () => {
    const { cluster, clock, deps } = setup();
    cluster.addTopic(T, 1);
    cluster.script('JoinGroup', joinOk('m-1', 4), joinOk('m-1', 5));
    cluster.script('SyncGroup', syncOk([0]), syncOk([0]));
    cluster.script('OffsetCommit', { throttleTimeMs: 0, topics: [{ name: T, partitions: [{ partitionIndex: 0, errorCode: ErrorCode.ILLEGAL_GENERATION }] }] });
    const m = new ClassicMembership(deps);
    await Promise.all([m.subscribe({ topics: [T] }), clock.advance(0)]);
    const p = m.commit(new Map([[{ topic: T, partition: 0 }, { offset: 10n }]]));
    const check = expect(p).rejects.toThrow(/ILLEGAL_GENERATION.*group g, topic orders, partition 0.*commit failed/);
    await clock.advance(0);
    await check;
    expect(cluster.sent('OffsetCommit')[0]!.body).toMatchObject({ generationIdOrMemberEpoch: 4, memberId: 'm-1' });
    await clock.advance(1000);
    expect(cluster.sent('JoinGroup')).toHaveLength(2);
    await m.leave();
  });

  it('commits from revoke() go out on leave, with the generation; after leaving they are refused unsent', async () => {
    const { cluster, clock, host, deps } = setup();
    cluster.addTopic(T, 1);
    cluster.script('JoinGroup', joinOk('m-1', 7), joinOk('m-1', 8));
    cluster.script('SyncGroup', syncOk([0]), syncOk([0]));
    const ok = { throttleTimeMs: 0, topics: [{ name: T, partitions: [{ partitionIndex: 0, errorCode: 0 }] }] };
    cluster.script('OffsetCommit', ok, ok);
    const m = new ClassicMembership(deps);
    await Promise.all([m.subscribe({ topics: [T] }), clock.advance(0)]);
    // close(): the host commits what was consumed as the partitions are revoked, still in generation 7.
    const revoked: Array<Promise<unknown>> = [];
    host.onRevoke = async (tps) => {
      revoked.push(m.commit(new Map(tps.map((tp) => [tp, { offset: 5n }]))));
      await revoked[revoked.length - 1];
    };
    await m.leave();
    await expect(revoked[0]).resolves.toBeUndefined();
    expect(cluster.sent('OffsetCommit').map((c) => c.body)).toMatchObject([{ generationIdOrMemberEpoch: 7, memberId: 'm-1' }]);
    // After leaving, a commit is refused without being sent (as one during a join is).
    await expect(m.commit(new Map([[{ topic: T, partition: 0 }, { offset: 6n }]]))).rejects.toThrow(/REBALANCE_IN_PROGRESS.*rebalancing/);
    expect(cluster.sent('OffsetCommit')).toHaveLength(1);
  });

  it('leave() during a JoinGroup backoff leaves no timer behind', async () => {
    const { cluster, clock, deps } = setup();
    cluster.addTopic(T, 1);
    cluster.defaults.set('JoinGroup', () => joinErr(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS));
    const m = new ClassicMembership(deps);
    const p = m.subscribe({ topics: [T] });
    const check = expect(p).rejects.toThrow(/left the group/);
    await clock.advance(0);
    expect(clock.pending).toBeGreaterThan(0);
    await m.leave();
    await check;
    await settle();
    expect(clock.pending).toBe(0);
    const n = cluster.requests.length;
    await clock.advance(60_000);
    expect(cluster.requests.length).toBe(n);
  });

  it('subscribing again to the same topics while stable does not rebalance; other topics do', async () => {
    const { cluster, clock, deps } = setup();
    cluster.addTopic(T, 1);
    cluster.addTopic('more', 1);
    cluster.script('JoinGroup', joinOk('m-1', 1), joinOk('m-1', 2));
    cluster.script('SyncGroup', syncOk([0]), syncOk([0]));
    const m = new ClassicMembership(deps);
    await Promise.all([m.subscribe({ topics: [T] }), clock.advance(0)]);
    await m.subscribe({ topics: [T, T] });
    expect(cluster.sent('JoinGroup')).toHaveLength(1);
    await Promise.all([m.subscribe({ topics: [T, 'more'] }), clock.advance(0)]);
    expect(cluster.sent('JoinGroup')).toHaveLength(2);
    await m.leave();
  });

  it('heartbeats go on while the host is slow to revoke, and a failing callback does not stop the rebalance', async () => {
    const { cluster, clock, host, deps } = setup();
    cluster.addTopic(T, 2);
    cluster.script('JoinGroup', joinOk('m-1', 1), joinOk('m-1', 2));
    cluster.script('SyncGroup', syncOk([0, 1]), syncOk([1]));
    cluster.script('Heartbeat', { throttleTimeMs: 0, errorCode: ErrorCode.REBALANCE_IN_PROGRESS });
    let release!: () => void;
    host.onRevoke = () =>
      new Promise<void>((_, reject) => {
        release = () => reject(new Error('listener failed'));
      });
    const m = new ClassicMembership(deps);
    await Promise.all([m.subscribe({ topics: [T] }), clock.advance(0)]);
    await clock.advance(3000);
    const hb = cluster.sent('Heartbeat').length;
    await clock.advance(9000);
    expect(cluster.sent('Heartbeat').length).toBe(hb + 3);
    expect(cluster.sent('JoinGroup')).toHaveLength(1);
    release();
    await clock.advance(0);
    expect(cluster.sent('JoinGroup')).toHaveLength(2);
    expect(host.calls.map((c) => c.what)).toEqual(['assign', 'revoke', 'assign']);
    expect(host.fatals).toEqual([]);
    host.onRevoke = undefined;
    await m.leave();
  });

  it('leave() called from inside a host callback (close in onPartitionsRevoked) does not deadlock', async () => {
    const { cluster, clock, host, deps } = setup();
    cluster.addTopic(T, 2);
    cluster.script('JoinGroup', joinOk('m-1', 1));
    cluster.script('SyncGroup', syncOk([0, 1]));
    cluster.script('Heartbeat', { throttleTimeMs: 0, errorCode: ErrorCode.REBALANCE_IN_PROGRESS });
    const m = new ClassicMembership(deps);
    let leftInside = false;
    host.onRevoke = async () => {
      host.onRevoke = undefined;
      await m.leave();
      leftInside = true;
    };
    await Promise.all([m.subscribe({ topics: [T] }), clock.advance(0)]);
    await clock.advance(3000);
    expect(leftInside).toBe(true);
    expect(m.currentState).toBe('closed');
    expect(cluster.sent('LeaveGroup')).toHaveLength(1);
    // The partitions were given up once, by the revoke under way.
    expect(host.calls.map((c) => c.what)).toEqual(['assign', 'revoke']);
    expect(clock.pending).toBe(0);
  });

  it('rejects a bad subscription at once and an unknown assignor at construction', async () => {
    const { deps } = setup();
    const m = new ClassicMembership(deps);
    await expect(m.subscribe({ topics: [] })).rejects.toThrow(/non-empty list of topic names or a RegExp/);
    expect(() => new ClassicMembership({ ...deps, options: { ...deps.options, partitionAssignmentStrategy: ['nope'] } })).toThrow(/unknown assignor/);
    await settle();
  });
});
