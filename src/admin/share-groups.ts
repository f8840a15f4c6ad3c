// Share group calls (KIP-932), each routed to the group's coordinator:
// describe, and the start offsets of the group's share partitions (list,
// alter, delete). A share group has no committed offsets; its position in
// each partition is the start offset: the first record it has not finished
// with (delivered and acknowledged, or given up on).
import { KafkaBrokerError, errorFor } from '../messages/error-codes.js';
import type {
  AlterShareGroupOffsetsResponse,
  DeleteShareGroupOffsetsResponse,
  DescribeShareGroupOffsetsRequestGroup,
  DescribeShareGroupOffsetsResponse,
  DescribeShareGroupOffsetsResponseGroup,
  ShareGroupDescribeResponse,
  ShareGroupDescribeResponseDescribedGroup,
} from '../messages/generated/index.js';
import { decodeOperations, type AclOperation } from './acl-codes.js';
import { int64Arg, partitionsArg } from './args.js';
import { coordinatorMoved, fanOut, type AdminContext } from './context.js';
import { routeToCoordinators, type GroupResult, type PartitionResult } from './groups.js';
import type { TopicResult } from './topics.js';
import { fail, ok, tpKey, type CallOptions, type Node, type Result, type TopicPartition } from './types.js';

export interface ShareMemberDescription {
  memberId: string;
  clientId: string;
  host: string;
  rackId: string | null;
  memberEpoch: number;
  subscribedTopics: string[];
  /** Partitions the member is assigned; in a share group several members may share a partition. */
  assignment: TopicPartition[];
}

export interface ShareGroupDescription {
  groupId: string;
  type: 'share';
  /** As the broker names it: Empty, Stable, Dead... */
  state: string;
  /** The server-side assignor (e.g. 'simple'). */
  partitionAssignor: string;
  coordinator: Node | null;
  members: ShareMemberDescription[];
  groupEpoch: number;
  targetAssignmentEpoch: number;
  authorizedOperations?: AclOperation[];
}

/** Where a share group stands in one partition (Java's SharePartitionOffsetInfo). */
export interface SharePartitionOffset extends TopicPartition {
  /** The start offset, or null when the group has no state for the partition (yet). */
  startOffset: bigint | null;
  /** Leader epoch stored with the state, null when unknown. */
  leaderEpoch: number | null;
  /** Records from the start offset to the end of the partition not yet acknowledged; null when the broker does not say (before DescribeShareGroupOffsets v1) or does not know. */
  lag: bigint | null;
}

const detail = (groupId: string, message: string | null) => `group ${groupId}${message ? `: ${message}` : ''}`;

/**
 * The error of one partition or topic in an answer. As in Java's handlers,
 * such an answer is final (an unknown partition stays unknown for this call)
 * unless it says the coordinator moved or is loading.
 */
function itemError(code: number, ctx: { api: string; broker?: number; topic: string; partition?: number }, message: string): KafkaBrokerError {
  const e = errorFor(code, ctx, message);
  return e.retriable && !coordinatorMoved(code) ? new KafkaBrokerError(code, e.message, false, e.context) : e;
}

/** One group of a ShareGroupDescribe answer, as the Admin returns it. */
export function toShareGroupDescription(g: ShareGroupDescribeResponseDescribedGroup, coordinator: Node | null, includeOps: boolean): ShareGroupDescription {
  const d: ShareGroupDescription = {
    groupId: g.groupId,
    type: 'share',
    state: g.groupState,
    partitionAssignor: g.assignorName,
    coordinator,
    groupEpoch: g.groupEpoch,
    targetAssignmentEpoch: g.assignmentEpoch,
    members: g.members.map((m) => ({
      memberId: m.memberId,
      clientId: m.clientId,
      host: m.clientHost,
      rackId: m.rackId,
      memberEpoch: m.memberEpoch,
      subscribedTopics: m.subscribedTopicNames,
      assignment: m.assignment.topicPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topicName, partition }))),
    })),
  };
  if (includeOps) d.authorizedOperations = decodeOperations(g.authorizedOperations);
  return d;
}

export async function describeShareGroups(
  ctx: AdminContext,
  groupIds: string[],
  opts: CallOptions & { includeAuthorizedOperations?: boolean } = {},
): Promise<Array<GroupResult<ShareGroupDescription>>> {
  const includeOps = opts.includeAuthorizedOperations ?? false;
  const results = await ctx.perItem<ShareGroupDescription>('DescribeShareGroups', groupIds, async (pending) => {
    const out = new Map<string, Result<ShareGroupDescription>>();
    const groups = await routeToCoordinators(ctx, 'group', pending, out);
    await fanOut(out, groups, (g) => g, async (node, ids) => {
      const coordinator = ctx.brokers.find((b) => b.id === node) ?? null;
      const res = await ctx.pool.request<ShareGroupDescribeResponse>(node, 'ShareGroupDescribe', { groupIds: ids, includeAuthorizedOperations: includeOps });
      for (const g of res.groups) {
        out.set(g.groupId, g.errorCode !== 0 ? fail(errorFor(g.errorCode, { api: 'ShareGroupDescribe', broker: node }, detail(g.groupId, g.errorMessage))) : ok(toShareGroupDescription(g, coordinator, includeOps)));
      }
    });
    return out;
  }, opts);
  return [...new Set(groupIds)].map((groupId) => ({ groupId, ...results.get(groupId)! }));
}

/** The request entry for one group: the partitions wanted by topic, or null for all. */
export function shareOffsetsRequestGroup(groupId: string, partitions: TopicPartition[] | null): DescribeShareGroupOffsetsRequestGroup {
  if (partitions === null) return { groupId, topics: null };
  const byTopic = new Map<string, number[]>();
  for (const tp of partitions) {
    const ps = byTopic.get(tp.topic) ?? [];
    if (!ps.includes(tp.partition)) ps.push(tp.partition);
    byTopic.set(tp.topic, ps);
  }
  return { groupId, topics: [...byTopic].map(([topicName, ps]) => ({ topicName, partitions: ps })) };
}

/** One group of a DescribeShareGroupOffsets answer: its offsets sorted by partition, or the first error (group-level first). */
export function toSharePartitionOffsets(g: DescribeShareGroupOffsetsResponseGroup, node: number): Result<SharePartitionOffset[]> {
  if (g.errorCode !== 0) return fail(errorFor(g.errorCode, { api: 'DescribeShareGroupOffsets', broker: node }, detail(g.groupId, g.errorMessage)));
  const offsets: SharePartitionOffset[] = [];
  for (const t of g.topics) {
    for (const p of t.partitions) {
      if (p.errorCode !== 0) return fail(itemError(p.errorCode, { api: 'DescribeShareGroupOffsets', broker: node, topic: t.topicName, partition: p.partitionIndex }, detail(g.groupId, p.errorMessage)));
      offsets.push({
        topic: t.topicName,
        partition: p.partitionIndex,
        startOffset: p.startOffset < 0n ? null : p.startOffset,
        leaderEpoch: p.leaderEpoch < 0 ? null : p.leaderEpoch,
        lag: p.lag < 0n ? null : p.lag,
      });
    }
  }
  offsets.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return ok(offsets);
}

type GroupSpecs = string | string[] | Record<string, TopicPartition[] | null>;

/**
 * Start offsets of share groups: `(groupId, partitions?)` for one group
 * (every partition it has state for when partitions is omitted or null), or
 * `(groupIds | { groupId: partitions | null })` for several. One result per group.
 */
export async function listShareGroupOffsets(ctx: AdminContext, groups: GroupSpecs, partitions?: TopicPartition[] | null, opts: CallOptions = {}): Promise<Array<GroupResult<SharePartitionOffset[]>>> {
  const spec: Record<string, TopicPartition[] | null> =
    typeof groups === 'string' ? { [groups]: partitions ?? null } : Array.isArray(groups) ? Object.fromEntries(groups.map((g) => [g, null])) : groups;
  const ids = Object.keys(spec);
  const results = await ctx.perItem<SharePartitionOffset[]>('DescribeShareGroupOffsets', ids, async (pending) => {
    const out = new Map<string, Result<SharePartitionOffset[]>>();
    const routed = await routeToCoordinators(ctx, 'group', pending, out);
    await fanOut(out, routed, (g) => g, async (node, gs) => {
      const res = await ctx.pool.request<DescribeShareGroupOffsetsResponse>(node, 'DescribeShareGroupOffsets', {
        groups: gs.map((g) => shareOffsetsRequestGroup(g, spec[g] ?? null)),
      });
      for (const g of res.groups) out.set(g.groupId, toSharePartitionOffsets(g, node));
    });
    return out;
  }, opts);
  return ids.map((groupId) => ({ groupId, ...results.get(groupId)! }));
}

/** alterShareGroupOffsets()'s list: start offsets ≥ 0, bigints or safe integers. */
export function startOffsetsArg(v: Array<TopicPartition & { offset: bigint | number }>): Array<TopicPartition & { offset: bigint }> {
  const call = 'alterShareGroupOffsets()';
  return partitionsArg(call, '{ topic, partition, offset }', v).map((o, i) => ({ ...o, offset: int64Arg(call, `[${i}].offset`, o.offset, 0n) }));
}

/**
 * Sets a share group's start offset in those partitions (the group must have
 * no members: NON_EMPTY_GROUP otherwise). One result per partition.
 */
export async function alterShareGroupOffsets(
  ctx: AdminContext,
  groupId: string,
  offsets: Array<TopicPartition & { offset: bigint }>,
  opts: CallOptions = {},
): Promise<Array<PartitionResult<void>>> {
  const byKey = new Map(offsets.map((o) => [tpKey(o.topic, o.partition), o]));
  const results = await ctx.perItem<void>('AlterShareGroupOffsets', [...byKey.keys()], async (pending) => {
    const out = new Map<string, Result<void>>();
    const routed = await routeToCoordinators(ctx, 'group', [groupId], out);
    const err = out.get(groupId);
    if (err) return new Map(pending.map((k) => [k, err as Result<void>]));
    const [node] = [...routed.keys()];
    const topics = new Map<string, Array<{ partitionIndex: number; startOffset: bigint }>>();
    for (const k of pending) {
      const o = byKey.get(k)!;
      topics.set(o.topic, [...(topics.get(o.topic) ?? []), { partitionIndex: o.partition, startOffset: o.offset }]);
    }
    const res = await ctx.pool.request<AlterShareGroupOffsetsResponse>(node!, 'AlterShareGroupOffsets', {
      groupId,
      topics: [...topics].map(([topicName, partitions]) => ({ topicName, partitions })),
    });
    if (res.errorCode !== 0) {
      const e = errorFor(res.errorCode, { api: 'AlterShareGroupOffsets', broker: node }, detail(groupId, res.errorMessage));
      return new Map(pending.map((k) => [k, fail<void>(e)]));
    }
    for (const t of res.responses) {
      for (const p of t.partitions) {
        out.set(
          tpKey(t.topicName, p.partitionIndex),
          p.errorCode === 0 ? ok(undefined) : fail(itemError(p.errorCode, { api: 'AlterShareGroupOffsets', broker: node, topic: t.topicName, partition: p.partitionIndex }, detail(groupId, p.errorMessage))),
        );
      }
    }
    return out;
  }, opts);
  return [...byKey].map(([k, o]) => ({ topic: o.topic, partition: o.partition, ...results.get(k)! }));
}

/**
 * Removes a share group's state for whole topics (start offsets and delivery
 * state of every partition); the group must have no members. One result per topic.
 */
export async function deleteShareGroupOffsets(ctx: AdminContext, groupId: string, topics: string[], opts: CallOptions = {}): Promise<Array<TopicResult<void>>> {
  const names = [...new Set(topics)];
  const results = await ctx.perItem<void>('DeleteShareGroupOffsets', names, async (pending) => {
    const out = new Map<string, Result<void>>();
    const routed = await routeToCoordinators(ctx, 'group', [groupId], out);
    const err = out.get(groupId);
    if (err) return new Map(pending.map((k) => [k, err as Result<void>]));
    const [node] = [...routed.keys()];
    const res = await ctx.pool.request<DeleteShareGroupOffsetsResponse>(node!, 'DeleteShareGroupOffsets', { groupId, topics: pending.map((topicName) => ({ topicName })) });
    if (res.errorCode !== 0) {
      const e = errorFor(res.errorCode, { api: 'DeleteShareGroupOffsets', broker: node }, detail(groupId, res.errorMessage));
      return new Map(pending.map((k) => [k, fail<void>(e)]));
    }
    for (const t of res.responses) {
      out.set(t.topicName, t.errorCode === 0 ? ok(undefined) : fail(itemError(t.errorCode, { api: 'DeleteShareGroupOffsets', broker: node, topic: t.topicName }, detail(groupId, t.errorMessage))));
    }
    return out;
  }, opts);
  return names.map((topic) => ({ topic, ...results.get(topic)! }));
}
