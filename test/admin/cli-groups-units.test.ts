// `kafkawire groups describe` on a streams group, in process against a
// scripted broker (a real streams group needs a Kafka Streams app): the
// consumer-group view finds no classic or KIP-848 group, so the command
// describes it as a streams group, whether or not it has committed offsets.
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { main } from '../../src/cli/main.js';
import { ErrorCode } from '../../src/messages/error-codes.js';
import type { ConsumerGroupDescribeRequest, DescribeGroupsRequest, FindCoordinatorRequest, ShareGroupDescribeRequest, StreamsGroupDescribeRequest } from '../../src/messages/generated/index.js';
import { apiVersionsBody, responseFrame, startFakeBroker, type FakeBroker } from '../network/fake-broker.js';
import { io } from './cli-io.js';

const ZERO_ID = 'AAAAAAAAAAAAAAAAAAAAAA';
let broker: FakeBroker | null = null;
afterEach(async () => {
  await broker?.close();
  broker = null;
});

const notFound = (groupId: string, what: string) => ({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} is not a ${what} group.`, groupId });

/** One broker coordinating group 'app', a streams group; with `committed`, the group has committed offset 5 in in-0 (end offset 8). */
async function streamsCluster(committed: boolean): Promise<FakeBroker> {
  const b: FakeBroker = await startFakeBroker((req) => {
    const reply = (body: unknown) => req.socket.write(responseFrame(req, body));
    switch (req.api.name) {
      case 'ApiVersions':
        reply(apiVersionsBody({ 9: [0, 7] })); // OffsetFetch with the topics at the top level
        return true;
      case 'Metadata':
        reply({ throttleTimeMs: 0, errorCode: 0, brokers: [{ nodeId: 1, host: '127.0.0.1', port: b.port, rack: null }], clusterId: 'fake', controllerId: 1, clusterAuthorizedOperations: -2147483648,
          topics: [{ errorCode: 0, name: 'in', topicId: ZERO_ID, isInternal: false, topicAuthorizedOperations: -2147483648,
            partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }] }] });
        return true;
      case 'FindCoordinator': {
        const keys = (req.body as FindCoordinatorRequest).coordinatorKeys ?? [];
        reply({ throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 1, host: '127.0.0.1', port: b.port,
          coordinators: keys.map((key) => ({ key, nodeId: 1, host: '127.0.0.1', port: b.port, errorCode: 0, errorMessage: null })) });
        return true;
      }
      case 'ConsumerGroupDescribe':
        reply({ throttleTimeMs: 0, groups: (req.body as ConsumerGroupDescribeRequest).groupIds.map((g) => ({ ...notFound(g, 'consumer'), groupState: '', groupEpoch: 0, assignmentEpoch: 0, assignorName: '', members: [], authorizedOperations: -2147483648 })) });
        return true;
      case 'DescribeGroups':
        reply({ throttleTimeMs: 0, groups: (req.body as DescribeGroupsRequest).groups.map((groupId) => ({ errorCode: 0, errorMessage: null, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [], authorizedOperations: -2147483648 })) });
        return true;
      case 'OffsetFetch':
        reply({ throttleTimeMs: 0, errorCode: 0, groups: [],
          topics: committed ? [{ name: 'in', partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 }] }] : [] });
        return true;
      case 'ListOffsets':
        reply({ throttleTimeMs: 0, topics: [{ name: 'in', partitions: [{ partitionIndex: 0, errorCode: 0, oldStyleOffsets: [], timestamp: -1n, offset: 8n, leaderEpoch: 0 }] }] });
        return true;
      case 'ShareGroupDescribe':
        reply({ throttleTimeMs: 0, groups: (req.body as ShareGroupDescribeRequest).groupIds.map((g) => ({ ...notFound(g, 'share'), groupState: '', groupEpoch: 0, assignmentEpoch: 0, assignorName: '', members: [], authorizedOperations: -2147483648 })) });
        return true;
      case 'StreamsGroupDescribe':
        reply({ throttleTimeMs: 0, groups: (req.body as StreamsGroupDescribeRequest).groupIds.map((groupId) => groupId !== 'app'
          ? { ...notFound(groupId, 'streams'), groupState: '', groupEpoch: 0, assignmentEpoch: 0, topology: null, members: [], authorizedOperations: -2147483648, topologyDescription: null, topologyDescriptionStatus: 0, assignorName: null }
          : { errorCode: 0, errorMessage: null, groupId, groupState: 'Stable', groupEpoch: 4, assignmentEpoch: 4,
            topology: { epoch: 2, subtopologies: [{ subtopologyId: '0', sourceTopics: ['in'], repartitionSinkTopics: [], stateChangelogTopics: [], repartitionSourceTopics: [] }] },
            members: [{ memberId: 'm-1', memberEpoch: 4, instanceId: null, rackId: null, clientId: 'app-StreamThread-1', clientHost: '/10.0.0.1', topologyEpoch: 2, processId: 'proc-a', userEndpoint: null,
              clientTags: [], taskOffsets: [], taskEndOffsets: [], assignment: { activeTasks: [{ subtopologyId: '0', partitions: [0, 1] }], standbyTasks: [], warmupTasks: [] },
              targetAssignment: { activeTasks: [], standbyTasks: [], warmupTasks: [] }, isClassic: false }],
            authorizedOperations: -2147483648, topologyDescription: null, topologyDescriptionStatus: 0, assignorName: 'sticky' }) });
        return true;
      default:
        return false;
    }
  });
  return b;
}

describe('groups describe on a streams group (scripted broker)', () => {
  it.each([false, true])('committed offsets: %s — header, members and their active tasks; --json', async (committed) => {
    broker = await streamsCluster(committed);
    const b = ['--bootstrap', `127.0.0.1:${broker.port}`];
    const t = io();
    expect(await main(['groups', 'describe', 'app', ...b], t.io)).toBe(EXIT.OK);
    expect(t.err()).toBe('');
    expect(t.out()).toMatch(/^Group: app {2}State: Stable {2}Type: streams {2}Assignor: sticky {2}Members: 1 {2}Coordinator: 1 {2}Topology epoch: 2\n/);
    expect(t.out()).toMatch(/ {2}MEMBER\s+HOST\s+CLIENT-ID\s+PROCESS-ID\s+ACTIVE-TASKS\s+STANDBY-TASKS\n {2}m-1\s+\/10\.0\.0\.1\s+app-StreamThread-1\s+proc-a\s+0_0,0_1\s+-\n/);
    const j = io();
    expect(await main(['groups', 'describe', 'app', '--json', ...b], j.io)).toBe(EXIT.OK);
    expect(JSON.parse(j.out())).toMatchObject({ groupId: 'app', type: 'streams', state: 'Stable', members: 1, topologyEpoch: 2, subtopologies: [{ subtopologyId: '0', sourceTopics: ['in'] }] });
  });

  it('a group that is none of consumer, share or streams: the consumer-group error, exit 1', async () => {
    broker = await streamsCluster(false);
    const t = io();
    expect(await main(['groups', 'describe', 'other', '--bootstrap', `127.0.0.1:${broker.port}`], t.io)).toBe(EXIT.FAILED);
    expect(t.err()).toMatch(/^kafkawire: error: GROUP_ID_NOT_FOUND .*DescribeGroups.*group other/);
    expect(t.out()).toBe('');
  });
});
