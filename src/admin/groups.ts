// Consumer group calls, each routed to the group's coordinator (found with
// FindCoordinator, batched): list (groups of every type), describe (classic
// and KIP-848 groups), committed offsets (list, alter, delete), delete groups.
// Share and streams groups have their own modules.
import { KafkaBrokerError, ErrorCode, errorFor } from '../messages/error-codes.js';
import type {
  ConsumerGroupDescribeResponse,
  DeleteGroupsResponse,
  DescribeGroupsResponse,
  ListGroupsResponse,
  OffsetCommitResponse,
  OffsetDeleteResponse,
  OffsetFetchResponse,
} from '../messages/generated/index.js';
import { UnsupportedVersionError } from '../errors.js';
import { api as apiNamed } from '../messages/registry.js';
import { decodeOperations, type AclOperation } from './acl-codes.js';
import { readAssignment, readSubscriptionTopics } from './consumer-protocol.js';
import { int64Arg, intArg, namesArg, oneOfArg, optStringArg, partitionsArg } from './args.js';
import { asKafkaError, byNode, fanOut, type AdminContext } from './context.js';
import { fail, ok, tpKey, type CallOptions, type Node, type Result, type TopicPartition } from './types.js';

export interface ListedGroup {
  groupId: string;
  /** 'consumer' for consumer groups (either protocol), 'share' for share groups, 'streams' for streams groups, '' for groups that only hold offsets, others for Connect etc. */
  protocolType: string;
  /** As the broker names it: Stable, Empty, PreparingRebalance, Assigning, Reconciling, Dead... */
  state: string;
  /** 'classic', 'consumer' (KIP-848), 'share' (KIP-932) or 'streams' (KIP-1071); '' when the broker does not say (before ListGroups v5). */
  type: string;
}

export interface MemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  host: string;
  /** Partitions the member owns now. */
  assignment: TopicPartition[];
  /** KIP-848 groups: partitions the member will own once it has reconciled. */
  targetAssignment?: TopicPartition[];
  subscribedTopics: string[];
  /** KIP-848 groups: the member's epoch. */
  memberEpoch?: number;
}

export interface ConsumerGroupDescription {
  groupId: string;
  /** A group with no group protocol: it only holds offsets committed by standalone consumers or the Admin. */
  isSimpleConsumerGroup: boolean;
  /** 'classic' (JoinGroup/SyncGroup) or 'consumer' (KIP-848). */
  type: 'classic' | 'consumer';
  state: string;
  /** The assignor: the classic group's protocol name, or the KIP-848 server-side assignor. */
  partitionAssignor: string;
  coordinator: Node | null;
  members: MemberDescription[];
  groupEpoch?: number;
  targetAssignmentEpoch?: number;
  authorizedOperations?: AclOperation[];
}

export interface CommittedOffset extends TopicPartition {
  offset: bigint;
  /** Leader epoch stored with the offset, null when unknown. */
  leaderEpoch: number | null;
  metadata: string | null;
}

export type GroupResult<V> = { groupId: string } & Result<V>;

/** Finds each group's coordinator; groups whose lookup failed go to `out`. */
export async function routeToCoordinators(ctx: AdminContext, kind: 'group' | 'transaction', keys: string[], out: Map<string, Result<unknown>>): Promise<Map<number, string[]>> {
  const found = await ctx.coordinators(kind, keys);
  const routed: Array<[number, string]> = [];
  for (const k of keys) {
    const r = found.get(k) ?? fail(new KafkaBrokerError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `no coordinator was found for ${kind} ${k}`, true));
    if (r.ok) routed.push([r.value, k]);
    else out.set(k, r);
  }
  return byNode(routed);
}

const GROUP_TYPES = ['classic', 'consumer', 'share', 'streams'] as const;

export async function listGroups(
  ctx: AdminContext,
  opts: CallOptions & { states?: string[]; types?: Array<'classic' | 'consumer' | 'share' | 'streams'> } = {},
): Promise<{ groups: ListedGroup[]; errors: Array<{ broker: number; error: Error }> }> {
  const call = 'listGroups()';
  const states = opts.states == null ? [] : namesArg(call, 'group states', opts.states, 'states');
  // The broker reads types in any case; the name is sent as Java sends it.
  const types = opts.types == null ? [] : namesArg(call, 'group types', opts.types, 'types').map((t, i) => oneOfArg(call, `types[${i}]`, t, GROUP_TYPES, true));
  const brokers = await ctx.once('Metadata (listGroups)', () => ctx.knownBrokers(), opts);
  const keys = brokers.map((b) => String(b.id));
  const results = await ctx.perItem<ListedGroup[]>('ListGroups', keys, async (pending) => {
    const out = new Map<string, Result<ListedGroup[]>>();
    await fanOut(out, byNode(pending.map((k) => [Number(k), k] as [number, string])), (k) => k, async (node) => {
      const res = await ctx.pool.request<ListGroupsResponse>(node, 'ListGroups', { statesFilter: states, typesFilter: types });
      // A broker before ListGroups v5 drops the type filter and names no types, one before v4 (Kafka 2.6) the state
      // filter and the states: its list would not be filtered.
      const unfiltered = types.length > 0 && res.groups.some((g) => g.groupType === '');
      const unfilteredStates = states.length > 0 && res.groups.some((g) => g.groupState === '');
      out.set(
        String(node),
        res.errorCode !== 0
          ? fail(errorFor(res.errorCode, { api: 'ListGroups', broker: node }))
          : unfiltered || unfilteredStates
            ? fail(new UnsupportedVersionError(`broker ${node} cannot list groups by ${unfiltered ? 'type (that needs ListGroups v5)' : 'state (that needs ListGroups v4, Kafka 2.6)'}`, { api: 'ListGroups', broker: node }))
            : ok(res.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState, type: g.groupType }))),
      );
    });
    return out;
  }, opts);
  const groups = new Map<string, ListedGroup>();
  const errors: Array<{ broker: number; error: Error }> = [];
  for (const [k, r] of results) {
    if (r.ok) for (const g of r.value) groups.set(g.groupId, g);
    else errors.push({ broker: Number(k), error: r.error });
  }
  return { groups: [...groups.values()].sort((a, b) => a.groupId.localeCompare(b.groupId)), errors };
}

function groupsOf848(a: { topicPartitions: Array<{ topicName: string; partitions: number[] }> }): TopicPartition[] {
  return a.topicPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topicName, partition })));
}

export async function describeConsumerGroups(
  ctx: AdminContext,
  groupIds: string[],
  opts: CallOptions & { includeAuthorizedOperations?: boolean } = {},
): Promise<Array<GroupResult<ConsumerGroupDescription>>> {
  const includeOps = opts.includeAuthorizedOperations ?? false;
  const results = await ctx.perItem<ConsumerGroupDescription>('DescribeConsumerGroups', groupIds, async (pending) => {
    const out = new Map<string, Result<ConsumerGroupDescription>>();
    const groups = await routeToCoordinators(ctx, 'group', pending, out);
    await fanOut(out, groups, (g) => g, async (node, ids) => {
      const coordinator = ctx.brokers.find((b) => b.id === node) ?? null;
      // KIP-848 groups first; those the broker does not know as such are classic groups (or none).
      let classic = ids;
      try {
        const res = await ctx.pool.request<ConsumerGroupDescribeResponse>(node, 'ConsumerGroupDescribe', { groupIds: ids, includeAuthorizedOperations: includeOps });
        classic = [];
        for (const g of res.groups) {
          if (g.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) {
            classic.push(g.groupId);
          } else if (g.errorCode !== 0) {
            out.set(g.groupId, fail(errorFor(g.errorCode, { api: 'ConsumerGroupDescribe', broker: node }, `group ${g.groupId}${g.errorMessage ? `: ${g.errorMessage}` : ''}`)));
          } else {
            const d: ConsumerGroupDescription = {
              groupId: g.groupId,
              isSimpleConsumerGroup: false,
              type: 'consumer',
              state: g.groupState,
              partitionAssignor: g.assignorName,
              coordinator,
              groupEpoch: g.groupEpoch,
              targetAssignmentEpoch: g.assignmentEpoch,
              members: g.members.map((m) => ({
                memberId: m.memberId,
                groupInstanceId: m.instanceId,
                clientId: m.clientId,
                host: m.clientHost,
                assignment: groupsOf848(m.assignment),
                targetAssignment: groupsOf848(m.targetAssignment),
                subscribedTopics: m.subscribedTopicNames,
                memberEpoch: m.memberEpoch,
              })),
            };
            if (includeOps) d.authorizedOperations = decodeOperations(g.authorizedOperations);
            out.set(g.groupId, ok(d));
          }
        }
      } catch (e) {
        if (!(e instanceof UnsupportedVersionError)) throw e;
      }
      if (classic.length === 0) return;
      const res = await ctx.pool.request<DescribeGroupsResponse>(node, 'DescribeGroups', { groups: classic, includeAuthorizedOperations: includeOps });
      for (const g of res.groups) {
        if (g.errorCode !== 0) {
          // v6+: a group that does not exist is GROUP_ID_NOT_FOUND, with the broker's message (older versions describe it as Dead, below).
          out.set(g.groupId, fail(errorFor(g.errorCode, { api: 'DescribeGroups', broker: node }, `group ${g.groupId}${g.errorMessage ? `: ${g.errorMessage}` : ''}`)));
        } else if (g.groupState === 'Dead' && g.protocolType === '' && g.members.length === 0) {
          out.set(g.groupId, fail(errorFor(ErrorCode.GROUP_ID_NOT_FOUND, { api: 'DescribeGroups', broker: node }, `group ${g.groupId} does not exist`)));
        } else {
          const d: ConsumerGroupDescription = {
            groupId: g.groupId,
            isSimpleConsumerGroup: g.protocolType === '',
            type: 'classic',
            state: g.groupState,
            partitionAssignor: g.protocolData,
            coordinator,
            members: g.members.map((m) => ({
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId,
              clientId: m.clientId,
              host: m.clientHost,
              assignment: (g.protocolType === 'consumer' ? readAssignment(m.memberAssignment) : null) ?? [],
              subscribedTopics: (g.protocolType === 'consumer' ? readSubscriptionTopics(m.memberMetadata) : null) ?? [],
            })),
          };
          if (includeOps) d.authorizedOperations = decodeOperations(g.authorizedOperations);
          out.set(g.groupId, ok(d));
        }
      }
    });
    return out;
  }, opts);
  return [...new Set(groupIds)].map((groupId) => ({ groupId, ...results.get(groupId)! }));
}

/**
 * Committed offsets of each group: of the partitions given, or (null) of
 * every partition the group has an offset for.
 */
export async function listConsumerGroupOffsets(
  ctx: AdminContext,
  groups: string[] | Record<string, TopicPartition[] | null>,
  opts: CallOptions & { requireStable?: boolean } = {},
): Promise<Array<GroupResult<CommittedOffset[]>>> {
  const spec: Record<string, TopicPartition[] | null> = Array.isArray(groups) ? Object.fromEntries(groups.map((g) => [g, null])) : groups;
  const ids = Object.keys(spec);
  const results = await ctx.perItem<CommittedOffset[]>('OffsetFetch', ids, async (pending) => {
    const out = new Map<string, Result<CommittedOffset[]>>();
    const routed = await routeToCoordinators(ctx, 'group', pending, out);
    const perGroup = byNode([...routed].flatMap(([node, gs]) => gs.map((g) => [node, g] as [number, string])));
    await fanOut(out, perGroup, (g) => g, async (node, gs) => {
      const requireStable = opts.requireStable ?? false;
      const entry = (groupId: string) => {
        const wanted = spec[groupId] ?? null;
        return { groupId, memberId: null, memberEpoch: -1, topics: wanted === null ? null : byTopic(wanted) };
      };
      // v10 names topics by id only, also in the answer for all topics (null), which this code reads by name.
      const version = await offsetFetchVersion(ctx, node);
      if (version >= 8 && gs.length > 1) {
        // One request for every group this coordinator holds (v8+, KIP-709), as the Java admin client sends.
        const res = await ctx.pool
          .request<OffsetFetchResponse>(node, 'OffsetFetch', { groups: gs.map(entry), requireStable }, { maxVersion: 9 })
          .catch((e: unknown) => {
            for (const groupId of gs) out.set(groupId, fail(asKafkaError(e)));
            return null;
          });
        if (!res) return;
        const answered = new Map(res.groups.map((g) => [g.groupId, g]));
        for (const groupId of gs) {
          const g = answered.get(groupId);
          if (g) out.set(groupId, committedOffsets(groupId, node, g.errorCode, g.topics));
          else out.set(groupId, fail(new KafkaBrokerError(ErrorCode.UNKNOWN_SERVER_ERROR, `group ${groupId}: broker ${node} left the group out of its OffsetFetch answer`, false, { api: 'OffsetFetch', broker: node })));
        }
        return;
      }
      // One request per group: the single-group form works with every broker version.
      await Promise.all(gs.map(async (groupId) => {
        const e = entry(groupId);
        const res = await ctx.pool.request<OffsetFetchResponse>(node, 'OffsetFetch', { groupId, topics: e.topics, groups: [e], requireStable }, { maxVersion: 9 }).catch((err: unknown) => {
          out.set(groupId, fail(asKafkaError(err)));
          return null;
        });
        if (!res) return;
        const g = res.groups[0];
        out.set(groupId, committedOffsets(groupId, node, g ? g.errorCode : res.errorCode, g ? g.topics : res.topics));
      }));
    });
    return out;
  }, opts);
  return ids.map((groupId) => ({ groupId, ...results.get(groupId)! }));
}

/** The OffsetFetch version the connection to `node` uses (capped at 9, as the requests are); 0 if it cannot tell. */
async function offsetFetchVersion(ctx: AdminContext, node: number): Promise<number> {
  try {
    return Math.min((await ctx.pool.get(node)).versionFor(apiNamed('OffsetFetch')), 9);
  } catch {
    return 0; // the per-group requests will report why
  }
}

/** One group's part of an OffsetFetch answer: its committed offsets, or the first error it carries. */
function committedOffsets(
  groupId: string,
  node: number,
  code: number,
  topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; metadata: string | null; errorCode: number }> }>,
): Result<CommittedOffset[]> {
  if (code !== 0) return fail(errorFor(code, { api: 'OffsetFetch', broker: node }, `group ${groupId}`));
  const offsets: CommittedOffset[] = [];
  for (const t of topics) {
    for (const p of t.partitions) {
      if (p.errorCode !== 0) return fail(errorFor(p.errorCode, { api: 'OffsetFetch', broker: node, topic: t.name, partition: p.partitionIndex }, `group ${groupId}`));
      if (p.committedOffset < 0n) continue;
      offsets.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch < 0 ? null : p.committedLeaderEpoch, metadata: p.metadata });
    }
  }
  offsets.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return ok(offsets);
}

function byTopic(tps: TopicPartition[]): Array<{ name: string; partitionIndexes: number[] }> {
  const m = new Map<string, number[]>();
  for (const tp of tps) m.set(tp.topic, [...(m.get(tp.topic) ?? []), tp.partition]);
  return [...m].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
}

export type PartitionResult<V> = TopicPartition & Result<V>;

export type OffsetToCommit = TopicPartition & { offset: bigint; leaderEpoch?: number | null; metadata?: string | null };

/** alterConsumerGroupOffsets()'s list: offsets ≥ 0 (bigints or safe integers), optional leader epochs and metadata. */
export function offsetsToCommitArg(v: Array<TopicPartition & { offset: bigint | number; leaderEpoch?: number | null; metadata?: string | null }>): OffsetToCommit[] {
  const call = 'alterConsumerGroupOffsets()';
  return partitionsArg(call, '{ topic, partition, offset }', v).map((o, i) => {
    if (o.leaderEpoch != null) intArg(call, `[${i}].leaderEpoch`, o.leaderEpoch, -1);
    optStringArg(call, `[${i}].metadata`, o.metadata, true);
    return { ...o, offset: int64Arg(call, `[${i}].offset`, o.offset, 0n) };
  });
}

/** Commits offsets for a group from outside it (the group must have no active members). */
export async function alterConsumerGroupOffsets(
  ctx: AdminContext,
  groupId: string,
  offsets: OffsetToCommit[],
  opts: CallOptions = {},
): Promise<Array<PartitionResult<void>>> {
  const byKey = new Map(offsets.map((o) => [tpKey(o.topic, o.partition), o]));
  const results = await ctx.perItem<void>('OffsetCommit', [...byKey.keys()], async (pending) => {
    const out = new Map<string, Result<void>>();
    const routed = await routeToCoordinators(ctx, 'group', [groupId], out);
    const err = out.get(groupId);
    if (err) return new Map(pending.map((k) => [k, err as Result<void>]));
    const [node] = [...routed.keys()];
    const topics = new Map<string, Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string }>>();
    for (const k of pending) {
      const o = byKey.get(k)!;
      topics.set(o.topic, [...(topics.get(o.topic) ?? []), { partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch ?? -1, committedMetadata: o.metadata ?? '' }]);
    }
    const res = await ctx.pool.request<OffsetCommitResponse>(node!, 'OffsetCommit', {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1n,
      topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
      // v10 names topics by id; this request names them.
    }, { maxVersion: 9 });
    for (const t of res.topics) {
      for (const p of t.partitions) {
        out.set(tpKey(t.name, p.partitionIndex), p.errorCode === 0 ? ok(undefined) : fail(errorFor(p.errorCode, { api: 'OffsetCommit', broker: node, topic: t.name, partition: p.partitionIndex }, `group ${groupId}`)));
      }
    }
    return out;
  }, opts);
  return [...byKey].map(([k, o]) => ({ topic: o.topic, partition: o.partition, ...results.get(k)! }));
}

/** Removes a group's committed offsets for those partitions (not while the group consumes the topic). */
export async function deleteConsumerGroupOffsets(ctx: AdminContext, groupId: string, partitions: TopicPartition[], opts: CallOptions = {}): Promise<Array<PartitionResult<void>>> {
  const byKey = new Map(partitions.map((p) => [tpKey(p.topic, p.partition), p]));
  const results = await ctx.perItem<void>('OffsetDelete', [...byKey.keys()], async (pending) => {
    const out = new Map<string, Result<void>>();
    const routed = await routeToCoordinators(ctx, 'group', [groupId], out);
    const err = out.get(groupId);
    if (err) return new Map(pending.map((k) => [k, err as Result<void>]));
    const [node] = [...routed.keys()];
    const topics = new Map<string, Array<{ partitionIndex: number }>>();
    for (const k of pending) {
      const p = byKey.get(k)!;
      topics.set(p.topic, [...(topics.get(p.topic) ?? []), { partitionIndex: p.partition }]);
    }
    const res = await ctx.pool.request<OffsetDeleteResponse>(node!, 'OffsetDelete', { groupId, topics: [...topics].map(([name, ps]) => ({ name, partitions: ps })) });
    if (res.errorCode !== 0) {
      const e = errorFor(res.errorCode, { api: 'OffsetDelete', broker: node }, `group ${groupId}`);
      return new Map(pending.map((k) => [k, fail<void>(e)]));
    }
    for (const t of res.topics) {
      for (const p of t.partitions) {
        out.set(tpKey(t.name, p.partitionIndex), p.errorCode === 0 ? ok(undefined) : fail(errorFor(p.errorCode, { api: 'OffsetDelete', broker: node, topic: t.name, partition: p.partitionIndex }, `group ${groupId}`)));
      }
    }
    return out;
  }, opts);
  return [...byKey].map(([k, p]) => ({ topic: p.topic, partition: p.partition, ...results.get(k)! }));
}

export async function deleteConsumerGroups(ctx: AdminContext, groupIds: string[], opts: CallOptions = {}): Promise<Array<GroupResult<void>>> {
  const results = await ctx.perItem<void>('DeleteGroups', groupIds, async (pending) => {
    const out = new Map<string, Result<void>>();
    const groups = await routeToCoordinators(ctx, 'group', pending, out);
    await fanOut(out, groups, (g) => g, async (node, ids) => {
      const res = await ctx.pool.request<DeleteGroupsResponse>(node, 'DeleteGroups', { groupsNames: ids });
      for (const r of res.results) out.set(r.groupId, r.errorCode === 0 ? ok(undefined) : fail(errorFor(r.errorCode, { api: 'DeleteGroups', broker: node }, `group ${r.groupId}${r.errorMessage ? `: ${r.errorMessage}` : ''}`)));
    });
    return out;
  }, opts);
  return [...new Set(groupIds)].map((groupId) => ({ groupId, ...results.get(groupId)! }));
}
