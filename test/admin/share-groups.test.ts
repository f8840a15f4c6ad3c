// Share and streams group Admin calls: request building and response mapping
// as pure functions, then the calls against a scripted broker for routing,
// retries (coordinator moved) and which errors are final.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Admin } from '../../src/admin/admin.js';
import { shareOffsetsRequestGroup, toShareGroupDescription, toSharePartitionOffsets } from '../../src/admin/share-groups.js';
import { toStreamsGroupDescription } from '../../src/admin/streams-groups.js';
import { KafkaConfigError, UnsupportedVersionError } from '../../src/errors.js';
import { ErrorCode, type KafkaBrokerError } from '../../src/messages/error-codes.js';
import type {
  AlterShareGroupOffsetsRequest,
  DeleteShareGroupOffsetsRequest,
  DescribeShareGroupOffsetsRequest,
  DescribeShareGroupOffsetsResponseGroup,
  FindCoordinatorRequest,
  ShareGroupDescribeRequest,
  ShareGroupDescribeResponseDescribedGroup,
  StreamsGroupDescribeRequest,
  StreamsGroupDescribeResponseDescribedGroup,
} from '../../src/messages/generated/index.js';
import { apiVersionsBody, responseFrame, startFakeBroker, type FakeBroker, type FakeRequest } from '../network/fake-broker.js';

const ZERO_ID = 'AAAAAAAAAAAAAAAAAAAAAA';
const NODE = { id: 1, host: 'h', port: 1, rack: null };

function partition(partitionIndex: number, startOffset: bigint, extra: Partial<{ leaderEpoch: number; lag: bigint; errorCode: number; errorMessage: string | null }> = {}) {
  return { partitionIndex, startOffset, leaderEpoch: 3, lag: -1n, errorCode: 0, errorMessage: null, ...extra };
}

describe('share group request building and response mapping', () => {
  it('shareOffsetsRequestGroup: null asks for every partition; partitions are grouped by topic, each once, in the order given', () => {
    expect(shareOffsetsRequestGroup('g', null)).toEqual({ groupId: 'g', topics: null });
    fc.assert(
      fc.property(fc.array(fc.record({ topic: fc.constantFrom('a', 'b', 'c'), partition: fc.nat(5) })), (tps) => {
        const req = shareOffsetsRequestGroup('g', tps);
        const flat = req.topics!.flatMap((t) => t.partitions.map((p) => `${t.topicName}-${p}`));
        expect(new Set(flat).size).toBe(flat.length);
        expect(new Set(flat)).toEqual(new Set(tps.map((tp) => `${tp.topic}-${tp.partition}`)));
        expect(req.topics!.map((t) => t.topicName)).toEqual([...new Set(tps.map((tp) => tp.topic))]);
      }),
    );
  });

  it('toSharePartitionOffsets: sorted; a negative start offset, epoch or lag is null', () => {
    const g: DescribeShareGroupOffsetsResponseGroup = {
      groupId: 'g',
      errorCode: 0,
      errorMessage: null,
      topics: [
        { topicName: 'b', topicId: ZERO_ID, partitions: [partition(1, 7n, { lag: 2n }), partition(0, -1n, { leaderEpoch: -1 })] },
        { topicName: 'a', topicId: ZERO_ID, partitions: [partition(0, 0n, { lag: 0n })] },
      ],
    };
    expect(toSharePartitionOffsets(g, 2)).toEqual({
      ok: true,
      value: [
        { topic: 'a', partition: 0, startOffset: 0n, leaderEpoch: 3, lag: 0n },
        { topic: 'b', partition: 0, startOffset: null, leaderEpoch: null, lag: null },
        { topic: 'b', partition: 1, startOffset: 7n, leaderEpoch: 3, lag: 2n },
      ],
    });
  });

  it('toSharePartitionOffsets: a group error names the group and broker; a partition error is final unless the coordinator moved', () => {
    const groupErr = toSharePartitionOffsets({ groupId: 'g', errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: 'Group g not found.', topics: [] }, 2);
    expect(groupErr.ok).toBe(false);
    expect(groupErr.error!.message).toMatch(/GROUP_ID_NOT_FOUND .*DescribeShareGroupOffsets, broker 2.*group g: Group g not found/);
    const unknown = toSharePartitionOffsets({ groupId: 'g', errorCode: 0, errorMessage: null, topics: [{ topicName: 't', topicId: ZERO_ID, partitions: [partition(4, 0n, { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })] }] }, 2);
    expect((unknown.error as KafkaBrokerError).errorName).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    expect(unknown.error!.retriable).toBe(false);
    expect(unknown.error!.context).toMatchObject({ topic: 't', partition: 4, broker: 2 });
    const moved = toSharePartitionOffsets({ groupId: 'g', errorCode: 0, errorMessage: null, topics: [{ topicName: 't', topicId: ZERO_ID, partitions: [partition(0, 0n, { errorCode: ErrorCode.NOT_COORDINATOR })] }] }, 2);
    expect(moved.error!.retriable).toBe(true);
  });

  it('toShareGroupDescription: members with their partitions; operations only when asked', () => {
    const g: ShareGroupDescribeResponseDescribedGroup = {
      errorCode: 0, errorMessage: null, groupId: 'g', groupState: 'Stable', groupEpoch: 5, assignmentEpoch: 4, assignorName: 'simple',
      members: [{ memberId: 'm1', rackId: null, memberEpoch: 5, clientId: 'c', clientHost: '/127.0.0.1', subscribedTopicNames: ['t', 'u'],
        assignment: { topicPartitions: [{ topicId: ZERO_ID, topicName: 't', partitions: [0, 1] }, { topicId: ZERO_ID, topicName: 'u', partitions: [2] }] } }],
      authorizedOperations: (1 << 3) | (1 << 8),
    };
    const d = toShareGroupDescription(g, NODE, false);
    expect(d).toEqual({
      groupId: 'g', type: 'share', state: 'Stable', partitionAssignor: 'simple', coordinator: NODE, groupEpoch: 5, targetAssignmentEpoch: 4,
      members: [{ memberId: 'm1', clientId: 'c', host: '/127.0.0.1', rackId: null, memberEpoch: 5, subscribedTopics: ['t', 'u'],
        assignment: [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }, { topic: 'u', partition: 2 }] }],
    });
    expect(toShareGroupDescription(g, NODE, true).authorizedOperations).toEqual(['READ', 'DESCRIBE']);
  });

  it('toStreamsGroupDescription: topology, members and tasks; a group without a topology has epoch -1 and no subtopologies', () => {
    const emptyAssignment = { activeTasks: [], standbyTasks: [], warmupTasks: [] };
    const g: StreamsGroupDescribeResponseDescribedGroup = {
      errorCode: 0, errorMessage: null, groupId: 's', groupState: 'Stable', groupEpoch: 3, assignmentEpoch: 3,
      topology: { epoch: 1, subtopologies: [{ subtopologyId: '0', sourceTopics: ['in'], repartitionSinkTopics: [], repartitionSourceTopics: [],
        stateChangelogTopics: [{ name: 's-store-changelog', partitions: 0, replicationFactor: 0, topicConfigs: [{ key: 'cleanup.policy', value: 'compact' }] }] }] },
      members: [{ memberId: 'm', memberEpoch: 3, instanceId: null, rackId: null, clientId: 'app-1', clientHost: '/h', topologyEpoch: 1, processId: 'p1',
        userEndpoint: { host: 'h', port: 8080 }, clientTags: [{ key: 'zone', value: 'a' }], taskOffsets: [{ subtopologyId: '0', partition: 0, offset: 10n }], taskEndOffsets: [],
        assignment: { activeTasks: [{ subtopologyId: '0', partitions: [0, 1] }], standbyTasks: [], warmupTasks: [] }, targetAssignment: emptyAssignment, isClassic: false }],
      authorizedOperations: -2147483648, topologyDescriptionStatus: 0, assignorName: 'sticky',
    };
    const d = toStreamsGroupDescription(g, NODE, false);
    expect(d).toMatchObject({ groupId: 's', type: 'streams', topologyEpoch: 1, assignor: 'sticky', coordinator: NODE });
    expect(d.subtopologies![0]!.stateChangelogTopics[0]).toEqual({ name: 's-store-changelog', partitions: 0, replicationFactor: 0, configs: { 'cleanup.policy': 'compact' } });
    expect(d.members[0]).toMatchObject({ processId: 'p1', userEndpoint: { host: 'h', port: 8080 }, clientTags: { zone: 'a' }, assignment: { activeTasks: [{ subtopologyId: '0', partitions: [0, 1] }] } });
    expect(d.members[0]!.taskOffsets).toEqual([{ subtopologyId: '0', partition: 0, offset: 10n }]);
    const bare = toStreamsGroupDescription({ ...g, topology: null, members: [], assignorName: null }, null, false);
    expect(bare).toMatchObject({ topologyEpoch: -1, subtopologies: null, assignor: null, members: [] });
  });
});

let broker: FakeBroker | null = null;
let admin: Admin | null = null;
afterEach(async () => {
  await admin?.close();
  await broker?.close();
  admin = broker = null;
});

/** A one-broker cluster that coordinates every group; `script` answers the calls under test. */
async function cluster(script: (req: FakeRequest, reply: (body: unknown) => void) => boolean, withoutKeys: number[] = []): Promise<FakeBroker> {
  const b: FakeBroker = await startFakeBroker((req) => {
    const reply = (body: unknown) => req.socket.write(responseFrame(req, body));
    switch (req.api.name) {
      case 'ApiVersions': {
        const body = apiVersionsBody() as { apiKeys: Array<{ apiKey: number }> };
        body.apiKeys = body.apiKeys.filter((k) => !withoutKeys.includes(k.apiKey));
        reply(body);
        return true;
      }
      case 'Metadata':
        reply({ throttleTimeMs: 0, errorCode: 0, brokers: [{ nodeId: 1, host: '127.0.0.1', port: b.port, rack: null }], clusterId: 'fake', controllerId: 1, topics: [], clusterAuthorizedOperations: -2147483648 });
        return true;
      case 'FindCoordinator': {
        const keys = (req.body as FindCoordinatorRequest).coordinatorKeys ?? [];
        reply({ throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 1, host: '127.0.0.1', port: b.port,
          coordinators: keys.map((key) => ({ key, nodeId: 1, host: '127.0.0.1', port: b.port, errorCode: 0, errorMessage: null })) });
        return true;
      }
      default:
        return script(req, reply);
    }
  });
  return b;
}

const fast = (port: number) => new Admin({ bootstrapServers: `127.0.0.1:${port}`, retryBackoffMs: 10, retryBackoffMaxMs: 20 });

describe('share and streams group calls against a scripted broker', () => {
  it('describeShareGroups: NOT_COORDINATOR for one group is retried for that group alone; GROUP_ID_NOT_FOUND is final', async () => {
    const asked: string[][] = [];
    broker = await cluster((req, reply) => {
      if (req.api.name !== 'ShareGroupDescribe') return false;
      const ids = (req.body as ShareGroupDescribeRequest).groupIds;
      asked.push(ids);
      reply({ throttleTimeMs: 0, groups: ids.map((groupId) => {
        const errorCode = groupId === 'gone' ? ErrorCode.GROUP_ID_NOT_FOUND : asked.length === 1 ? ErrorCode.NOT_COORDINATOR : 0;
        return { errorCode, errorMessage: null, groupId, groupState: errorCode ? '' : 'Empty', groupEpoch: 1, assignmentEpoch: 1, assignorName: 'simple', members: [], authorizedOperations: -2147483648 };
      }) });
      return true;
    });
    admin = fast(broker.port);
    const [live, gone] = await admin.describeShareGroups(['live', 'gone']);
    expect(live).toMatchObject({ groupId: 'live', ok: true, value: { type: 'share', state: 'Empty', coordinator: { id: 1 } } });
    expect((gone!.error as KafkaBrokerError).errorName).toBe('GROUP_ID_NOT_FOUND');
    expect(gone!.error!.message).toMatch(/ShareGroupDescribe.*broker 1.*group gone/);
    expect(asked).toEqual([['live', 'gone'], ['live']]);
  });

  it('listShareGroupOffsets: (groupId, partitions) asks for those; (groupIds) for everything, several groups in one request', async () => {
    const bodies: DescribeShareGroupOffsetsRequest[] = [];
    broker = await cluster((req, reply) => {
      if (req.api.name !== 'DescribeShareGroupOffsets') return false;
      const body = req.body as DescribeShareGroupOffsetsRequest;
      bodies.push(body);
      reply({ throttleTimeMs: 0, groups: body.groups.map((g) => ({ groupId: g.groupId, errorCode: 0, errorMessage: null,
        topics: [{ topicName: 't', topicId: ZERO_ID, partitions: [partition(0, 5n, { lag: 1n })] }] })) });
      return true;
    });
    admin = fast(broker.port);
    const [one] = await admin.listShareGroupOffsets('g', [{ topic: 't', partition: 0 }, { topic: 'u', partition: 2 }]);
    expect(one).toEqual({ groupId: 'g', ok: true, value: [{ topic: 't', partition: 0, startOffset: 5n, leaderEpoch: 3, lag: 1n }] });
    expect(bodies[0]!.groups).toEqual([{ groupId: 'g', topics: [{ topicName: 't', partitions: [0] }, { topicName: 'u', partitions: [2] }] }]);
    const both = await admin.listShareGroupOffsets(['g1', 'g2'], { timeoutMs: 5000 });
    expect(both.map((r) => [r.groupId, r.ok])).toEqual([['g1', true], ['g2', true]]);
    expect(bodies[1]!.groups).toEqual([{ groupId: 'g1', topics: null }, { groupId: 'g2', topics: null }]);
    await admin.listShareGroupOffsets('g');
    expect(bodies[2]!.groups).toEqual([{ groupId: 'g', topics: null }]);
    await admin.listShareGroupOffsets('g', { timeoutMs: 5000 });
    expect(bodies[3]!.groups).toEqual([{ groupId: 'g', topics: null }]);
  });

  it('alterShareGroupOffsets: a group-level NON_EMPTY_GROUP fails every partition at once; an unknown partition fails alone without retries; a negative offset is refused before sending', async () => {
    const bodies: AlterShareGroupOffsetsRequest[] = [];
    let nonEmpty = true;
    broker = await cluster((req, reply) => {
      if (req.api.name !== 'AlterShareGroupOffsets') return false;
      const body = req.body as AlterShareGroupOffsetsRequest;
      bodies.push(body);
      if (nonEmpty) reply({ throttleTimeMs: 0, errorCode: ErrorCode.NON_EMPTY_GROUP, errorMessage: 'The group is not empty.', responses: [] });
      else reply({ throttleTimeMs: 0, errorCode: 0, errorMessage: null, responses: body.topics.map((t) => ({ topicName: t.topicName, topicId: ZERO_ID,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: p.partitionIndex > 1 ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : 0, errorMessage: null })) })) });
      return true;
    });
    admin = fast(broker.port);
    const refused = await admin.alterShareGroupOffsets('g', [{ topic: 't', partition: 0, offset: 1n }, { topic: 't', partition: 1, offset: 0 }]);
    expect(refused.map((r) => (r.error as KafkaBrokerError).errorName)).toEqual(['NON_EMPTY_GROUP', 'NON_EMPTY_GROUP']);
    expect(refused[0]!.error!.message).toMatch(/AlterShareGroupOffsets.*broker 1.*group g: The group is not empty/);
    nonEmpty = false;
    const res = await admin.alterShareGroupOffsets('g', [{ topic: 't', partition: 0, offset: 1n }, { topic: 't', partition: 9, offset: 0n }]);
    expect(res.map((r) => r.ok)).toEqual([true, false]);
    expect(res[1]!.error).toMatchObject({ errorName: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: false });
    expect(bodies).toHaveLength(2);
    expect(bodies[1]!.topics).toEqual([{ topicName: 't', partitions: [{ partitionIndex: 0, startOffset: 1n }, { partitionIndex: 9, startOffset: 0n }] }]);
    await expect(admin.alterShareGroupOffsets('g', [{ topic: 't', partition: 0, offset: -1n }])).rejects.toBeInstanceOf(KafkaConfigError);
    await expect(admin.alterShareGroupOffsets('g', [{ topic: 't', partition: 0, offset: 1.5 }])).rejects.toBeInstanceOf(KafkaConfigError);
    expect(bodies).toHaveLength(2);
  });

  it('deleteShareGroupOffsets: one result per topic, duplicates asked once; COORDINATOR_LOAD_IN_PROGRESS is retried', async () => {
    const bodies: DeleteShareGroupOffsetsRequest[] = [];
    broker = await cluster((req, reply) => {
      if (req.api.name !== 'DeleteShareGroupOffsets') return false;
      const body = req.body as DeleteShareGroupOffsetsRequest;
      bodies.push(body);
      if (bodies.length === 1) reply({ throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, errorMessage: null, responses: [] });
      else reply({ throttleTimeMs: 0, errorCode: 0, errorMessage: null, responses: body.topics.map((t) => ({ topicName: t.topicName, topicId: ZERO_ID,
        errorCode: t.topicName === 'nope' ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : 0, errorMessage: null })) });
      return true;
    });
    admin = fast(broker.port);
    const res = await admin.deleteShareGroupOffsets('g', ['t', 'nope', 't']);
    expect(res.map((r) => [r.topic, r.ok])).toEqual([['t', true], ['nope', false]]);
    expect(res[1]!.error!.message).toMatch(/UNKNOWN_TOPIC_OR_PARTITION .*DeleteShareGroupOffsets, broker 1, topic nope/);
    expect(bodies.map((b) => b.topics.map((t) => t.topicName))).toEqual([['t', 'nope'], ['t', 'nope']]);
  });

  it('describeStreamsGroups: asks without the topology description; a group that is not a streams group fails with GROUP_ID_NOT_FOUND naming it', async () => {
    const bodies: StreamsGroupDescribeRequest[] = [];
    broker = await cluster((req, reply) => {
      if (req.api.name !== 'StreamsGroupDescribe') return false;
      const body = req.body as StreamsGroupDescribeRequest;
      bodies.push(body);
      reply({ throttleTimeMs: 0, groups: body.groupIds.map((groupId) => ({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} is not a streams group.`, groupId, groupState: '',
        groupEpoch: 0, assignmentEpoch: 0, topology: null, members: [], authorizedOperations: -2147483648, topologyDescription: null, topologyDescriptionStatus: 0, assignorName: null })) });
      return true;
    });
    admin = fast(broker.port);
    const [r] = await admin.describeStreamsGroups(['plain']);
    expect((r!.error as KafkaBrokerError).errorName).toBe('GROUP_ID_NOT_FOUND');
    expect(r!.error!.message).toMatch(/StreamsGroupDescribe, broker 1/);
    expect(r!.error!.message).toContain('Group plain is not a streams group.');
    expect(bodies[0]).toMatchObject({ groupIds: ['plain'], includeAuthorizedOperations: false, includeTopologyDescription: false });
  });

  it('a broker without the share group APIs: UnsupportedVersionError naming the API, not retried', async () => {
    broker = await cluster(() => false, [77, 90]);
    admin = fast(broker.port);
    const [d] = await admin.describeShareGroups(['g']);
    expect(d!.error).toBeInstanceOf(UnsupportedVersionError);
    expect(d!.error!.message).toMatch(/ShareGroupDescribe/);
    const [o] = await admin.listShareGroupOffsets('g');
    expect(o!.error).toBeInstanceOf(UnsupportedVersionError);
    expect(broker.requests.filter((r) => r.api.name === 'FindCoordinator')).toHaveLength(2);
  });
});
