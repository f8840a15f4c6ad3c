/**
 * The classic group protocol (JoinGroup / SyncGroup / Heartbeat / LeaveGroup),
 * as Java's ConsumerCoordinator runs it:
 *
 *   unjoined ──join──▶ joining ──JoinGroup ok──▶ syncing ──SyncGroup ok──▶ stable
 *      ▲                  │  ▲                     │                         │
 *      └──poll timeout────┴──┴─────rebalance / unknown member / moved ───────┘
 *
 * One loop (run) joins whenever a rejoin is needed; a heartbeat timer runs
 * while stable; a poll timer makes the member leave when the application
 * stops polling. EAGER assignors give up every partition before joining;
 * COOPERATIVE ones (KIP-429) give up only partitions that leave this member,
 * then rejoin so the others can take them.
 */
import createDebug from 'debug';
import { KafkaConfigError, KafkaError } from '../../errors.js';
import { ErrorCode, errorFor } from '../../messages/error-codes.js';
import type { HeartbeatResponse, JoinGroupResponse, JoinGroupResponseMember, LeaveGroupResponse, SyncGroupResponse } from '../../messages/generated/index.js';
import { backoffMs } from '../../network/backoff.js';
import { assignorByName, decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../assignors/index.js';
import type { Assignor, MemberSubscription, RebalanceProtocol, TopicDescription } from '../assignors/types.js';
import type { GroupDeps, GroupMembership, OffsetAndMetadata, Subscription, TopicPartition } from './contract.js';
import { Coordinator, groupError } from './coordinator.js';
import { HostCalls } from './host-calls.js';
import { commitOffsets, fetchOffsets, type OffsetsContext } from './offsets.js';
import { checkSubscription, describePartitions, sameSubscription, minus, partitionCounts, resolveTopics, sameCounts, sameTopics, sortPartitions } from './topics.js';
import { pollTimeoutMessage } from './diagnostics.js';

const log = createDebug('kafkawire:consumer');

export type ClassicState = 'unjoined' | 'joining' | 'syncing' | 'stable' | 'closed';

/** Allowed moves; anything else is a bug and throws. */
export const CLASSIC_TRANSITIONS: Readonly<Record<ClassicState, readonly ClassicState[]>> = {
  unjoined: ['joining', 'closed'],
  joining: ['joining', 'syncing', 'unjoined', 'closed'],
  syncing: ['stable', 'joining', 'unjoined', 'closed'],
  stable: ['joining', 'unjoined', 'closed'],
  closed: [],
};

/** A JoinGroup/SyncGroup outcome that means "try again" (after a backoff unless immediate). */
class Retry extends KafkaError {
  constructor(
    message: string,
    readonly immediate = false,
  ) {
    super(message, true);
  }
}

/** Chooses EAGER unless every configured assignor supports COOPERATIVE (Java's rule). */
export function rebalanceProtocolOf(assignors: readonly Assignor[]): RebalanceProtocol {
  return assignors.every((a) => a.supportedProtocols.includes('COOPERATIVE')) ? 'COOPERATIVE' : 'EAGER';
}

export class ClassicMembership implements GroupMembership {
  private state: ClassicState = 'unjoined';
  private memberId = '';
  private generationId = -1;
  private protocolName: string | null = null;
  private leaderId = '';
  private owned: TopicPartition[] = [];
  private subscription: Subscription | null = null;
  private topics: string[] = [];
  /** Partition counts the leader assigned from, to rejoin when they change. */
  private leaderSnapshot: Map<string, number> | null = null;
  private rejoinReason: string | null = null;
  private pollTimedOut = false;
  private lastPoll = 0;
  private lastHeartbeatOk = 0;
  private started = false;
  private hbTimer: unknown;
  private pollTimer: unknown;
  private metaTimer: unknown;
  private wakeLoop: (() => void) | null = null;
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private leaving: Promise<void> | null = null;
  /** True while leave() hands the partitions back: commits still go out with the current generation. */
  private revokingOnLeave = false;
  private readonly assignors: Assignor[];
  private readonly protocol: RebalanceProtocol;
  private readonly coordinator: Coordinator;
  private readonly offsets: OffsetsContext;
  private readonly hostCalls: HostCalls;

  constructor(private readonly deps: GroupDeps) {
    const o = deps.options;
    if (o.partitionAssignmentStrategy.length === 0) throw new KafkaConfigError(`group ${o.groupId}: partitionAssignmentStrategy needs at least one assignor`);
    this.assignors = o.partitionAssignmentStrategy.map((n) => assignorByName(n));
    this.protocol = rebalanceProtocolOf(this.assignors);
    this.coordinator = new Coordinator(deps.pool, deps.metadata, deps.clock, o);
    this.hostCalls = new HostCalls(deps.host, o.groupId);
    this.offsets = {
      coordinator: this.coordinator,
      clock: deps.clock,
      groupId: o.groupId,
      retryBackoffMs: o.retryBackoffMs,
      retryBackoffMaxMs: o.retryBackoffMaxMs,
      defaultApiTimeoutMs: o.defaultApiTimeoutMs,
      identity: () => ({ generationIdOrMemberEpoch: this.generationId, memberId: this.memberId, groupInstanceId: o.groupInstanceId, kip848: false }),
      metadata: deps.metadata,
      onMemberError: (code) => this.onMemberError(code, 'OffsetCommit'),
    };
  }

  /** Current state (tests and diagnostics). */
  get currentState(): ClassicState {
    return this.state;
  }

  get rebalanceProtocol(): RebalanceProtocol {
    return this.protocol;
  }

  /** A method, not a field test, so TypeScript does not narrow the state across awaits. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private get o() {
    return this.deps.options;
  }

  private to(next: ClassicState): void {
    if (!CLASSIC_TRANSITIONS[this.state].includes(next)) throw new Error(`group ${this.o.groupId}: bad state change ${this.state} → ${next}`);
    log('group %s: %s → %s', this.o.groupId, this.state, next);
    this.state = next;
  }

  // ---- GroupMembership ----

  subscribe(subscription: Subscription): Promise<void> {
    if (this.isClosed()) return Promise.reject(new KafkaConfigError(`group ${this.o.groupId}: the membership is closed`));
    let sub: Subscription;
    try {
      sub = checkSubscription(subscription, this.o.groupId);
    } catch (e) {
      return Promise.reject(e);
    }
    const unchanged = this.subscription !== null && sameSubscription(this.subscription, sub);
    this.subscription = sub;
    // Subscribing again to the same thing while stable changes nothing (as in Java): no rebalance.
    if (unchanged && this.state === 'stable' && this.rejoinReason === null) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.started) {
      this.started = true;
      this.lastPoll = this.deps.clock.now();
      this.armPollTimer();
      this.armMetadataTimer();
      this.run().catch((e: unknown) => this.fail(e));
    }
    this.requestRejoin('subscription changed');
    return done;
  }

  assignment(): TopicPartition[] {
    return this.owned.map((p) => ({ ...p }));
  }

  polled(): void {
    this.lastPoll = this.deps.clock.now();
    if (this.pollTimedOut && !this.isClosed()) {
      this.pollTimedOut = false;
      log('group %s: the application polled again; rejoining', this.o.groupId);
      this.armPollTimer();
      this.requestRejoin('polled again after leaving for maxPollIntervalMs');
    }
  }

  /**
   * Commits with the generation of now, and only while stable, as Java's
   * generationIfStable() does: a commit during a join would carry a generation
   * the coordinator is about to replace. Revocation commits run before the
   * member leaves 'stable', so they still go through. An ILLEGAL_GENERATION or
   * UNKNOWN_MEMBER_ID answer resets the member only if it still is the member
   * that sent the commit; an answer to an older generation changes nothing.
   */
  commit(offsets: Map<TopicPartition, OffsetAndMetadata>): Promise<void> {
    if ((this.state !== 'stable' && !this.revokingOnLeave) || this.generationId < 0) {
      return Promise.reject(
        errorFor(ErrorCode.REBALANCE_IN_PROGRESS, { api: 'OffsetCommit' }, `commit not sent: group ${this.o.groupId} is rebalancing (this member is ${this.state}); commit again once it is stable — partitions that move are committed as they are revoked`),
      );
    }
    const id = this.offsets.identity();
    return commitOffsets({
      ...this.offsets,
      identity: () => id,
      onMemberError: (code) => {
        if (id.generationIdOrMemberEpoch === this.generationId && id.memberId === this.memberId) this.onMemberError(code, 'OffsetCommit');
      },
    }, offsets);
  }

  fetchCommitted(partitions: TopicPartition[]): Promise<Map<string, OffsetAndMetadata | null>> {
    return fetchOffsets(this.offsets, partitions);
  }

  groupMetadata() {
    return { groupId: this.o.groupId, generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.o.groupInstanceId };
  }

  leave(): Promise<void> {
    this.leaving ??= this.doLeave();
    return this.leaving;
  }

  // ---- the join loop ----

  private requestRejoin(reason: string): void {
    if (this.isClosed()) return;
    if (this.rejoinReason === null) log('group %s: rejoin needed: %s', this.o.groupId, reason);
    this.rejoinReason ??= reason;
    this.wakeLoop?.();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.isClosed()) {
      if (this.rejoinReason === null || this.pollTimedOut) {
        await new Promise<void>((r) => (this.wakeLoop = r));
        this.wakeLoop = null;
        continue;
      }
      try {
        await this.joinOnce();
        failures = 0;
      } catch (e) {
        if (this.isClosed()) return;
        if (!(e instanceof KafkaError) || !e.retriable) throw e;
        // Whatever failed, the join is still owed.
        this.rejoinReason ??= `retrying after: ${e.message}`;
        if (e instanceof Retry && e.immediate) continue;
        failures++;
        const wait = backoffMs(failures, { initialMs: this.o.retryBackoffMs, maxMs: this.o.retryBackoffMaxMs });
        log('group %s: join attempt failed (%s); again in %d ms', this.o.groupId, e.message, wait);
        await this.coordinator.sleep(wait);
      }
    }
  }

  /** Gives up what must be given up before joining: everything if lost or EAGER, unsubscribed topics if COOPERATIVE. */
  private prepare(): Promise<void> {
    return this.hostCalls.task(async () => {
      if (this.owned.length === 0 || this.isClosed()) return;
      if (this.generationId === -1 || this.memberId === '') {
        const lost = this.owned;
        this.owned = [];
        log('group %s: partitions lost (the member was reset): %s', this.o.groupId, describePartitions(lost));
        await this.hostCalls.call('lost', lost);
      } else if (this.protocol === 'EAGER') {
        // Owned until the host has given them up (assignment() says so meanwhile).
        await this.hostCalls.call('revoke', this.owned);
        this.owned = [];
      } else {
        const wanted = new Set(this.topics);
        const gone = this.owned.filter((p) => !wanted.has(p.topic));
        if (gone.length > 0) {
          await this.hostCalls.call('revoke', gone);
          this.owned = minus(this.owned, gone);
        }
      }
    });
  }

  private async joinOnce(): Promise<void> {
    const o = this.o;
    const deadline = this.deps.clock.now() + o.defaultApiTimeoutMs;
    await this.coordinator.node(deadline);
    this.topics = await resolveTopics(this.subscription!, this.deps.pool, this.deps.metadata);
    await this.prepare();
    if (this.isClosed()) return;
    this.stopHeartbeat();
    this.to('joining');
    const reason = this.rejoinReason;
    this.rejoinReason = null;
    const protocols = this.assignors.map((a) => ({
      name: a.name,
      metadata: encodeSubscription({
        topics: this.topics,
        userData: a.subscriptionUserData?.(this.topics, this.owned, this.generationId) ?? null,
        ownedPartitions: this.owned,
        generationId: this.generationId,
        rackId: o.clientRack,
      }),
    }));
    log('group %s: JoinGroup (member %s, generation %d, topics %o, reason: %s)', o.groupId, this.memberId || '(new)', this.generationId, this.topics, reason);
    let join: JoinGroupResponse;
    try {
      join = await this.coordinator.request<JoinGroupResponse>(
        'JoinGroup',
        {
          groupId: o.groupId,
          sessionTimeoutMs: o.sessionTimeoutMs,
          rebalanceTimeoutMs: o.rebalanceTimeoutMs,
          memberId: this.memberId,
          groupInstanceId: o.groupInstanceId,
          protocolType: 'consumer',
          protocols,
          reason,
        },
        deadline,
        // The coordinator holds JoinGroup until every member rejoined (up to rebalanceTimeoutMs); Java waits
        // rebalanceTimeoutMs + 5 s for it.
        {
          timeoutMs: Math.max(o.requestTimeoutMs, o.rebalanceTimeoutMs + 5000),
          // Before v5 (Kafka 2.3) a JoinGroup has no groupInstanceId: the member would silently be a dynamic one
          // that does not leave the group on close. Java refuses too.
          ...(o.groupInstanceId !== null ? { needs: { version: 5, what: `groupInstanceId ${o.groupInstanceId} (static membership, KIP-345)` } } : {}),
        },
      );
    } catch (e) {
      this.rejoinReason ??= reason ?? 'JoinGroup failed';
      throw e;
    }
    if (this.isClosed()) return;
    if (join.errorCode !== 0) {
      this.rejoinReason ??= reason ?? 'rejoin';
      this.onJoinError(join.errorCode, 'JoinGroup', join.memberId);
    }
    this.memberId = join.memberId;
    this.generationId = join.generationId;
    this.protocolName = join.protocolName;
    this.leaderId = join.leader;
    this.to('syncing');
    const isLeader = join.leader === join.memberId;
    let assignments: Array<{ memberId: string; assignment: Uint8Array }> = [];
    if (isLeader && !join.skipAssignment) assignments = await this.leaderAssign(join.protocolName ?? '', join.members);
    else if (!isLeader) this.leaderSnapshot = null;
    if (this.isClosed()) return;
    let sync: SyncGroupResponse;
    try {
      sync = await this.coordinator.request<SyncGroupResponse>(
        'SyncGroup',
        {
          groupId: o.groupId,
          generationId: this.generationId,
          memberId: this.memberId,
          groupInstanceId: o.groupInstanceId,
          protocolType: 'consumer',
          protocolName: this.protocolName,
          assignments,
        },
        deadline,
      );
    } catch (e) {
      this.rejoinReason ??= 'SyncGroup failed';
      throw e;
    }
    if (this.isClosed()) return;
    if (sync.errorCode !== 0) {
      this.rejoinReason ??= 'SyncGroup failed';
      this.onJoinError(sync.errorCode, 'SyncGroup', this.memberId);
    }
    let assigned: TopicPartition[];
    try {
      assigned = sortPartitions(sync.assignment.length === 0 ? [] : decodeAssignment(sync.assignment).partitions.map((p) => ({ topic: p.topic, partition: p.partition })));
    } catch (e) {
      // The bytes are the leader's (another client's) work: garbage from it must not end this membership. Join again,
      // after a backoff, for a generation with an assignment this member can read.
      this.rejoinReason ??= 'the SyncGroup assignment could not be read';
      this.toJoining();
      throw new KafkaError(
        `group ${o.groupId}: the assignment of generation ${this.generationId} from leader ${this.leaderId || '(unknown)'} cannot be read (${(e as Error).message}); joining the group again — if it repeats, check the client the leader runs`,
        true,
        { api: 'SyncGroup', cause: e },
      );
    }
    assigned = await this.onlyKnownPartitions(assigned);
    if (this.isClosed()) return;
    this.to('stable');
    this.lastHeartbeatOk = this.deps.clock.now();
    this.scheduleHeartbeat(o.heartbeatIntervalMs);
    log('group %s: generation %d, member %s%s, protocol %s: assigned %s', o.groupId, this.generationId, this.memberId, isLeader ? ' (leader)' : '', this.protocolName, describePartitions(assigned));
    await this.reconcile(assigned);
  }

  /**
   * The assigned partitions of subscribed topics that the metadata has (after
   * one refresh, in case the leader saw a new partition first). Others are
   * dropped with a log line, as Java ignores an assignment that does not match
   * the subscription: reading them could only fail, and their errors would
   * stop poll() for the good partitions too.
   */
  private async onlyKnownPartitions(assigned: TopicPartition[]): Promise<TopicPartition[]> {
    const subscribed = new Set(this.topics);
    const unknown = () => assigned.filter((p) => !subscribed.has(p.topic) || p.partition >= (this.deps.metadata.partitionsFor(p.topic)?.length ?? 0));
    if (unknown().length === 0) return assigned;
    await this.deps.metadata.refresh().catch((e: unknown) => log('group %s: metadata refresh for the assignment failed: %s', this.o.groupId, (e as Error).message));
    const dropped = unknown();
    if (dropped.length === 0) return assigned;
    log('group %s: generation %d: ignoring assigned partitions that are not in this member\'s subscription or the cluster metadata: %s', this.o.groupId, this.generationId, describePartitions(dropped));
    return minus(assigned, dropped);
  }

  /** Hands the new assignment to the host: revoke what left (cooperative), then assign what is new. */
  private async reconcile(assigned: TopicPartition[]): Promise<void> {
    const generation = this.generationId;
    // Still this generation, not closed: otherwise what is held is left to leave() or the next prepare().
    const current = () => !this.isClosed() && generation === this.generationId;
    let revoked: TopicPartition[] = [];
    await this.hostCalls.task(async () => {
      if (!current()) return;
      revoked = minus(this.owned, assigned);
      if (revoked.length === 0) return;
      await this.hostCalls.call('revoke', revoked);
      this.owned = minus(this.owned, revoked);
    });
    await this.hostCalls.task(async () => {
      if (!current()) return;
      const added = minus(assigned, this.owned);
      this.owned = sortPartitions([...this.owned, ...added]);
      await this.hostCalls.call('assign', added);
    });
    if (!current()) return;
    if (revoked.length > 0 && this.protocol === 'COOPERATIVE') this.requestRejoin(`revoked ${describePartitions(revoked)} so that other members can take them (cooperative rebalance)`);
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  /** The leader runs the assignor over every member's subscription (ConsumerProtocol bytes). */
  private async leaderAssign(protocolName: string, members: JoinGroupResponseMember[]): Promise<Array<{ memberId: string; assignment: Uint8Array }>> {
    const assignor = this.assignors.find((a) => a.name === protocolName);
    if (!assignor) throw groupError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, this.o.groupId, 'JoinGroup', { brokerMessage: `the coordinator chose assignor ${protocolName}, which this member did not offer` });
    const subs = new Map<string, MemberSubscription>();
    const all = new Set<string>();
    let racksKnown = false;
    for (const m of members) {
      let s: ReturnType<typeof decodeSubscription>;
      try {
        s = decodeSubscription(m.metadata);
      } catch (e) {
        // One member's unreadable subscription must not stop the whole group: it gets nothing this generation.
        log('group %s: member %s sent a subscription this leader cannot read (%s); it is assigned nothing', this.o.groupId, m.memberId, (e as Error).message);
        continue;
      }
      // Static members sort first in range and roundrobin, as in Java.
      subs.set(m.memberId, { ...s, groupInstanceId: m.groupInstanceId });
      for (const t of s.topics) all.add(t);
      if (s.rackId !== null) racksKnown = true;
    }
    this.deps.metadata.want(all);
    await this.deps.metadata.refresh();
    const brokerRack = new Map(this.deps.pool.knownBrokers().map((b) => [b.nodeId, b.rack ?? null]));
    const topics = new Map<string, TopicDescription>();
    for (const t of [...all].sort()) {
      const parts = this.deps.metadata.partitionsFor(t);
      // Replica racks only when some member names its rack (rack-aware assignment, KIP-881).
      if (parts && racksKnown) topics.set(t, { partitions: parts.length, partitionRacks: parts.map((p) => p.replicas.map((r) => brokerRack.get(r)).filter((r): r is string => typeof r === 'string')) });
      else if (parts) topics.set(t, { partitions: parts.length });
      else log('group %s: subscribed topic %s is not in the cluster metadata; it gets no members until it exists', this.o.groupId, t);
    }
    this.leaderSnapshot = partitionCounts(this.deps.metadata, all);
    const result = assignor.assign(subs, topics);
    log('group %s: leader assigned with %s: %s', this.o.groupId, assignor.name, [...result].map(([id, a]) => `${id}=${describePartitions(a.partitions)}`).join('; '));
    return members.map((m) => ({ memberId: m.memberId, assignment: encodeAssignment(result.get(m.memberId) ?? { partitions: [], userData: null }) }));
  }

  /** JoinGroup / SyncGroup error codes: reset what Java resets, then retry, or fail for good. */
  private onJoinError(code: number, api: 'JoinGroup' | 'SyncGroup', memberIdFromResponse: string): never {
    const err = groupError(code, this.o.groupId, api);
    switch (code) {
      case ErrorCode.MEMBER_ID_REQUIRED:
        // KIP-394: the coordinator gives the id to use; join again with it at once.
        this.memberId = memberIdFromResponse;
        this.toJoining();
        throw new Retry(err.message, true);
      case ErrorCode.REBALANCE_IN_PROGRESS:
        this.toJoining();
        throw new Retry(err.message, true);
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this.resetMember(err.message);
        throw new Retry(err.message);
      case ErrorCode.ILLEGAL_GENERATION:
        this.resetGeneration(err.message);
        throw new Retry(err.message);
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      case ErrorCode.NOT_COORDINATOR:
        this.coordinator.markUnknown(err.errorName);
        this.toJoining();
        throw new Retry(err.message);
      case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
      case ErrorCode.REQUEST_TIMED_OUT:
        this.toJoining();
        throw new Retry(err.message);
      default:
        throw err;
    }
  }

  private toJoining(): void {
    if (this.state === 'syncing' || this.state === 'stable') this.to('joining');
  }

  /** UNKNOWN_MEMBER_ID: the coordinator no longer knows this member; Java forgets id and generation, and the partitions are lost. */
  private resetMember(why: string): void {
    log('group %s: member %s reset (%s); its partitions are lost', this.o.groupId, this.memberId, why);
    this.memberId = '';
    this.generationId = -1;
    this.protocolName = null;
    this.stopHeartbeat();
    if (this.state === 'stable' || this.state === 'syncing') this.to('joining');
  }

  /** ILLEGAL_GENERATION: the member id stays, the generation goes; partitions are lost. */
  private resetGeneration(why: string): void {
    log('group %s: generation %d reset (%s); its partitions are lost', this.o.groupId, this.generationId, why);
    this.generationId = -1;
    this.protocolName = null;
    this.stopHeartbeat();
    if (this.state === 'stable' || this.state === 'syncing') this.to('joining');
  }

  private onMemberError(code: number, api: string): void {
    if (this.isClosed()) return;
    if (code === ErrorCode.FENCED_INSTANCE_ID) this.fail(groupError(code, this.o.groupId, api));
    else if (code === ErrorCode.UNKNOWN_MEMBER_ID) (this.resetMember(`${api}: UNKNOWN_MEMBER_ID`), this.requestRejoin(`${api}: UNKNOWN_MEMBER_ID`));
    else if (code === ErrorCode.ILLEGAL_GENERATION) (this.resetGeneration(`${api}: ILLEGAL_GENERATION`), this.requestRejoin(`${api}: ILLEGAL_GENERATION`));
    else if (code === ErrorCode.REBALANCE_IN_PROGRESS) this.requestRejoin(`${api}: REBALANCE_IN_PROGRESS`);
  }

  // ---- heartbeats ----

  private stopHeartbeat(): void {
    if (this.hbTimer !== undefined) this.deps.clock.clearTimeout(this.hbTimer);
    this.hbTimer = undefined;
  }

  private scheduleHeartbeat(ms: number): void {
    this.stopHeartbeat();
    if (this.state !== 'stable') return;
    this.hbTimer = this.deps.clock.setTimeout(() => {
      this.hbTimer = undefined;
      this.heartbeat().catch((e: unknown) => this.fail(e));
    }, ms);
  }

  private async heartbeat(): Promise<void> {
    if (this.state !== 'stable') return;
    const o = this.o;
    const generation = this.generationId;
    const clock = this.deps.clock;
    let res: HeartbeatResponse;
    try {
      res = await this.coordinator.request<HeartbeatResponse>(
        'Heartbeat',
        { groupId: o.groupId, generationId: generation, memberId: this.memberId, groupInstanceId: o.groupInstanceId },
        clock.now() + o.requestTimeoutMs,
      );
    } catch (e) {
      if (this.state !== 'stable' || generation !== this.generationId) return;
      if (!(e instanceof KafkaError) || !e.retriable) throw e;
      log('group %s: heartbeat failed (%s); %d ms since the last one that succeeded', o.groupId, e.message, clock.now() - this.lastHeartbeatOk);
      this.scheduleHeartbeat(o.retryBackoffMs);
      return;
    }
    if (this.state !== 'stable' || generation !== this.generationId) return;
    const code = res.errorCode;
    if (code === 0) {
      this.lastHeartbeatOk = clock.now();
      this.scheduleHeartbeat(o.heartbeatIntervalMs);
      return;
    }
    const err = groupError(code, o.groupId, 'Heartbeat');
    switch (code) {
      case ErrorCode.REBALANCE_IN_PROGRESS:
        this.requestRejoin('the coordinator started a rebalance');
        this.scheduleHeartbeat(o.heartbeatIntervalMs);
        return;
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this.resetMember(err.message);
        this.requestRejoin(err.message);
        return;
      case ErrorCode.ILLEGAL_GENERATION:
        this.resetGeneration(err.message);
        this.requestRejoin(err.message);
        return;
      case ErrorCode.NOT_COORDINATOR:
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
        this.coordinator.markUnknown(err.errorName);
        this.scheduleHeartbeat(o.retryBackoffMs);
        return;
      case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
      case ErrorCode.REQUEST_TIMED_OUT:
        this.scheduleHeartbeat(o.retryBackoffMs);
        return;
      default:
        throw err;
    }
  }

  // ---- max.poll.interval.ms ----

  private armPollTimer(): void {
    if (this.pollTimer !== undefined) this.deps.clock.clearTimeout(this.pollTimer);
    const clock = this.deps.clock;
    const left = this.lastPoll + this.o.maxPollIntervalMs - clock.now();
    this.pollTimer = clock.setTimeout(() => {
      this.pollTimer = undefined;
      if (this.isClosed() || this.pollTimedOut) return;
      if (clock.now() - this.lastPoll >= this.o.maxPollIntervalMs && this.state === 'stable') {
        this.pollTimeout().catch((e: unknown) => this.fail(e));
      } else {
        this.armPollTimer();
      }
    }, Math.max(left, 1));
  }

  private async pollTimeout(): Promise<void> {
    const o = this.o;
    log('%s', pollTimeoutMessage(o.groupId, this.memberId, this.deps.clock.now() - this.lastPoll, o.maxPollIntervalMs));
    this.pollTimedOut = true;
    this.stopHeartbeat();
    const memberId = this.memberId;
    this.memberId = '';
    this.generationId = -1;
    this.to('unjoined');
    await this.hostCalls.task(async () => {
      const lost = this.owned;
      this.owned = [];
      if (lost.length > 0) await this.hostCalls.call('lost', lost);
    });
    // A static member keeps its place until sessionTimeoutMs (Java sends no LeaveGroup for it).
    if (o.groupInstanceId === null && memberId !== '') await this.sendLeaveGroup(memberId, 'consumer poll timeout has expired (maxPollIntervalMs)');
  }

  // ---- metadata: pattern subscriptions and partition counts ----

  private armMetadataTimer(): void {
    const every = this.o.metadataMaxAgeMs ?? 300_000;
    this.metaTimer = this.deps.clock.setTimeout(() => {
      this.metaTimer = undefined;
      this.checkMetadata()
        .catch((e: unknown) => log('group %s: metadata check failed: %s', this.o.groupId, (e as Error).message))
        .finally(() => {
          if (!this.isClosed()) this.armMetadataTimer();
        });
    }, every);
  }

  /** Rejoins when a pattern now matches other topics, or (leader) a subscribed topic's partition count changed. */
  private async checkMetadata(): Promise<void> {
    if (this.state !== 'stable' || !this.subscription) return;
    const topics = await resolveTopics(this.subscription, this.deps.pool, this.deps.metadata);
    if (this.state !== 'stable') return;
    if (!sameTopics(topics, this.topics)) {
      this.requestRejoin(`the subscribed topics changed from [${this.topics.join(', ')}] to [${topics.join(', ')}]`);
      return;
    }
    if (this.leaderId !== this.memberId || !this.leaderSnapshot) return;
    if ('topics' in this.subscription) await this.deps.metadata.refresh();
    const now = partitionCounts(this.deps.metadata, this.leaderSnapshot.keys());
    if (!sameCounts(now, this.leaderSnapshot)) this.requestRejoin('the partition count of a subscribed topic changed');
  }

  // ---- leaving and failing ----

  private async sendLeaveGroup(memberId: string, reason: string): Promise<void> {
    const o = this.o;
    try {
      const res = await this.coordinator.request<LeaveGroupResponse>(
        'LeaveGroup',
        { groupId: o.groupId, memberId, members: [{ memberId, groupInstanceId: null, reason }] },
        this.deps.clock.now() + o.requestTimeoutMs,
      );
      const code = res.errorCode || (res.members[0]?.errorCode ?? 0);
      if (code !== 0) log('group %s: LeaveGroup answered %s', o.groupId, groupError(code, o.groupId, 'LeaveGroup').message);
      else log('group %s: member %s left the group (%s)', o.groupId, memberId, reason);
    } catch (e) {
      log('group %s: LeaveGroup failed (%s); the coordinator removes the member after sessionTimeoutMs', o.groupId, (e as Error).message);
    }
  }

  private stopTimers(): void {
    this.stopHeartbeat();
    this.coordinator.cancelSleeps();
    for (const t of [this.pollTimer, this.metaTimer]) if (t !== undefined) this.deps.clock.clearTimeout(t);
    this.pollTimer = this.metaTimer = undefined;
  }

  private async doLeave(): Promise<void> {
    if (this.isClosed()) return;
    const o = this.o;
    const memberId = this.memberId;
    const reset = this.generationId === -1 || memberId === '';
    this.stopTimers();
    this.to('closed');
    this.wakeLoop?.();
    await this.hostCalls.leaveTask(async () => {
      const owned = this.owned;
      this.owned = [];
      // The member is still in its generation until LeaveGroup: what it consumed can be committed first.
      this.revokingOnLeave = !reset;
      try {
        if (owned.length > 0) await this.hostCalls.call(reset ? 'lost' : 'revoke', owned);
      } finally {
        this.revokingOnLeave = false;
      }
    });
    if (o.groupInstanceId === null && memberId !== '') await this.sendLeaveGroup(memberId, 'the consumer is closing');
    this.coordinator.close();
    for (const w of this.waiters.splice(0)) w.reject(new KafkaConfigError(`group ${o.groupId}: the consumer left the group before an assignment arrived`));
  }

  private fail(e: unknown): void {
    if (this.isClosed()) return;
    const err = e instanceof Error ? e : new KafkaError(String(e), false);
    log('group %s: fatal: %s', this.o.groupId, err.message);
    this.stopTimers();
    this.to('closed');
    this.wakeLoop?.();
    this.owned = [];
    this.coordinator.close();
    for (const w of this.waiters.splice(0)) w.reject(err);
    this.hostCalls.fatal(err);
  }
}
