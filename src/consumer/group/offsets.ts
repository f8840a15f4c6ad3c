/**
 * OffsetCommit and OffsetFetch against the group coordinator, for members
 * (with their id and generation or member epoch) and for consumers that use
 * assign() with a groupId (generation -1, empty member id, as Java does).
 * Retriable errors (coordinator moved or loading, unstable offsets) are
 * retried with backoff until defaultApiTimeoutMs; the rest fail the call
 * with an error naming the group, topic and partition.
 */
import createDebug from 'debug';
import type { Metadata } from '../../cluster/metadata.js';
import { ZERO_UUID } from '../../codec/uuid.js';
import { KafkaConfigError, KafkaError, KafkaTimeoutError } from '../../errors.js';
import { describeValue } from '../../config-checks.js';
import { ErrorCode, KafkaBrokerError } from '../../messages/error-codes.js';
import type { OffsetCommitResponse, OffsetFetchResponse } from '../../messages/generated/index.js';
import { backoffMs } from '../../network/backoff.js';
import type { Clock } from '../../network/clock.js';
import { tpKey, type GroupDeps, type GroupOffsets, type OffsetAndMetadata, type TopicPartition } from './contract.js';
import { Coordinator, groupError, isCoordinatorMoved } from './coordinator.js';

const log = createDebug('kafkawire:consumer');

/** Who commits: a member (id, generation or epoch) or nobody (-1, ''). */
export interface CommitIdentity {
  generationIdOrMemberEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
  /** KIP-848 members send their id and epoch with OffsetFetch too (v9+). */
  kip848: boolean;
}

export const NO_MEMBER: CommitIdentity = { generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, kip848: false };

export interface OffsetsContext {
  coordinator: Coordinator;
  clock: Clock;
  groupId: string;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  defaultApiTimeoutMs: number;
  /** Read before each attempt, so a retry carries the newest generation or epoch. */
  identity: () => CommitIdentity;
  /**
   * A commit failed because this member is no longer what the coordinator
   * knows (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_MEMBER_EPOCH,
   * REBALANCE_IN_PROGRESS, FENCED_INSTANCE_ID): the membership reacts (rejoins or fails).
   */
  onMemberError?: (code: number) => void;
  /**
   * Topic ids, for OffsetCommit v10+ and OffsetFetch v10+, which name topics by
   * id; without it (or while a topic's id is unknown) the request stays at the
   * newest version that names topics (v9).
   */
  metadata?: Pick<Metadata, 'topicIdOf' | 'refresh'>;
}

/** The newest OffsetCommit and OffsetFetch version that names topics by name (v10 names them by id, KIP-848). */
const LAST_BY_NAME = 9;

/**
 * Each topic with its name and id (the encoder writes whichever the version
 * uses); `byId` maps the ids back, and `maxVersion` keeps the request at v9
 * while some id is unknown.
 */
function withTopicIds<T extends object>(ctx: OffsetsContext, topics: Iterable<[string, T]>): { topics: Array<T & { name: string; topicId: string }>; byId: Map<string, string>; maxVersion: number | undefined } {
  const byId = new Map<string, string>();
  let missing = false;
  const out: Array<T & { name: string; topicId: string }> = [];
  for (const [name, rest] of topics) {
    const topicId = ctx.metadata?.topicIdOf(name);
    if (topicId === undefined) missing = true;
    else byId.set(topicId, name);
    out.push({ ...rest, name, topicId: topicId ?? ZERO_UUID });
  }
  return { topics: out, byId, maxVersion: missing ? LAST_BY_NAME : undefined };
}

/** The topic an answer names: by name up to v9, by id from v10 (the name is then empty). */
function topicOf(t: { name: string; topicId: string }, byId: Map<string, string>): string | undefined {
  return t.name !== '' ? t.name : byId.get(t.topicId);
}

/** UNKNOWN_TOPIC_ID: the id sent is stale (the topic was deleted and created again); new metadata has the current one. */
function onUnknownTopicId(ctx: OffsetsContext, code: number): void {
  if (code !== ErrorCode.UNKNOWN_TOPIC_ID) return;
  ctx.metadata?.refresh().catch((e: unknown) => log('group %s: metadata refresh after UNKNOWN_TOPIC_ID failed: %s', ctx.groupId, (e as Error).message));
}

/** Codes that mean the commit came from a member the group no longer has as it was. */
const MEMBER_ERRORS = new Set<number>([
  ErrorCode.UNKNOWN_MEMBER_ID,
  ErrorCode.ILLEGAL_GENERATION,
  ErrorCode.REBALANCE_IN_PROGRESS,
  ErrorCode.FENCED_MEMBER_EPOCH,
  ErrorCode.FENCED_INSTANCE_ID,
]);

/** Retried within the call: the coordinator is busy, moving, or the epoch is one step behind. */
function retriableHere(code: number): boolean {
  return (
    isCoordinatorMoved(code) ||
    code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ||
    code === ErrorCode.REQUEST_TIMED_OUT ||
    code === ErrorCode.UNSTABLE_OFFSET_COMMIT ||
    code === ErrorCode.STALE_MEMBER_EPOCH ||
    code === ErrorCode.UNKNOWN_TOPIC_ID
  );
}

function validate(offsets: Map<TopicPartition, OffsetAndMetadata>, groupId: string): void {
  for (const [tp, o] of offsets) {
    if (typeof tp.topic !== 'string' || tp.topic === '' || !Number.isInteger(tp.partition) || tp.partition < 0) {
      throw new KafkaConfigError(`group ${groupId}: cannot commit for ${describeValue(tp)}: a partition needs a topic name and an integer partition ≥ 0`);
    }
    if (typeof o.offset !== 'bigint' || o.offset < 0n) {
      throw new KafkaConfigError(`group ${groupId}: cannot commit offset ${String(o.offset)} for topic ${tp.topic} partition ${tp.partition}: offsets are bigint ≥ 0 (the next record to read)`);
    }
  }
}

async function withRetries<T>(ctx: OffsetsContext, api: string, attempt: (deadline: number) => Promise<{ done: true; value: T } | { done: false; reason: KafkaError }>): Promise<T> {
  const deadline = ctx.clock.now() + ctx.defaultApiTimeoutMs;
  for (let n = 1; ; n++) {
    let reason: KafkaError;
    try {
      const r = await attempt(deadline);
      if (r.done) return r.value;
      reason = r.reason;
    } catch (e) {
      if (!(e instanceof KafkaError) || !e.retriable) throw e;
      reason = e;
    }
    const wait = backoffMs(n, { initialMs: ctx.retryBackoffMs, maxMs: ctx.retryBackoffMaxMs });
    if (ctx.clock.now() + wait >= deadline) {
      throw new KafkaTimeoutError(`group ${ctx.groupId}: ${api} did not succeed within ${ctx.defaultApiTimeoutMs} ms (defaultApiTimeoutMs); last error: ${reason.message}`, { api, cause: reason });
    }
    log('group %s: %s will be retried in %d ms: %s', ctx.groupId, api, wait, reason.message);
    await ctx.coordinator.sleep(wait);
    if (ctx.coordinator.isClosed) throw new KafkaError(`group ${ctx.groupId}: ${api} abandoned: the consumer left the group`, false, { api, cause: reason });
  }
}

/** Commits offsets (OffsetCommit); resolves when every partition is committed. */
export async function commitOffsets(ctx: OffsetsContext, offsets: Map<TopicPartition, OffsetAndMetadata>): Promise<void> {
  validate(offsets, ctx.groupId);
  if (offsets.size === 0) return;
  const pending = new Map<string, [TopicPartition, OffsetAndMetadata]>();
  for (const [tp, o] of offsets) pending.set(tpKey(tp.topic, tp.partition), [tp, o]);
  await withRetries<void>(ctx, 'OffsetCommit', async (deadline) => {
    const id = ctx.identity();
    const byTopic = new Map<string, Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; commitTimestamp: bigint; committedMetadata: string | null }>>();
    for (const [tp, o] of pending.values()) {
      let list = byTopic.get(tp.topic);
      if (!list) byTopic.set(tp.topic, (list = []));
      list.push({ partitionIndex: tp.partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch ?? -1, commitTimestamp: -1n, committedMetadata: o.metadata ?? '' });
    }
    const named = withTopicIds(ctx, [...byTopic].map(([name, partitions]) => [name, { partitions }] as [string, { partitions: typeof partitions }]));
    const res = await ctx.coordinator.request<OffsetCommitResponse>(
      'OffsetCommit',
      {
        groupId: ctx.groupId,
        generationIdOrMemberEpoch: id.generationIdOrMemberEpoch,
        memberId: id.memberId,
        groupInstanceId: id.groupInstanceId,
        retentionTimeMs: -1n,
        topics: named.topics,
      },
      deadline,
      { maxVersion: named.maxVersion },
    );
    let retry: KafkaError | undefined;
    let fatal: KafkaError | undefined;
    for (const t of res.topics) {
      const topic = topicOf(t, named.byId);
      if (topic === undefined) continue;
      for (const p of t.partitions) {
        const key = tpKey(topic, p.partitionIndex);
        if (p.errorCode === 0) {
          pending.delete(key);
          continue;
        }
        const err = groupError(p.errorCode, ctx.groupId, 'OffsetCommit', { topic, partition: p.partitionIndex });
        if (isCoordinatorMoved(p.errorCode)) ctx.coordinator.markUnknown(err.errorName);
        onUnknownTopicId(ctx, p.errorCode);
        if (retriableHere(p.errorCode)) {
          retry ??= err;
        } else if (MEMBER_ERRORS.has(p.errorCode) && id.memberId === '') {
          fatal ??= new KafkaBrokerError(
            p.errorCode,
            `${err.message} — commit refused: group ${ctx.groupId} has active members, and a consumer outside the group (assign() with a groupId) may commit only while the group is empty; use another groupId, or stop the group's members`,
            false,
            err.context,
          );
        } else if (MEMBER_ERRORS.has(p.errorCode)) {
          ctx.onMemberError?.(p.errorCode);
          fatal ??= new KafkaBrokerError(
            p.errorCode,
            `${err.message} — commit failed: this member's generation is no longer current (the group rebalanced, or the member was removed after missing sessionTimeoutMs or maxPollIntervalMs), so its partitions may already be another member's; it rejoins the group`,
            false,
            err.context,
          );
        } else {
          fatal ??= err;
        }
      }
    }
    if (fatal) throw fatal;
    if (pending.size === 0) return { done: true, value: undefined };
    return { done: false, reason: retry ?? new KafkaError(`group ${ctx.groupId}: OffsetCommit answered for only some partitions; ${pending.size} left`, true) };
  });
}

/** Committed offsets (OffsetFetch); null for a partition the group has none for. */
export async function fetchOffsets(ctx: OffsetsContext, partitions: TopicPartition[]): Promise<Map<string, OffsetAndMetadata | null>> {
  const out = new Map<string, OffsetAndMetadata | null>();
  if (partitions.length === 0) return out;
  const byTopic = new Map<string, number[]>();
  for (const tp of partitions) {
    let list = byTopic.get(tp.topic);
    if (!list) byTopic.set(tp.topic, (list = []));
    if (!list.includes(tp.partition)) list.push(tp.partition);
  }
  return withRetries(ctx, 'OffsetFetch', async (deadline) => {
    const id = ctx.identity();
    // Read before each attempt: a retry after UNKNOWN_TOPIC_ID sends the ids of the refreshed metadata.
    const named = withTopicIds(ctx, [...byTopic].map(([name, partitionIndexes]) => [name, { partitionIndexes }] as [string, { partitionIndexes: number[] }]));
    const topics = named.topics;
    const res = await ctx.coordinator.request<OffsetFetchResponse>(
      'OffsetFetch',
      {
        groupId: ctx.groupId,
        topics,
        groups: [{ groupId: ctx.groupId, memberId: id.kip848 ? id.memberId : null, memberEpoch: id.kip848 ? id.generationIdOrMemberEpoch : -1, topics }],
        requireStable: true,
      },
      deadline,
      { maxVersion: named.maxVersion },
    );
    // v8+ answers per group; older versions at the top level.
    const g = res.groups[0];
    const groupCode = g ? g.errorCode : res.errorCode;
    const resTopics = g ? g.topics : res.topics;
    if (groupCode !== 0) {
      const err = groupError(groupCode, ctx.groupId, 'OffsetFetch');
      if (isCoordinatorMoved(groupCode)) ctx.coordinator.markUnknown(err.errorName);
      if (retriableHere(groupCode)) return { done: false, reason: err };
      if (MEMBER_ERRORS.has(groupCode)) ctx.onMemberError?.(groupCode);
      throw err;
    }
    let retry: KafkaError | undefined;
    for (const t of resTopics) {
      const topic = topicOf({ name: t.name, topicId: (t as { topicId?: string }).topicId ?? ZERO_UUID }, named.byId);
      if (topic === undefined) continue;
      for (const p of t.partitions) {
        if (p.errorCode !== 0) {
          const err = groupError(p.errorCode, ctx.groupId, 'OffsetFetch', { topic, partition: p.partitionIndex });
          onUnknownTopicId(ctx, p.errorCode);
          if (retriableHere(p.errorCode)) {
            retry ??= err;
            continue;
          }
          throw err;
        }
        out.set(
          tpKey(topic, p.partitionIndex),
          p.committedOffset < 0n ? null : { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch >= 0 ? p.committedLeaderEpoch : undefined, metadata: p.metadata },
        );
      }
    }
    if (retry) return { done: false, reason: retry };
    for (const tp of partitions) if (!out.has(tpKey(tp.topic, tp.partition))) out.set(tpKey(tp.topic, tp.partition), null);
    return { done: true, value: out };
  });
}

/** Offsets of a group this consumer is not a member of (assign() with a groupId). */
export function createGroupOffsets(deps: Omit<GroupDeps, 'host'>): GroupOffsets {
  const { options: o } = deps;
  const coordinator = new Coordinator(deps.pool, deps.metadata, deps.clock, o);
  const ctx: OffsetsContext = {
    coordinator,
    clock: deps.clock,
    groupId: o.groupId,
    retryBackoffMs: o.retryBackoffMs,
    retryBackoffMaxMs: o.retryBackoffMaxMs,
    defaultApiTimeoutMs: o.defaultApiTimeoutMs,
    identity: () => ({ ...NO_MEMBER, groupInstanceId: null }),
    metadata: deps.metadata,
  };
  return {
    commit: (offsets) => commitOffsets(ctx, offsets),
    fetchCommitted: (partitions) => fetchOffsets(ctx, partitions),
  };
}
