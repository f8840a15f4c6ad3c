// The KIP-848 membership against a scripted coordinator: heartbeats at the
// broker's interval, revoke → acknowledge → assign, fencing and leaving.
import { describe, expect, it } from 'vitest';
import { KIP848_TRANSITIONS, ConsumerGroupMembership } from '../../../src/consumer/group/kip848.js';
import { ErrorCode, KafkaBrokerError } from '../../../src/messages/error-codes.js';
import { KafkaConfigError, UnsupportedVersionError } from '../../../src/errors.js';
import { setup } from './fake-coordinator.js';

const T = 'orders';
const TID = 'ordersAAAAAAAAAAAAAAAA';

function hb(memberEpoch: number, partitions: number[] | null, heartbeatIntervalMs = 5000, memberId: string | null = null) {
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    memberId,
    memberEpoch,
    heartbeatIntervalMs,
    assignment: partitions === null ? null : { topicPartitions: partitions.length ? [{ topicId: TID, partitions }] : [] },
  };
}
const hbErr = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, errorMessage: 'scripted', memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null });

function start(over: Parameters<typeof setup>[0] = {}) {
  const s = setup({ groupProtocol: 'consumer', ...over });
  s.cluster.addTopic(T, 4, TID);
  s.cluster.defaults.set('ConsumerGroupHeartbeat', (body: any) => hb(body.memberEpoch < 0 ? body.memberEpoch : Math.max(body.memberEpoch, 1), null));
  return s;
}

describe('KIP-848 membership', () => {
  it('has a transition table where fencing always goes back through joining', () => {
    expect(KIP848_TRANSITIONS.fenced).toEqual(['joining', 'unjoined', 'closed']);
    expect(KIP848_TRANSITIONS.unjoined).not.toContain('stable');
  });

  it('joins with epoch 0 and its subscription, takes the target assignment (topic ids → names), acknowledges, heartbeats at the broker interval', async () => {
    const { cluster, clock, host, deps } = start({ groupRemoteAssignor: 'uniform', clientRack: 'r1' });
    cluster.script('ConsumerGroupHeartbeat', hb(1, [0, 1], 2500), hb(1, null, 2500));
    const m = new ConsumerGroupMembership(deps);
    await Promise.all([m.subscribe({ topics: [T] }), clock.advance(0)]);
    const sent = cluster.sent('ConsumerGroupHeartbeat');
    expect(sent[0]!.body).toMatchObject({ groupId: 'g', memberEpoch: 0, subscribedTopicNames: [T], serverAssignor: 'uniform', rackId: 'r1', rebalanceTimeoutMs: 300_000, topicPartitions: [] });
    expect(sent[0]!.body.memberId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(host.calls).toEqual([{ what: 'assign', partitions: [`${T}-0`, `${T}-1`] }]);
    // The acknowledgement goes out at once, with the partitions now owned and the new epoch.
    expect(sent[1]!.body).toMatchObject({ memberEpoch: 1, subscribedTopicNames: null, topicPartitions: [{ topicId: TID, partitions: [0, 1] }] });
    expect(m.currentState).toBe('stable');
    const n = sent.length;
    await clock.advance(2500);
    expect(cluster.sent('ConsumerGroupHeartbeat')).toHaveLength(n + 1);
    // Unchanged fields are sent as null.
    expect(cluster.sent('ConsumerGroupHeartbeat')[n]!.body).toMatchObject({ memberEpoch: 1, subscribedTopicNames: null, topicPartitions: null });
    expect(m.groupMetadata().generationId).toBe(1);
    await m.leave();
  });

  it('revokes first, acknowledges the revocation, and only then takes new partitions', async () => {
    const { cluster, clock, host, deps } = start();
    cluster.script('ConsumerGroupHeartbeat', hb(1, [0, 1]), hb(1, null), hb(2, [1, 2]));
    let ackBeforeAssign: any = null;
    const m = new ConsumerGroupMembership(deps);
    await Promise.all([m.subscribe({ topics: [T] }), clock.advance(0)]);
    host.onRevoke = async () => undefined;
    const origAssign = host.assign.bind(host);
    host.assign = async (ps) => {
      ackBeforeAssign ??= cluster.sent('ConsumerGroupHeartbeat').at(-1)!.body;
      return origAssign(ps);
    };
    await clock.advance(5000);
    await clock.advance(0);
    expect(host.calls.slice(1)).toEqual([
      { what: 'revoke', partitions: [`${T}-0`] },
      { what: 'assign', partitions: [`${T}-2`] },
    ]);
    expect(ackBeforeAssign.topicPartitions).toEqual([{ topicId: TID, partitions: [1] }]);
    const last = cluster.sent('ConsumerGroupHeartbeat').at(-1)!.body;
    expect(last.topicPartitions).toEqual([{ topicId: TID, partitions: [1, 2] }]);
    expect(m.assignment().map((p) => p.partition)).toEqual([1, 2]);
    await m.leave();
  });

  it('FENCED_MEMBER_EPOCH: partitions lost, rejoin with epoch 0 and the same member id', async () => {
    const { cluster, clock, host, deps } = start();
    cluster.script('ConsumerGroupHeartbeat', hb(3, [0, 1]), hb(3, null), hbErr(ErrorCode.FENCED_MEMBER_EPOCH), hb(5, [3]));
    const m = new ConsumerGroupMembership(deps);
    await Promise.all([m.subscribe({ topics: [T] }), clock.advance(0)]);
    const id = cluster.sent('ConsumerGroupHeartbeat')[0]!.body.memberId;
    await clock.advance(5000);
    expect(host.calls).toEqual([
      { what: 'assign', partitions: [`${T}-0`, `${T}-1`] },
      { what: 'lost', partitions: [`${T}-0`, `${T}-1`] },
      { what: 'assign', partitions: [`${T}-3`] },
    ]);
    const rejoin = cluster.sent('ConsumerGroupHeartbeat')[3]!.body;
    expect(rejoin).toMatchObject({ memberId: id, memberEpoch: 0, subscribedTopicNames: [T], topicPartitions: [] });
    await m.leave();
  });

  it('UNRELEASED_INSTANCE_ID is fatal with a message about the static member id', async () => {
    const { cluster, clock, host, deps } = start({ groupInstanceId: 'w1' });
    cluster.script('ConsumerGroupHeartbeat', hbErr(ErrorCode.UNRELEASED_INSTANCE_ID));
    const m = new ConsumerGroupMembership(deps);
    const p = m.subscribe({ topics: [T] });
    const check = expect(p).rejects.toBeInstanceOf(KafkaBrokerError);
    await clock.advance(0);
    await check;
    expect(host.fatals[0]?.message).toMatch(/UNRELEASED_INSTANCE_ID.*group g.*groupInstanceId/);
    expect(m.currentState).toBe('closed');
  });

  it('a cluster without KIP-848 gets a config error that says to use the classic protocol', async () => {
    for (const answer of [new UnsupportedVersionError('ConsumerGroupHeartbeat: broker 1 supports no version'), hbErr(ErrorCode.UNSUPPORTED_VERSION)]) {
      const { cluster, clock, host, deps } = start();
      cluster.script('ConsumerGroupHeartbeat', answer);
      const m = new ConsumerGroupMembership(deps);
      const check = expect(m.subscribe({ topics: [T] })).rejects.toThrow(KafkaConfigError);
      await clock.advance(0);
      await check;
      expect(host.fatals[0]?.message).toMatch(/groupProtocol: 'classic'/);
    }
  });

  it('follows a moved coordinator and keeps its epoch', async () => {
    const { cluster, clock, deps } = start();
    cluster.script('ConsumerGroupHeartbeat', hb(1, [0]), hb(1, null), () => {
      cluster.coordinator = 2;
      return hbErr(ErrorCode.NOT_COORDINATOR);
    });
    const m = new ConsumerGroupMembership(deps);
    await Promise.all([m.subscribe({ topics: [T] }), clock.advance(0)]);
    await clock.advance(5000 + 200);
    const sent = cluster.sent('ConsumerGroupHeartbeat');
    expect(sent.at(-1)!.node).toBe(2);
    expect(sent.at(-1)!.body.memberEpoch).toBe(1);
    await m.leave();
  });

  it('leaves with epoch -1 (dynamic) or -2 (static) after revoking', async () => {
    for (const [instance, epoch] of [[null, -1], ['w1', -2]] as const) {
      const { cluster, clock, host, deps } = start({ groupInstanceId: instance });
      cluster.script('ConsumerGroupHeartbeat', hb(1, [0]));
      const m = new ConsumerGroupMembership(deps);
      await Promise.all([m.subscribe({ topics: [T] }), clock.advance(0)]);
      await m.leave();
      expect(host.calls.map((c) => c.what)).toEqual(['assign', 'revoke']);
      expect(cluster.sent('ConsumerGroupHeartbeat').at(-1)!.body.memberEpoch).toBe(epoch);
      expect(clock.pending).toBe(0);
    }
  });

  it('commits with the member epoch as generation; a regex subscription is sent for the broker to resolve', async () => {
    const { cluster, clock, deps } = start();
    cluster.script('ConsumerGroupHeartbeat', hb(7, [0]));
    const m = new ConsumerGroupMembership(deps);
    await Promise.all([m.subscribe({ pattern: /ord.*/ }), clock.advance(0)]);
    expect(cluster.sent('ConsumerGroupHeartbeat')[0]!.body).toMatchObject({ subscribedTopicNames: null, subscribedTopicRegex: 'ord.*' });
    // The assigned topic id was unknown here: looked up by id, and its name taken from the answer.
    expect(cluster.sent('Metadata').map((r) => r.body.topics)).toContainEqual([{ topicId: TID, name: null }]);
    expect(m.assignment()).toEqual([{ topic: T, partition: 0 }]);
    const c = m.commit(new Map([[{ topic: T, partition: 0 }, { offset: 42n, leaderEpoch: 3, metadata: 'x' }]]));
    await clock.advance(0);
    await c;
    expect(cluster.sent('OffsetCommit')[0]!.body).toMatchObject({ generationIdOrMemberEpoch: 7, memberId: m.groupMetadata().memberId, topics: [{ name: T, partitions: [{ partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: 3, committedMetadata: 'x' }] }] });
    await m.leave();
  });

  it('maxPollIntervalMs: leaves (epoch -1), partitions lost, rejoins with epoch 0 on the next poll', async () => {
    const { cluster, clock, host, deps } = start({ maxPollIntervalMs: 20_000 });
    cluster.script('ConsumerGroupHeartbeat', hb(1, [0, 1]));
    const m = new ConsumerGroupMembership(deps);
    await Promise.all([m.subscribe({ topics: [T] }), clock.advance(0)]);
    await clock.advance(20_000);
    const sent = cluster.sent('ConsumerGroupHeartbeat');
    expect(sent.at(-1)!.body.memberEpoch).toBe(-1);
    expect(host.calls.map((c) => c.what)).toEqual(['assign', 'lost']);
    expect(m.currentState).toBe('unjoined');
    const n = sent.length;
    await clock.advance(30_000);
    expect(cluster.sent('ConsumerGroupHeartbeat')).toHaveLength(n);
    cluster.script('ConsumerGroupHeartbeat', hb(2, [1]));
    m.polled();
    await clock.advance(0);
    expect(cluster.sent('ConsumerGroupHeartbeat')[n]!.body.memberEpoch).toBe(0);
    expect(host.calls.map((c) => c.what)).toEqual(['assign', 'lost', 'assign']);
    await m.leave();
  });
});
