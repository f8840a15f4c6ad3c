// The Admin against a scripted broker, for what a real one cannot be made to
// do on cue: a coordinator that is not ready yet, a leader that moved. Checks
// that only the retriable items are retried, and that the others keep their answer.
import { afterEach, describe, expect, it } from 'vitest';
import { Admin } from '../../src/admin/admin.js';
import { ErrorCode, type KafkaBrokerError } from '../../src/messages/error-codes.js';
import type { DeleteGroupsRequest, FindCoordinatorRequest, ListOffsetsRequest, MetadataRequest, OffsetFetchRequest } from '../../src/messages/generated/index.js';
import { responseFrame, startFakeBroker, type FakeBroker, type FakeRequest } from '../network/fake-broker.js';

const ZERO_ID = 'AAAAAAAAAAAAAAAAAAAAAA';
let broker: FakeBroker | null = null;
let admin: Admin | null = null;
afterEach(async () => {
  await admin?.close();
  await broker?.close();
  admin = broker = null;
});

/** A one-broker cluster; `script` answers the calls under test and returns false for anything else. */
async function cluster(script: (req: FakeRequest, reply: (body: unknown) => void) => boolean): Promise<FakeBroker> {
  const b: FakeBroker = await startFakeBroker((req) => {
    const reply = (body: unknown) => req.socket.write(responseFrame(req, body));
    if (req.api.name === 'Metadata') {
      const m = req.body as MetadataRequest;
      reply({
        throttleTimeMs: 0,
        brokers: [{ nodeId: 1, host: '127.0.0.1', port: b.port, rack: null }],
        clusterId: 'fake',
        controllerId: 1,
        topics: (m.topics ?? []).map((t) => ({
          errorCode: 0, name: t.name, topicId: ZERO_ID, isInternal: false, topicAuthorizedOperations: -2147483648,
          partitions: [0, 1].map((p) => ({ errorCode: 0, partitionIndex: p, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] })),
        })),
        clusterAuthorizedOperations: -2147483648,
      });
      return true;
    }
    return script(req, reply);
  });
  return b;
}

describe('Admin retries against a scripted broker', () => {
  it('deleteConsumerGroups: a coordinator that is loading, then NOT_COORDINATOR for one group; the missing group is not retried', async () => {
    let lookups = 0;
    const deletes: string[][] = [];
    broker = await cluster((req, reply) => {
      if (req.api.name === 'FindCoordinator') {
        const keys = (req.body as FindCoordinatorRequest).coordinatorKeys ?? [];
        lookups++;
        const code = lookups <= 2 ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : 0;
        reply({ throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 1, host: '127.0.0.1', port: broker!.port,
          coordinators: keys.map((key) => ({ key, nodeId: code ? -1 : 1, host: '127.0.0.1', port: broker!.port, errorCode: code, errorMessage: null })) });
        return true;
      }
      if (req.api.name === 'DeleteGroups') {
        const names = (req.body as DeleteGroupsRequest).groupsNames;
        deletes.push(names);
        reply({ throttleTimeMs: 0, results: names.map((groupId) => ({ groupId, errorCode: groupId === 'gone' ? ErrorCode.GROUP_ID_NOT_FOUND : deletes.length === 1 ? ErrorCode.NOT_COORDINATOR : 0, errorMessage: null })) });
        return true;
      }
      return false;
    });
    admin = new Admin({ bootstrapServers: `127.0.0.1:${broker.port}`, retryBackoffMs: 10, retryBackoffMaxMs: 20 });
    const res = await admin.deleteConsumerGroups(['live', 'gone']);
    expect(res[0]).toMatchObject({ groupId: 'live', ok: true });
    expect((res[1]!.error as KafkaBrokerError).errorName).toBe('GROUP_ID_NOT_FOUND');
    expect(deletes).toEqual([['live', 'gone'], ['live']]);
    expect(lookups).toBe(4); // two refusals, the first DeleteGroups, one more after NOT_COORDINATOR
  });

  it('listOffsets: NOT_LEADER_OR_FOLLOWER for one partition is retried alone; a retriable error that never clears ends in KafkaTimeoutError at timeoutMs', async () => {
    const asked: number[][] = [];
    broker = await cluster((req, reply) => {
      if (req.api.name !== 'ListOffsets') return false;
      const parts = (req.body as ListOffsetsRequest).topics[0]!.partitions.map((p) => p.partitionIndex);
      asked.push(parts);
      reply({
        throttleTimeMs: 0,
        topics: [{ name: 't', partitions: parts.map((p) => ({ partitionIndex: p, errorCode: p === 1 && asked.length === 1 ? ErrorCode.NOT_LEADER_OR_FOLLOWER : 0, oldStyleOffsets: [], timestamp: -1n, offset: BigInt(10 + p), leaderEpoch: 0 })) }],
      });
      return true;
    });
    admin = new Admin({ bootstrapServers: `127.0.0.1:${broker.port}`, retryBackoffMs: 10, retryBackoffMaxMs: 20 });
    const res = await admin.listOffsets([{ topic: 't', partition: 0, spec: 'latest' }, { topic: 't', partition: 1, spec: 'latest' }]);
    expect(res.map((r) => r.value?.offset)).toEqual([10n, 11n]);
    expect(asked).toEqual([[0, 1], [1]]);
  });

  it('listConsumerGroupOffsets: one OffsetFetch for the groups one coordinator holds (v8+), one per group below v8; each group keeps its own answer', async () => {
    const fetches: Array<{ version: number; groups: string[] }> = [];
    broker = await cluster((req, reply) => {
      if (req.api.name === 'FindCoordinator') {
        const keys = (req.body as FindCoordinatorRequest).coordinatorKeys ?? [];
        reply({ throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 1, host: '127.0.0.1', port: broker!.port,
          coordinators: keys.map((key) => ({ key, nodeId: 1, host: '127.0.0.1', port: broker!.port, errorCode: 0, errorMessage: null })) });
        return true;
      }
      if (req.api.name !== 'OffsetFetch') return false;
      const body = req.body as OffsetFetchRequest;
      const groups: string[] = req.version >= 8 ? (body.groups ?? []).map((g) => g.groupId ?? '') : [body.groupId ?? ''];
      fetches.push({ version: req.version, groups });
      // 'a' has an offset, 'denied' is refused, 'dropped' is left out of the answer (a broker bug the caller must survive).
      const answer = (groupId: string) => ({
        groupId,
        errorCode: groupId === 'denied' ? ErrorCode.GROUP_AUTHORIZATION_FAILED : 0,
        topics: groupId === 'a' ? [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: 3, metadata: '', errorCode: 0 }] }] : [],
      });
      if (req.version >= 8) reply({ throttleTimeMs: 0, groups: groups.filter((g) => g !== 'dropped').map(answer), errorCode: 0, topics: [] });
      else reply({ throttleTimeMs: 0, errorCode: answer(groups[0]!).errorCode, topics: answer(groups[0]!).topics, groups: [] });
      return true;
    });
    const check = (res: Awaited<ReturnType<Admin['listConsumerGroupOffsets']>>, dropped: 'error' | 'empty') => {
      expect(res.map((r) => r.groupId)).toEqual(['a', 'b', 'denied', 'dropped']);
      expect(res[0]!.value).toEqual([{ topic: 't', partition: 0, offset: 42n, leaderEpoch: 3, metadata: '' }]);
      expect(res[1]!.value).toEqual([]);
      expect((res[2]!.error as KafkaBrokerError).errorName).toBe('GROUP_AUTHORIZATION_FAILED');
      if (dropped === 'error') expect(res[3]!.error!.message).toMatch(/group dropped: broker 1 left the group out of its OffsetFetch answer/);
      else expect(res[3]!.value).toEqual([]);
    };

    admin = new Admin({ bootstrapServers: `127.0.0.1:${broker.port}`, retryBackoffMs: 10, retryBackoffMaxMs: 20 });
    check(await admin.listConsumerGroupOffsets(['a', 'b', 'denied', 'dropped']), 'error');
    expect(fetches).toHaveLength(1);
    expect(fetches[0]!.version).toBeGreaterThanOrEqual(8);
    expect(fetches[0]!.groups.sort()).toEqual(['a', 'b', 'denied', 'dropped']);
    await admin.close();

    fetches.length = 0;
    admin = new Admin({ bootstrapServers: `127.0.0.1:${broker.port}`, retryBackoffMs: 10, retryBackoffMaxMs: 20, versionCaps: { OffsetFetch: 7 } });
    check(await admin.listConsumerGroupOffsets(['a', 'b', 'denied', 'dropped']), 'empty');
    expect(fetches.map((f) => f.version)).toEqual([7, 7, 7, 7]);
    expect(fetches.flatMap((f) => f.groups).sort()).toEqual(['a', 'b', 'denied', 'dropped']);
  });

  it('a retriable error that never clears: KafkaTimeoutError after the call\'s timeoutMs, naming the last error', async () => {
    let tries = 0;
    broker = await cluster((req, reply) => {
      if (req.api.name !== 'FindCoordinator') return false;
      tries++;
      const keys = (req.body as FindCoordinatorRequest).coordinatorKeys ?? [];
      reply({ throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: -1, host: '', port: -1,
        coordinators: keys.map((key) => ({ key, nodeId: -1, host: '', port: -1, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: 'not yet' })) });
      return true;
    });
    admin = new Admin({ bootstrapServers: `127.0.0.1:${broker.port}`, retryBackoffMs: 10, retryBackoffMaxMs: 50 });
    // Long enough for several answered tries even on a loaded machine; the deadline can still cut one off mid-flight.
    const [r] = await admin.describeConsumerGroups(['g'], { timeoutMs: 3000 });
    expect(r!.ok).toBe(false);
    expect(r!.error!.name).toBe('KafkaTimeoutError');
    expect(r!.error!.message).toMatch(/DescribeConsumerGroups for g did not succeed within 3000 ms .*COORDINATOR_NOT_AVAILABLE/);
    expect(tries).toBeGreaterThan(1);
  });
});
