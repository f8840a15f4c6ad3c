// Streams groups (KIP-1071: Kafka Streams apps whose tasks the broker
// assigns): describe, routed to each group's coordinator.
import { errorFor } from '../messages/error-codes.js';
import type {
  StreamsGroupDescribeResponse,
  StreamsGroupDescribeResponseAssignment,
  StreamsGroupDescribeResponseDescribedGroup,
  StreamsGroupDescribeResponseKeyValue,
  StreamsGroupDescribeResponseTopicInfo,
} from '../messages/generated/index.js';
import { decodeOperations, type AclOperation } from './acl-codes.js';
import { fanOut, type AdminContext } from './context.js';
import { routeToCoordinators, type GroupResult } from './groups.js';
import { fail, ok, type CallOptions, type Node, type Result } from './types.js';

/** Tasks of one subtopology: one per input partition. */
export interface StreamsTasks {
  subtopologyId: string;
  partitions: number[];
}

export interface StreamsMemberAssignment {
  activeTasks: StreamsTasks[];
  standbyTasks: StreamsTasks[];
  warmupTasks: StreamsTasks[];
}

export interface StreamsTaskOffset {
  subtopologyId: string;
  partition: number;
  offset: bigint;
}

export interface StreamsMemberDescription {
  memberId: string;
  memberEpoch: number;
  groupInstanceId: string | null;
  rackId: string | null;
  clientId: string;
  host: string;
  topologyEpoch: number;
  /** The Streams process the member belongs to (one process may run several members). */
  processId: string;
  /** Where the member serves interactive queries, or null. */
  userEndpoint: { host: string; port: number } | null;
  clientTags: Record<string, string>;
  taskOffsets: StreamsTaskOffset[];
  taskEndOffsets: StreamsTaskOffset[];
  assignment: StreamsMemberAssignment;
  targetAssignment: StreamsMemberAssignment;
  /** A member still on the classic protocol. */
  isClassic: boolean;
}

export interface StreamsTopicInfo {
  name: string;
  /** 0 when the partition count is not fixed. */
  partitions: number;
  /** 0 for the broker's default. */
  replicationFactor: number;
  configs: Record<string, string>;
}

export interface StreamsSubtopologyDescription {
  subtopologyId: string;
  sourceTopics: string[];
  repartitionSinkTopics: string[];
  stateChangelogTopics: StreamsTopicInfo[];
  repartitionSourceTopics: StreamsTopicInfo[];
}

export interface StreamsGroupDescription {
  groupId: string;
  type: 'streams';
  state: string;
  coordinator: Node | null;
  groupEpoch: number;
  targetAssignmentEpoch: number;
  /** Epoch of the topology the group has initialized; -1 when it has none. */
  topologyEpoch: number;
  /** The subtopologies, or null while the group's topology is not initialized (e.g. source topics missing). */
  subtopologies: StreamsSubtopologyDescription[] | null;
  members: StreamsMemberDescription[];
  /** The task assignor the coordinator uses next; null before StreamsGroupDescribe v1. */
  assignor: string | null;
  authorizedOperations?: AclOperation[];
}

const kv = (list: StreamsGroupDescribeResponseKeyValue[]): Record<string, string> => Object.fromEntries(list.map((e) => [e.key, e.value]));
const topicInfo = (t: StreamsGroupDescribeResponseTopicInfo): StreamsTopicInfo => ({ name: t.name, partitions: t.partitions, replicationFactor: t.replicationFactor, configs: kv(t.topicConfigs) });
const tasks = (a: StreamsGroupDescribeResponseAssignment): StreamsMemberAssignment => ({
  activeTasks: a.activeTasks.map((t) => ({ subtopologyId: t.subtopologyId, partitions: t.partitions })),
  standbyTasks: a.standbyTasks.map((t) => ({ subtopologyId: t.subtopologyId, partitions: t.partitions })),
  warmupTasks: a.warmupTasks.map((t) => ({ subtopologyId: t.subtopologyId, partitions: t.partitions })),
});

/** One group of a StreamsGroupDescribe answer, as the Admin returns it. */
export function toStreamsGroupDescription(g: StreamsGroupDescribeResponseDescribedGroup, coordinator: Node | null, includeOps: boolean): StreamsGroupDescription {
  const d: StreamsGroupDescription = {
    groupId: g.groupId,
    type: 'streams',
    state: g.groupState,
    coordinator,
    groupEpoch: g.groupEpoch,
    targetAssignmentEpoch: g.assignmentEpoch,
    topologyEpoch: g.topology ? g.topology.epoch : -1,
    subtopologies:
      g.topology?.subtopologies?.map((s) => ({
        subtopologyId: s.subtopologyId,
        sourceTopics: s.sourceTopics,
        repartitionSinkTopics: s.repartitionSinkTopics,
        stateChangelogTopics: s.stateChangelogTopics.map(topicInfo),
        repartitionSourceTopics: s.repartitionSourceTopics.map(topicInfo),
      })) ?? null,
    members: g.members.map((m) => ({
      memberId: m.memberId,
      memberEpoch: m.memberEpoch,
      groupInstanceId: m.instanceId,
      rackId: m.rackId,
      clientId: m.clientId,
      host: m.clientHost,
      topologyEpoch: m.topologyEpoch,
      processId: m.processId,
      userEndpoint: m.userEndpoint ? { host: m.userEndpoint.host, port: m.userEndpoint.port } : null,
      clientTags: kv(m.clientTags),
      taskOffsets: m.taskOffsets.map((t) => ({ subtopologyId: t.subtopologyId, partition: t.partition, offset: t.offset })),
      taskEndOffsets: m.taskEndOffsets.map((t) => ({ subtopologyId: t.subtopologyId, partition: t.partition, offset: t.offset })),
      assignment: tasks(m.assignment),
      targetAssignment: tasks(m.targetAssignment),
      isClassic: m.isClassic,
    })),
    assignor: g.assignorName ?? null,
  };
  if (includeOps) d.authorizedOperations = decodeOperations(g.authorizedOperations);
  return d;
}

export async function describeStreamsGroups(
  ctx: AdminContext,
  groupIds: string[],
  opts: CallOptions & { includeAuthorizedOperations?: boolean } = {},
): Promise<Array<GroupResult<StreamsGroupDescription>>> {
  const includeOps = opts.includeAuthorizedOperations ?? false;
  const results = await ctx.perItem<StreamsGroupDescription>('DescribeStreamsGroups', groupIds, async (pending) => {
    const out = new Map<string, Result<StreamsGroupDescription>>();
    const groups = await routeToCoordinators(ctx, 'group', pending, out);
    await fanOut(out, groups, (g) => g, async (node, ids) => {
      const coordinator = ctx.brokers.find((b) => b.id === node) ?? null;
      const res = await ctx.pool.request<StreamsGroupDescribeResponse>(node, 'StreamsGroupDescribe', { groupIds: ids, includeAuthorizedOperations: includeOps, includeTopologyDescription: false });
      for (const g of res.groups) {
        out.set(
          g.groupId,
          g.errorCode !== 0
            ? fail(errorFor(g.errorCode, { api: 'StreamsGroupDescribe', broker: node }, `group ${g.groupId}${g.errorMessage ? `: ${g.errorMessage}` : ''}`))
            : ok(toStreamsGroupDescription(g, coordinator, includeOps)),
        );
      }
    });
    return out;
  }, opts);
  return [...new Set(groupIds)].map((groupId) => ({ groupId, ...results.get(groupId)! }));
}
