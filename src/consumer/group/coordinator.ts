/**
 * Finding and following a group's coordinator (FindCoordinator, key type
 * group), as Java's AbstractCoordinator does: look it up once, send every
 * group request to it, and look it up again (after a backoff) when it moves,
 * is loading, or its connection breaks.
 */
import createDebug from 'debug';
import { KafkaConnectionError, KafkaError, KafkaTimeoutError } from '../../errors.js';
import { ErrorCode, errorName, KafkaBrokerError } from '../../messages/error-codes.js';
import type { FindCoordinatorResponse } from '../../messages/generated/index.js';
import type { ApiName } from '../../messages/registry.js';
import { backoffMs } from '../../network/backoff.js';
import type { Clock } from '../../network/clock.js';
import type { RequestOptions } from '../../network/connection.js';
import type { ConnectionPool } from '../../network/pool.js';
import type { Metadata } from '../../cluster/metadata.js';

const log = createDebug('kafkawire:consumer');

/** Error codes that mean "ask FindCoordinator again". */
const MOVED = new Set<number>([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE]);

export function isCoordinatorMoved(code: number): boolean {
  return MOVED.has(code);
}

/** A broker error for a group request, naming the group and what to check. */
export function groupError(code: number, groupId: string, api: string, extra: { topic?: string; partition?: number; brokerMessage?: string | null } = {}): KafkaBrokerError {
  const name = errorName(code);
  const where = [`group ${groupId}`, extra.topic !== undefined && `topic ${extra.topic}`, extra.partition !== undefined && `partition ${extra.partition}`].filter(Boolean).join(', ');
  let hint = '';
  switch (code) {
    case ErrorCode.GROUP_AUTHORIZATION_FAILED:
      hint = ` — this client may not use group ${groupId}: the group ACL is missing (READ on Group:${groupId} for this principal); the topic ACLs are not the problem`;
      break;
    case ErrorCode.TOPIC_AUTHORIZATION_FAILED:
      hint = ` — this client may not read topic ${extra.topic ?? '(see the broker message)'}: the topic ACL is missing (READ on Topic:${extra.topic ?? '…'}); the group ACL is fine`;
      break;
    case ErrorCode.FENCED_INSTANCE_ID:
      hint = ' — another consumer uses the same groupInstanceId in this group: two processes share one static member id; give each its own';
      break;
    case ErrorCode.UNRELEASED_INSTANCE_ID:
      hint = ' — a member with this groupInstanceId is still in the group (another process, or one that left less than sessionTimeoutMs ago); give each process its own groupInstanceId';
      break;
    case ErrorCode.INVALID_GROUP_ID:
      hint = ' — the groupId is not valid (empty or null)';
      break;
    case ErrorCode.INVALID_SESSION_TIMEOUT:
      hint = ' — sessionTimeoutMs is outside the broker range group.min.session.timeout.ms .. group.max.session.timeout.ms';
      break;
    case ErrorCode.INCONSISTENT_GROUP_PROTOCOL:
      hint = ' — the members of this group use assignors (partitionAssignmentStrategy) or group protocols (groupProtocol) that have nothing in common';
      break;
    case ErrorCode.GROUP_MAX_SIZE_REACHED:
      hint = ' — the group has as many members as the broker allows (group.max.size)';
      break;
    case ErrorCode.UNSUPPORTED_ASSIGNOR:
      hint = ' — the broker has no server-side assignor by that name (groupRemoteAssignor); Kafka ships "uniform" and "range"';
      break;
    case ErrorCode.OFFSET_METADATA_TOO_LARGE:
      hint = ' — the commit metadata string is longer than the broker allows (offset.metadata.max.bytes)';
      break;
    default:
      break;
  }
  const msg = `${name} (error code ${code}) from ${api} for ${where}${extra.brokerMessage ? `: ${extra.brokerMessage}` : ''}${hint}`;
  return new KafkaBrokerError(code, msg, isRetriableGroupCode(code), { api, topic: extra.topic, partition: extra.partition });
}

function isRetriableGroupCode(code: number): boolean {
  switch (code) {
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
    case ErrorCode.NOT_COORDINATOR:
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode.REQUEST_TIMED_OUT:
    case ErrorCode.UNSTABLE_OFFSET_COMMIT:
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.STALE_MEMBER_EPOCH:
    case ErrorCode.REBALANCE_IN_PROGRESS:
      return true;
    default:
      return false;
  }
}

export interface CoordinatorOptions {
  groupId: string;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
}

/**
 * The current coordinator of one group. `node()` finds it (retrying with
 * backoff until the deadline); `request()` sends to it and forgets it when
 * the connection fails; callers forget it (`markUnknown`) on NOT_COORDINATOR
 * and COORDINATOR_NOT_AVAILABLE in a response.
 */
export class Coordinator {
  private nodeId = -1;
  private finding: Promise<number> | null = null;
  private closed = false;
  private readonly sleeps = new Map<unknown, () => void>();

  constructor(
    private readonly pool: ConnectionPool,
    private readonly metadata: Metadata,
    private readonly clock: Clock,
    private readonly opts: CoordinatorOptions,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** The coordinator's node id if known, else -1. */
  get known(): number {
    return this.nodeId;
  }

  markUnknown(reason: string): void {
    if (this.nodeId !== -1) log('group %s: coordinator %d marked unknown (%s); looking it up again', this.opts.groupId, this.nodeId, reason);
    this.nodeId = -1;
  }

  close(): void {
    this.closed = true;
    this.cancelSleeps();
  }

  /** Waits ms on the clock; cancelSleeps() ends every wait at once (so leave() leaves no timer behind). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const handle = this.clock.setTimeout(() => {
        this.sleeps.delete(handle);
        resolve();
      }, Math.max(0, ms));
      this.sleeps.set(handle, resolve);
    });
  }

  cancelSleeps(): void {
    for (const [handle, resolve] of this.sleeps) {
      this.clock.clearTimeout(handle);
      resolve();
    }
    this.sleeps.clear();
  }

  /** Finds the coordinator, retrying retriable failures with backoff until deadline (clock time). */
  node(deadline: number): Promise<number> {
    if (this.nodeId !== -1) return Promise.resolve(this.nodeId);
    this.finding ??= this.find(deadline).finally(() => {
      this.finding = null;
    });
    return this.finding;
  }

  private async find(deadline: number): Promise<number> {
    let last: KafkaError | undefined;
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw new KafkaConnectionError(`group ${this.opts.groupId}: the consumer is closed`, {}, false);
      try {
        const res = await this.pool.request<FindCoordinatorResponse>('any', 'FindCoordinator', {
          key: this.opts.groupId,
          keyType: 0,
          coordinatorKeys: [this.opts.groupId],
        });
        // v4+ answers per key, older versions at the top level.
        const c = res.coordinators[0] ?? { errorCode: res.errorCode, errorMessage: res.errorMessage, nodeId: res.nodeId, host: res.host, port: res.port };
        if (c.errorCode === 0) {
          if (!this.pool.knownBrokers().some((b) => b.nodeId === c.nodeId)) await this.metadata.refresh();
          this.nodeId = c.nodeId;
          log('group %s: coordinator is broker %d (%s:%d)', this.opts.groupId, c.nodeId, c.host, c.port);
          return c.nodeId;
        }
        const err = groupError(c.errorCode, this.opts.groupId, 'FindCoordinator', { brokerMessage: c.errorMessage });
        if (!err.retriable) throw err;
        last = err;
      } catch (e) {
        if (!(e instanceof KafkaError) || !e.retriable) throw e;
        last = e;
      }
      const wait = backoffMs(attempt, { initialMs: this.opts.retryBackoffMs, maxMs: this.opts.retryBackoffMaxMs });
      if (this.clock.now() + wait > deadline) {
        throw new KafkaTimeoutError(`group ${this.opts.groupId}: no coordinator found before the deadline; last error: ${last?.message}`, { api: 'FindCoordinator', cause: last });
      }
      log('group %s: FindCoordinator failed (%s), retrying in %d ms', this.opts.groupId, last?.message, wait);
      await this.sleep(wait);
    }
  }

  /**
   * Sends one request to the coordinator (finding it first). A broken
   * connection forgets the coordinator and rethrows (retriable).
   */
  async request<T>(api: ApiName, body: unknown, deadline: number, opts?: RequestOptions): Promise<T> {
    const node = await this.node(deadline);
    try {
      return await this.pool.request<T>(node, api, body, opts);
    } catch (e) {
      if (e instanceof KafkaError && e.retriable) this.markUnknown(`${api} failed: ${e.message}`);
      throw e;
    }
  }
}
