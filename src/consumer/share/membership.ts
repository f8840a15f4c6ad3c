/**
 * Membership of a share group (KIP-932): a ShareGroupHeartbeat loop with the
 * group's coordinator at the interval it asks for. The member id is a random
 * UUID the client chooses (ShareGroupHeartbeat v1) and keeps for its
 * lifetime; epoch 0 joins, -1 leaves. The heartbeat carries the subscribed
 * topics when they changed; the answer carries the member's assignment when
 * it changed. Unlike consumer groups, a partition may be assigned to several
 * members at once, so there is no revocation handshake: the member simply
 * fetches from what it is assigned now.
 *
 *   unjoined ─▶ joining ─▶ stable ─▶ leaving ─▶ closed
 *                  ▲          │
 *                  └─ fenced ◀┘  (FENCED_MEMBER_EPOCH / UNKNOWN_MEMBER_ID: rejoin with epoch 0)
 */
import { nodeCrypto } from '../../lazy-builtins.js';
import createDebug from 'debug';
import type { Metadata } from '../../cluster/metadata.js';
import { KafkaConfigError, KafkaError, UnsupportedVersionError } from '../../errors.js';
import { ErrorCode } from '../../messages/error-codes.js';
import type { MetadataResponse, ShareGroupHeartbeatResponse } from '../../messages/generated/index.js';
import { backoffMs } from '../../network/backoff.js';
import type { Clock } from '../../network/clock.js';
import type { ConnectionPool } from '../../network/pool.js';
import { Coordinator, groupError } from '../group/coordinator.js';

const log = createDebug('kafkawire:share-consumer');

export type ShareMemberState = 'unjoined' | 'joining' | 'stable' | 'fenced' | 'leaving' | 'closed';

export const SHARE_MEMBER_TRANSITIONS: Readonly<Record<ShareMemberState, readonly ShareMemberState[]>> = {
  unjoined: ['joining', 'leaving', 'closed'],
  joining: ['stable', 'fenced', 'leaving', 'closed'],
  stable: ['fenced', 'leaving', 'closed'],
  fenced: ['joining', 'leaving', 'closed'],
  leaving: ['closed'],
  closed: [],
};

const JOIN_EPOCH = 0;
const LEAVE_EPOCH = -1;

export const NO_SHARE_GROUPS =
  'share groups (KIP-932) need Kafka 4.1 or newer with the share.version feature finalized at 1 or higher ' +
  '(Kafka 4.4 finalizes it by default; otherwise: kafka-features.sh --bootstrap-server … upgrade --feature share.version=1)';

/** A Kafka UUID in its text form (URL-safe base64 of 16 random bytes, not starting with '-'), as Java's Uuid.randomUuid(). */
export function newMemberId(): string {
  for (;;) {
    const id = nodeCrypto().randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export interface AssignedPartition {
  topic: string;
  topicId: string;
  partition: number;
}

export interface ShareMembershipDeps {
  pool: ConnectionPool;
  metadata: Metadata;
  clock: Clock;
  options: { groupId: string; clientRack: string | null; requestTimeoutMs: number; retryBackoffMs: number; retryBackoffMaxMs: number };
  /** The assignment changed (an empty list when fenced or leaving). */
  assigned(partitions: AssignedPartition[]): void;
  /** The membership cannot go on. */
  fatal(err: KafkaError): void;
  /** The version of an API the coordinator speaks (to refuse the early-access v0); tests may leave it out. */
  versionAt?: (nodeId: number) => Promise<number>;
}

export class ShareMembership {
  private state: ShareMemberState = 'unjoined';
  readonly memberId = newMemberId();
  private epoch = JOIN_EPOCH;
  private intervalMs = 5000;
  private topics: string[] = [];
  private sentTopics: string | null = null;
  private timer: unknown;
  private inFlight = false;
  private again = false;
  private failures = 0;
  private current: Promise<void> = Promise.resolve();
  private checkedVersion = false;
  private assignmentSeq = 0;
  readonly coordinator: Coordinator;

  constructor(private readonly deps: ShareMembershipDeps) {
    this.coordinator = new Coordinator(deps.pool, deps.metadata, deps.clock, deps.options);
  }

  get currentState(): ShareMemberState {
    return this.state;
  }

  get memberEpoch(): number {
    return this.epoch;
  }

  private get o() {
    return this.deps.options;
  }

  private to(next: ShareMemberState): void {
    if (next === this.state) return;
    if (!SHARE_MEMBER_TRANSITIONS[this.state].includes(next)) throw new Error(`share group ${this.o.groupId}: bad state change ${this.state} → ${next}`);
    log('share group %s: %s → %s (member %s, epoch %d)', this.o.groupId, this.state, next, this.memberId, this.epoch);
    this.state = next;
  }

  /** Joins (or changes the subscription); heartbeats run in the background. */
  subscribe(topics: string[]): void {
    if (this.state === 'closed' || this.state === 'leaving') throw new KafkaConfigError(`share group ${this.o.groupId}: the consumer is closed`);
    this.topics = [...new Set(topics)].sort();
    this.deps.metadata.want(this.topics);
    if (this.state === 'unjoined') this.to('joining');
    this.heartbeatNow();
  }

  private schedule(ms: number): void {
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.state === 'closed' || this.state === 'leaving' || this.state === 'unjoined') return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      this.heartbeatNow();
    }, ms);
  }

  private heartbeatNow(): void {
    if (this.state === 'closed' || this.state === 'leaving' || this.state === 'unjoined') return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight = true;
    this.current = this.heartbeat()
      .catch((e: unknown) => this.fail(e))
      .finally(() => {
        this.inFlight = false;
        if (this.again) {
          this.again = false;
          this.heartbeatNow();
        }
      });
  }

  private unsupported(e: UnsupportedVersionError | null, node: number): UnsupportedVersionError {
    return new UnsupportedVersionError(
      `share group ${this.o.groupId}: broker ${node} (the group coordinator) does not offer ShareGroupHeartbeat v1+${e ? ` (${e.message})` : ' (only the early-access v0)'}: ${NO_SHARE_GROUPS}`,
      { api: 'ShareGroupHeartbeat', broker: node, cause: e ?? undefined },
    );
  }

  private async heartbeat(): Promise<void> {
    const o = this.o;
    const joining = this.epoch === JOIN_EPOCH;
    const key = this.topics.join(',');
    const sendTopics = joining || key !== this.sentTopics;
    const epochSent = this.epoch;
    const deadline = this.deps.clock.now() + o.requestTimeoutMs;
    let res: ShareGroupHeartbeatResponse;
    try {
      if (!this.checkedVersion && this.deps.versionAt) {
        const node = await this.coordinator.node(deadline);
        let v: number;
        try {
          v = await this.deps.versionAt(node);
        } catch (e) {
          if (e instanceof UnsupportedVersionError) throw this.unsupported(e, node);
          throw e;
        }
        if (v < 1) throw this.unsupported(null, node);
        this.checkedVersion = true;
      }
      res = await this.coordinator.request<ShareGroupHeartbeatResponse>(
        'ShareGroupHeartbeat',
        { groupId: o.groupId, memberId: this.memberId, memberEpoch: this.epoch, rackId: joining ? o.clientRack : null, subscribedTopicNames: sendTopics ? this.topics : null },
        deadline,
      );
    } catch (e) {
      if (this.state === 'closed' || this.state === 'leaving') return;
      if (e instanceof UnsupportedVersionError) throw e.message.includes(NO_SHARE_GROUPS) ? e : this.unsupported(e, this.coordinator.known);
      if (!(e instanceof KafkaError) || !e.retriable) throw e;
      this.sentTopics = null;
      this.retryLater(e.message);
      return;
    }
    if (this.state === 'closed' || this.state === 'leaving' || epochSent !== this.epoch) return;
    if (res.errorCode !== 0) {
      this.sentTopics = null;
      const err = groupError(res.errorCode, o.groupId, 'ShareGroupHeartbeat', { brokerMessage: res.errorMessage });
      switch (res.errorCode) {
        case ErrorCode.FENCED_MEMBER_EPOCH:
        case ErrorCode.UNKNOWN_MEMBER_ID:
          this.fenced(err.message);
          return;
        case ErrorCode.NOT_COORDINATOR:
        case ErrorCode.COORDINATOR_NOT_AVAILABLE:
          this.coordinator.markUnknown(err.errorName);
          this.retryLater(err.message);
          return;
        case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
        case ErrorCode.REQUEST_TIMED_OUT:
          this.retryLater(err.message);
          return;
        case ErrorCode.UNSUPPORTED_VERSION:
          throw new UnsupportedVersionError(`${err.message}: ${NO_SHARE_GROUPS}`, { api: 'ShareGroupHeartbeat', broker: this.coordinator.known });
        default:
          // GROUP_AUTHORIZATION_FAILED, GROUP_MAX_SIZE_REACHED, INVALID_REQUEST, a group id taken by another group type, …
          throw err;
      }
    }
    this.failures = 0;
    if (sendTopics) this.sentTopics = key;
    if (res.memberEpoch !== this.epoch) log('share group %s: member %s epoch %d → %d', o.groupId, this.memberId, this.epoch, res.memberEpoch);
    this.epoch = res.memberEpoch;
    if (res.heartbeatIntervalMs > 0) this.intervalMs = res.heartbeatIntervalMs;
    if (this.state === 'joining') this.to('stable');
    this.schedule(this.intervalMs);
    if (res.assignment) {
      const raw = res.assignment.topicPartitions.map((t) => ({ topicId: t.topicId, partitions: [...t.partitions] }));
      const seq = ++this.assignmentSeq;
      this.resolve(raw)
        .then((list) => {
          if (seq !== this.assignmentSeq || this.state !== 'stable') return;
          log('share group %s: assigned %o', o.groupId, list.map((p) => `${p.topic}-${p.partition}`));
          this.deps.assigned(list);
        })
        .catch((e: unknown) => {
          // Retried with the full assignment after the next heartbeat (sent without the subscription, the broker repeats nothing; so rejoin the topics).
          log('share group %s: could not resolve the assigned topic ids (%s); asking again', o.groupId, (e as Error).message);
          this.sentTopics = null;
          this.schedule(backoffMs(1, { initialMs: o.retryBackoffMs, maxMs: o.retryBackoffMaxMs }));
        });
    }
  }

  /** Topic ids to names, asking Metadata by id for those not known yet. */
  private async resolve(raw: Array<{ topicId: string; partitions: number[] }>): Promise<AssignedPartition[]> {
    const md = this.deps.metadata;
    const names = () => new Map([...md.topics.values()].map((t) => [t.topicId, t.name]));
    let byId = names();
    const unknown = raw.filter((t) => !byId.has(t.topicId)).map((t) => t.topicId);
    if (unknown.length > 0) {
      const res = await this.deps.pool.request<MetadataResponse>('any', 'Metadata', {
        topics: unknown.map((topicId) => ({ topicId, name: null })),
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      });
      res.topics = res.topics.filter((t) => t.name !== null && t.errorCode === 0);
      md.apply(res);
      byId = names();
    }
    const out: AssignedPartition[] = [];
    for (const t of raw) {
      const topic = byId.get(t.topicId);
      if (topic === undefined) throw new KafkaError(`share group ${this.o.groupId}: assigned topic id ${t.topicId} is not in the cluster metadata`, true, { api: 'Metadata' });
      for (const partition of t.partitions) out.push({ topic, topicId: t.topicId, partition });
    }
    md.want(out.map((p) => p.topic));
    return out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  }

  private retryLater(why: string): void {
    this.failures++;
    const wait = backoffMs(this.failures, { initialMs: this.o.retryBackoffMs, maxMs: this.o.retryBackoffMaxMs });
    log('share group %s: heartbeat failed (%s); again in %d ms', this.o.groupId, why, wait);
    this.schedule(wait);
  }

  private fenced(why: string): void {
    log('share group %s: member %s fenced (%s); rejoining with epoch 0', this.o.groupId, this.memberId, why);
    this.to('fenced');
    this.epoch = JOIN_EPOCH;
    this.assignmentSeq++;
    this.deps.assigned([]);
    this.to('joining');
    this.heartbeatNow();
  }

  /** Leaves the group (heartbeat with epoch -1), best effort; stops every timer. */
  async leave(): Promise<void> {
    if (this.state === 'closed' || this.state === 'leaving') return;
    const wasIn = this.state !== 'unjoined';
    this.to('leaving');
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.assignmentSeq++;
    await this.current.catch(() => undefined);
    if (wasIn && this.coordinator.known !== -1) {
      try {
        const res = await this.coordinator.request<ShareGroupHeartbeatResponse>(
          'ShareGroupHeartbeat',
          { groupId: this.o.groupId, memberId: this.memberId, memberEpoch: LEAVE_EPOCH, rackId: null, subscribedTopicNames: null },
          this.deps.clock.now() + this.o.requestTimeoutMs,
        );
        if (res.errorCode !== 0) log('share group %s: leave answered %s', this.o.groupId, groupError(res.errorCode, this.o.groupId, 'ShareGroupHeartbeat').message);
        else log('share group %s: member %s left', this.o.groupId, this.memberId);
      } catch (e) {
        log('share group %s: leave heartbeat failed (%s); the coordinator removes the member after share.session.timeout.ms', this.o.groupId, (e as Error).message);
      }
    }
    this.epoch = LEAVE_EPOCH;
    this.to('closed');
    this.coordinator.close();
  }

  private fail(e: unknown): void {
    if (this.state === 'closed' || this.state === 'leaving') return;
    const err = e instanceof KafkaError ? e : new KafkaError(String((e as Error)?.message ?? e), false, { cause: e });
    log('share group %s: fatal: %s', this.o.groupId, err.message);
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.to('closed');
    this.coordinator.close();
    this.deps.fatal(err);
  }
}
