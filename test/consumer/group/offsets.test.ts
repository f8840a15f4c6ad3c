// OffsetCommit / OffsetFetch against a scripted coordinator: identities,
// per-partition errors named, retries on a moving or loading coordinator.
import { describe, expect, it } from 'vitest';
import { createGroupOffsets } from '../../../src/consumer/group/index.js';
import { KafkaConfigError, KafkaTimeoutError } from '../../../src/errors.js';
import { ErrorCode, KafkaBrokerError } from '../../../src/messages/error-codes.js';
import { tpKey } from '../../../src/consumer/group/contract.js';
import { setup } from './fake-coordinator.js';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

const commitAnswer = (codes: Record<string, number>) => (body: any) => ({
  throttleTimeMs: 0,
  topics: body.topics.map((t: any) => ({ name: t.name, partitions: t.partitions.map((p: any) => ({ partitionIndex: p.partitionIndex, errorCode: codes[`${t.name}:${p.partitionIndex}`] ?? 0 })) })),
});

function fetchAnswer(parts: Array<{ topic: string; partition: number; offset: bigint; epoch?: number; meta?: string | null; error?: number }>, groupError = 0) {
  const topics = [...new Set(parts.map((p) => p.topic))].map((name) => ({
    name,
    partitions: parts.filter((p) => p.topic === name).map((p) => ({ partitionIndex: p.partition, committedOffset: p.offset, committedLeaderEpoch: p.epoch ?? -1, metadata: p.meta ?? null, errorCode: p.error ?? 0 })),
  }));
  return { throttleTimeMs: 0, errorCode: 0, topics: [], groups: [{ groupId: 'g', errorCode: groupError, topics }] };
}

describe('group offsets', () => {
  it('commits outside membership with generation -1 and an empty member id, grouped by topic, with leader epoch and metadata', async () => {
    const { cluster, clock, deps } = setup();
    const offsets = createGroupOffsets(deps);
    const p = offsets.commit(
      new Map([
        [{ topic: 'a', partition: 0 }, { offset: 5n, leaderEpoch: 2, metadata: 'm' }],
        [{ topic: 'a', partition: 1 }, { offset: 6n }],
        [{ topic: 'b', partition: 0 }, { offset: 7n }],
      ]),
    );
    await clock.advance(0);
    await p;
    const body = cluster.sent('OffsetCommit')[0]!.body;
    expect(body).toMatchObject({ groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null });
    // Topics whose ids the metadata does not know: named, and the request kept at v9 (v10 names topics by id only).
    expect(body.topics).toEqual([
      { name: 'a', topicId: ZERO_UUID, partitions: [expect.objectContaining({ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: 2, committedMetadata: 'm' }), expect.objectContaining({ partitionIndex: 1, committedOffset: 6n, committedLeaderEpoch: -1 })] },
      { name: 'b', topicId: ZERO_UUID, partitions: [expect.objectContaining({ partitionIndex: 0, committedOffset: 7n })] },
    ]);
    expect(cluster.sent('OffsetCommit')[0]!.opts?.maxVersion).toBe(9);
  });

  it('names topics by id too once the metadata knows their ids (OffsetCommit and OffsetFetch v10), and reads answers that name them by id only', async () => {
    const { cluster, clock, deps, metadata } = setup();
    cluster.addTopic('a', 2, 'AAAAAAAAAAAAAAAAAAAAAQ');
    cluster.addTopic('b', 1, 'AAAAAAAAAAAAAAAAAAAAAg');
    metadata.want(['a', 'b']);
    await metadata.refresh();
    const offsets = createGroupOffsets(deps);
    // A v10 coordinator: the answer carries ids, and names are empty.
    const byIdOnly = (t: { name: string; topicId: string }) => ({ name: '', topicId: t.topicId });
    cluster.script('OffsetCommit', (body: any) => ({
      throttleTimeMs: 0,
      topics: body.topics.map((t: any) => ({ ...byIdOnly(t), partitions: t.partitions.map((p: any) => ({ partitionIndex: p.partitionIndex, errorCode: t.name === 'b' ? ErrorCode.OFFSET_METADATA_TOO_LARGE : 0 })) })),
    }));
    const commit = offsets.commit(new Map([[{ topic: 'a', partition: 1 }, { offset: 5n }], [{ topic: 'b', partition: 0 }, { offset: 6n }]]));
    const committed = expect(commit).rejects.toThrow(/OFFSET_METADATA_TOO_LARGE.*topic b, partition 0/);
    await clock.advance(0);
    await committed;
    const sent = cluster.sent('OffsetCommit')[0]!;
    expect(sent.opts?.maxVersion).toBeUndefined();
    expect(sent.body.topics.map((t: any) => [t.name, t.topicId])).toEqual([['a', 'AAAAAAAAAAAAAAAAAAAAAQ'], ['b', 'AAAAAAAAAAAAAAAAAAAAAg']]);

    cluster.script('OffsetFetch', (body: any) => ({
      throttleTimeMs: 0, errorCode: 0, topics: [],
      groups: [{ groupId: 'g', errorCode: 0, topics: body.groups[0].topics.map((t: any) => ({ ...byIdOnly(t), partitions: t.partitionIndexes.map((i: number) => ({ partitionIndex: i, committedOffset: t.name === 'a' ? 5n : 6n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 })) })) }],
    }));
    const fetched = offsets.fetchCommitted([{ topic: 'a', partition: 1 }, { topic: 'b', partition: 0 }]);
    await clock.advance(0);
    expect([...(await fetched)].map(([k, v]) => [k, v?.offset])).toEqual([[tpKey('a', 1), 5n], [tpKey('b', 0), 6n]]);
    expect(cluster.sent('OffsetFetch')[0]!.opts?.maxVersion).toBeUndefined();
  });

  it('says which ACL is missing: the topic one or the group one', async () => {
    const { cluster, clock, deps } = setup();
    const offsets = createGroupOffsets(deps);
    cluster.script('OffsetCommit', commitAnswer({ 'secret:3': ErrorCode.TOPIC_AUTHORIZATION_FAILED }), commitAnswer({ 'a:0': ErrorCode.GROUP_AUTHORIZATION_FAILED }));
    const p1 = offsets.commit(new Map([[{ topic: 'secret', partition: 3 }, { offset: 1n }]]));
    const c1 = expect(p1).rejects.toThrow(/TOPIC_AUTHORIZATION_FAILED.*group g, topic secret, partition 3.*topic ACL is missing.*group ACL is fine/);
    await clock.advance(0);
    await c1;
    const p2 = offsets.commit(new Map([[{ topic: 'a', partition: 0 }, { offset: 1n }]]));
    const c2 = expect(p2).rejects.toThrow(/GROUP_AUTHORIZATION_FAILED.*group g.*group ACL is missing.*READ on Group:g/);
    await clock.advance(0);
    await c2;
  });

  it('retries a commit after NOT_COORDINATOR at the new coordinator, and after COORDINATOR_LOAD_IN_PROGRESS, only for the partitions left', async () => {
    const { cluster, clock, deps } = setup();
    const offsets = createGroupOffsets(deps);
    cluster.script(
      'OffsetCommit',
      (body: any) => {
        cluster.coordinator = 2;
        return commitAnswer({ 'a:1': ErrorCode.NOT_COORDINATOR })(body);
      },
      commitAnswer({ 'a:1': ErrorCode.COORDINATOR_LOAD_IN_PROGRESS }),
    );
    const p = offsets.commit(new Map([[{ topic: 'a', partition: 0 }, { offset: 1n }], [{ topic: 'a', partition: 1 }, { offset: 2n }]]));
    await clock.advance(5000);
    await p;
    const sent = cluster.sent('OffsetCommit');
    expect(sent.map((s) => s.node)).toEqual([1, 2, 2]);
    expect(sent[1]!.body.topics[0].partitions.map((x: any) => x.partitionIndex)).toEqual([1]);
  });

  it('gives up a retriable failure after defaultApiTimeoutMs with the last error', async () => {
    const { cluster, clock, deps } = setup({ defaultApiTimeoutMs: 3000 });
    cluster.defaults.set('OffsetCommit', commitAnswer({ 'a:0': ErrorCode.COORDINATOR_LOAD_IN_PROGRESS }));
    const p = createGroupOffsets(deps).commit(new Map([[{ topic: 'a', partition: 0 }, { offset: 1n }]]));
    const check = expect(p).rejects.toBeInstanceOf(KafkaTimeoutError);
    await clock.advance(10_000);
    await check;
    await expect(p).rejects.toThrow(/defaultApiTimeoutMs.*COORDINATOR_LOAD_IN_PROGRESS/);
  });

  it('rejects offsets that are not bigint ≥ 0 at once', async () => {
    const { deps } = setup();
    const offsets = createGroupOffsets(deps);
    await expect(offsets.commit(new Map([[{ topic: 'a', partition: 0 }, { offset: 5 as unknown as bigint }]]))).rejects.toBeInstanceOf(KafkaConfigError);
    await expect(offsets.commit(new Map([[{ topic: 'a', partition: -1 }, { offset: 5n }]]))).rejects.toBeInstanceOf(KafkaConfigError);
  });

  it('fetches committed offsets: -1 is null, epochs and metadata kept, unstable offsets retried', async () => {
    const { cluster, clock, deps } = setup();
    cluster.script(
      'OffsetFetch',
      fetchAnswer([{ topic: 'a', partition: 0, offset: -1n, error: ErrorCode.UNSTABLE_OFFSET_COMMIT }]),
      fetchAnswer([
        { topic: 'a', partition: 0, offset: 10n, epoch: 4, meta: 'hi' },
        { topic: 'a', partition: 1, offset: -1n },
      ]),
    );
    const p = createGroupOffsets(deps).fetchCommitted([{ topic: 'a', partition: 0 }, { topic: 'a', partition: 1 }]);
    await clock.advance(5000);
    const got = await p;
    expect(got.get('a:0')).toEqual({ offset: 10n, leaderEpoch: 4, metadata: 'hi' });
    expect(got.get('a:1')).toBeNull();
    const sent = cluster.sent('OffsetFetch');
    expect(sent).toHaveLength(2);
    expect(sent[0]!.body.requireStable).toBe(true);
    expect(sent[0]!.body.groups[0]).toMatchObject({ groupId: 'g', memberId: null, memberEpoch: -1, topics: [{ name: 'a', partitionIndexes: [0, 1] }] });
  });

  it('a group-level OffsetFetch error names the group', async () => {
    const { cluster, clock, deps } = setup();
    cluster.script('OffsetFetch', fetchAnswer([], ErrorCode.GROUP_AUTHORIZATION_FAILED));
    const p = createGroupOffsets(deps).fetchCommitted([{ topic: 'a', partition: 0 }]);
    const check = expect(p).rejects.toSatisfy((e: unknown) => e instanceof KafkaBrokerError && e.errorName === 'GROUP_AUTHORIZATION_FAILED' && /group g/.test(e.message));
    await clock.advance(0);
    await check;
  });
});
