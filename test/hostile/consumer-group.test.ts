// A consumer group member (the kafkawire Consumer with subscribe()) against a
// broker whose group and offset answers are well-formed but wrong:
// FindCoordinator naming a broker that is not in the metadata or a port with
// nothing behind it, JoinGroup with a forged member count, SyncGroup with
// garbage assignment bytes, OffsetFetch with negative or absurd offsets,
// ListOffsets answering for partitions never asked about. The hostile broker
// (test/hostile/hostile-broker.ts) plays a one-broker cluster and, through
// serve(), a coordinator for a group of one. Each case: poll() returns records,
// nothing, or rejects with a typed KafkaError, within a deadline; once the
// broker answers well again the member joins and the records arrive; no crash
// (an unhandled rejection fails the run) and no allocation out of proportion.
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeAssignment, encodeAssignment } from '../../src/consumer/assignors/index.js';
import { Consumer, type ConsumerRecord } from '../../src/consumer/index.js';
import { KafkaError } from '../../src/errors.js';
import { ErrorCode } from '../../src/messages/error-codes.js';
import type { FetchRequest, FetchResponse, JoinGroupResponse, ListOffsetsResponse, MetadataResponse, OffsetFetchResponse, SyncGroupResponse } from '../../src/messages/generated/index.js';
import { encodeRecordBatch } from '../../src/records/batch.js';
import { fakeTopicId, type FakeRequest } from '../network/fake-broker.js';
import { frameOf, memoryNow, splice, startHostileBroker, type HostileBroker } from './hostile-broker.js';

const TOPIC = 'hostile';
const TOPIC_ID = fakeTopicId(TOPIC);
const GROUP = 'hostile-group';
const MEMORY_BUDGET = 48 * 1024 * 1024;
/** Upper bound on any wait here: a hang fails the test instead of stalling the run. */
const DEADLINE_MS = 20_000;
/** The consumer's defaultApiTimeoutMs: calls that retry give up after this. */
const API_TIMEOUT_MS = 8000;

let hb: HostileBroker;
let consumer: Consumer;
let memoryBefore = 0;
/** Partition 0's log (partition 1 stays empty): one batch per append. */
let batches: Array<{ base: bigint; count: number; bytes: Buffer }>;
/** Offsets committed to the group, by partition. */
let committed: Map<number, bigint>;
let generation = 0;
let members = 0;
/** The assignment the leader (our member, the only one) sent in its last SyncGroup. */
let lastAssignment: Uint8Array = new Uint8Array(0);
/** Errors poll() threw, all checked to be KafkaErrors (the first 50, for the failure message: a stuck consumer throws at every poll). */
let pollErrors: unknown[];
const keepError = (e: unknown) => void (pollErrors.length < 50 && pollErrors.push(e));

const end = () => batches.reduce((n, b) => n + BigInt(b.count), 0n);

function append(values: string[]): void {
  const base = end();
  batches.push({ base, count: values.length, bytes: encodeRecordBatch(values.map((v) => ({ key: null, value: Buffer.from(v) })), { baseOffset: base }) });
}

type Body = Record<string, any>;

/** Good answers of a one-broker cluster that coordinates a group of one member (which always leads). */
function serveGroup(): void {
  hb.serve('FindCoordinator', () => ({
    throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 1, host: '127.0.0.1', port: hb.port,
    coordinators: [{ key: GROUP, nodeId: 1, host: '127.0.0.1', port: hb.port, errorCode: 0, errorMessage: null }],
  }));
  hb.serve('JoinGroup', (req): JoinGroupResponse => {
    const b = req.body as Body;
    const memberId = b.memberId || `member-${++members}`;
    return {
      throttleTimeMs: 0, errorCode: 0, generationId: ++generation, protocolType: 'consumer', protocolName: b.protocols[0].name,
      leader: memberId, skipAssignment: false, memberId, members: [{ memberId, groupInstanceId: null, metadata: b.protocols[0].metadata }],
    };
  });
  hb.serve('SyncGroup', (req): SyncGroupResponse => {
    const b = req.body as Body;
    const mine = (b.assignments as Array<{ memberId: string; assignment: Uint8Array }>).find((a) => a.memberId === b.memberId);
    if (mine) lastAssignment = mine.assignment;
    return { throttleTimeMs: 0, errorCode: 0, protocolType: 'consumer', protocolName: b.protocolName, assignment: lastAssignment };
  });
  hb.serve('Heartbeat', () => ({ throttleTimeMs: 0, errorCode: 0 }));
  hb.serve('LeaveGroup', () => ({ throttleTimeMs: 0, errorCode: 0, members: [] }));
  hb.serve('OffsetCommit', (req) => {
    const b = req.body as Body;
    return {
      throttleTimeMs: 0,
      topics: b.topics.map((t: Body) => ({
        name: t.name, topicId: t.topicId,
        partitions: t.partitions.map((p: Body) => {
          committed.set(p.partitionIndex, p.committedOffset);
          return { partitionIndex: p.partitionIndex, errorCode: 0 };
        }),
      })),
    };
  });
  hb.serve('OffsetFetch', (req): OffsetFetchResponse => {
    const b = req.body as Body;
    // v8+ asks per group; older versions at the top level. Answer both ways: the encoder writes what the version has.
    const asked: Body[] = b.groups?.[0]?.topics ?? b.topics ?? [];
    const topics = asked.map((t) => ({
      name: t.name, topicId: t.topicId,
      partitions: (t.partitionIndexes as number[]).map((partitionIndex) => ({ partitionIndex, committedOffset: committed.get(partitionIndex) ?? -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 })),
    }));
    return { throttleTimeMs: 0, errorCode: 0, topics, groups: [{ groupId: GROUP, errorCode: 0, topics }] };
  });
  hb.serve('ListOffsets', (req): ListOffsetsResponse => {
    const b = req.body as Body;
    return {
      throttleTimeMs: 0,
      topics: b.topics.map((t: Body) => ({
        name: t.name,
        partitions: t.partitions.map((p: Body) => ({
          partitionIndex: p.partitionIndex, errorCode: 0, oldStyleOffsets: [], timestamp: -1n, leaderEpoch: 0,
          offset: p.timestamp === -2n || p.partitionIndex !== 0 ? 0n : end(),
        })),
      })),
    };
  });
  hb.serve('OffsetForLeaderEpoch', (req) => {
    const b = req.body as Body;
    return {
      throttleTimeMs: 0,
      topics: b.topics.map((t: Body) => ({ topic: t.topic, partitions: t.partitions.map((p: Body) => ({ errorCode: 0, partition: p.partition, leaderEpoch: p.leaderEpoch, endOffset: p.partition === 0 ? end() : 0n })) })),
    };
  });
  hb.serve('Fetch', (req): FetchResponse => {
    const b = req.body as FetchRequest;
    return {
      throttleTimeMs: 0, errorCode: 0, sessionId: 0, nodeEndpoints: [],
      responses: b.topics.map((t) => ({
        topic: TOPIC, topicId: TOPIC_ID,
        partitions: t.partitions.map((p) => {
          const hw = p.partition === 0 ? end() : 0n;
          // A broker refuses a fetch offset outside the log (the consumer then resets with autoOffsetReset).
          const outside = p.fetchOffset < 0n || p.fetchOffset > hw;
          const from = p.partition === 0 && !outside ? batches.filter((x) => x.base + BigInt(x.count) > p.fetchOffset) : [];
          return {
            partitionIndex: p.partition, errorCode: outside ? ErrorCode.OFFSET_OUT_OF_RANGE : 0, highWatermark: hw, lastStableOffset: hw, logStartOffset: 0n,
            abortedTransactions: null, preferredReadReplica: -1, records: from.length ? Buffer.concat(from.map((x) => x.bytes)) : null,
          };
        }),
      })),
    };
  });
}

async function startConsumer(): Promise<void> {
  consumer = new Consumer({
    bootstrapServers: hb.bootstrap,
    groupId: GROUP,
    autoOffsetReset: 'earliest',
    enableAutoCommit: false,
    fetchMaxWaitMs: 50,
    heartbeatIntervalMs: 100,
    sessionTimeoutMs: 6000,
    maxPollIntervalMs: 5000,
    requestTimeoutMs: 2000,
    defaultApiTimeoutMs: API_TIMEOUT_MS,
    retryBackoffMs: 10,
    retryBackoffMaxMs: 100,
    reconnectBackoffMs: 10,
    reconnectBackoffMaxMs: 100,
  });
  consumer.subscribe([TOPIC]);
}

/** Polls until `count` records came; every rejection must be a KafkaError. Fails as a hang after the deadline. */
async function readValues(count: number, what: string): Promise<string[]> {
  const out: ConsumerRecord[] = [];
  const until = Date.now() + DEADLINE_MS;
  while (out.length < count) {
    if (Date.now() > until) throw new Error(`hang: ${what}: ${out.length} of ${count} records after ${DEADLINE_MS} ms; errors: ${[...new Set(pollErrors.map(String))].join('; ')}`);
    try {
      out.push(...(await consumer.poll(100)));
    } catch (e) {
      keepError(e);
      expect(e, `${what}: poll rejected with ${String(e)}`).toBeInstanceOf(KafkaError);
    }
  }
  return out.map((r) => r.value!.toString());
}

/** The promise's outcome within the deadline: a value, or a rejection that must be a KafkaError. */
async function settle<T>(p: Promise<T>, what: string): Promise<{ ok: true; value: T } | { ok: false; error: KafkaError }> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: ${what} did not settle within ${DEADLINE_MS} ms`)), DEADLINE_MS);
  });
  try {
    return await Promise.race([
      p.then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => {
          expect(error, `${what}: ${String(error)}`).toBeInstanceOf(KafkaError);
          return { ok: false as const, error: error as KafkaError };
        },
      ),
      hang,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls (every rejection a KafkaError, any records kept) until cond holds; fails as a hang after the deadline. */
async function pollUntil(cond: () => boolean, what: string): Promise<string[]> {
  const out: ConsumerRecord[] = [];
  const until = Date.now() + DEADLINE_MS;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`hang: ${what} within ${DEADLINE_MS} ms; errors: ${[...new Set(pollErrors.map(String))].join('; ')}`);
    try {
      out.push(...(await consumer.poll(50)));
    } catch (e) {
      keepError(e);
      expect(e, `${what}: poll rejected with ${String(e)}`).toBeInstanceOf(KafkaError);
    }
  }
  return out.map((r) => r.value!.toString());
}

/** A member that joined, read the first record and committed past it, so a later generation starts after it. */
async function warm(): Promise<void> {
  append(['w']);
  await startConsumer();
  expect(await readValues(1, 'warm-up')).toEqual(['w']);
  await consumer.commitSync();
  expect(committed.get(0)).toBe(1n);
}

/**
 * Ends the current generation (the next heartbeat is told to rejoin) and polls
 * until the faults queued for `api` have all been served to the rejoining member.
 */
async function rebalanceThrough(api: string): Promise<void> {
  hb.fault('Heartbeat', () => ({ body: { throttleTimeMs: 0, errorCode: ErrorCode.REBALANCE_IN_PROGRESS } }));
  expect(await pollUntil(() => hb.pending(api) === 0, `the rejoin meeting every ${api} fault`)).toEqual([]);
}

/** A local port with nothing listening on it. */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

beforeEach(async () => {
  batches = [];
  committed = new Map();
  generation = 0;
  members = 0;
  lastAssignment = new Uint8Array(0);
  pollErrors = [];
  hb = await startHostileBroker({ topics: { [TOPIC]: 2 } });
  serveGroup();
  memoryBefore = memoryNow();
});

afterEach(async () => {
  await consumer?.close({ timeoutMs: 5000 });
  await hb.close();
  expect(memoryNow() - memoryBefore, 'heap + buffers grew').toBeLessThan(MEMORY_BUDGET);
});

describe('hostile FindCoordinator answers to a group member', () => {
  it('a coordinator that is not a broker in the metadata (node 9): typed errors or nothing, then the member joins on the next good answer', async () => {
    const notABroker = (_req: FakeRequest, good: unknown) => {
      const g = structuredClone(good) as Body;
      g.nodeId = 9;
      for (const c of g.coordinators) c.nodeId = 9;
      return { body: g };
    };
    hb.fault('FindCoordinator', notABroker, notABroker, notABroker);
    append(['c1']);
    await startConsumer();
    expect(await readValues(1, 'the record after three answers naming node 9')).toEqual(['c1']);
    expect(hb.pending('FindCoordinator'), 'faults not served').toBe(0);
    expect(hb.count('JoinGroup')).toBeGreaterThan(0);
  });

  it('a coordinator (node 2) whose port has nothing behind it: the member looks again and joins on the next good answer', async () => {
    const port = await deadPort();
    const withDeadBroker = (_req: FakeRequest, good: unknown) => {
      const g = structuredClone(good) as MetadataResponse;
      g.brokers.push({ nodeId: 2, host: '127.0.0.1', port, rack: null });
      return { body: g };
    };
    // Node 2 is in the metadata from the start (until the faults run out), at the dead port.
    hb.fault('Metadata', ...Array.from({ length: 6 }, () => withDeadBroker));
    const toDead = (_req: FakeRequest, good: unknown) => {
      const g = structuredClone(good) as Body;
      Object.assign(g, { nodeId: 2, port });
      for (const c of g.coordinators) Object.assign(c, { nodeId: 2, port });
      return { body: g };
    };
    hb.fault('FindCoordinator', toDead, toDead);
    append(['d1']);
    await startConsumer();
    expect(await readValues(1, 'the record after two answers naming the dead port')).toEqual(['d1']);
    expect(hb.pending('FindCoordinator'), 'faults not served').toBe(0);
  });

  it('a coordinator moved to a broker that is not in the metadata while the member is stable: commits fail typed or wait, then land', async () => {
    append(['w']);
    await startConsumer();
    expect(await readValues(1, 'warm-up')).toEqual(['w']);
    const notABroker = (_req: FakeRequest, good: unknown) => {
      const g = structuredClone(good) as Body;
      g.nodeId = 9;
      for (const c of g.coordinators) c.nodeId = 9;
      return { body: g };
    };
    hb.fault('FindCoordinator', notABroker, notABroker);
    // The next heartbeat hears that node 1 is no longer the coordinator, and the member looks it up again.
    hb.fault('Heartbeat', () => ({ body: { throttleTimeMs: 0, errorCode: ErrorCode.NOT_COORDINATOR } }));
    // A commit sent meanwhile: it lands or fails typed.
    const during = settle(consumer.commitSync([{ topic: TOPIC, partition: 0, offset: 1n }]), 'commitSync while the coordinator is looked up');
    await pollUntil(() => hb.pending('FindCoordinator') === 0, 'the lookups naming node 9');
    const r = await during;
    if (r.ok) expect(committed.get(0)).toBe(1n);
    append(['after']);
    expect(await readValues(1, 'the record after the move')).toEqual(['after']);
    const again = await settle(consumer.commitSync([{ topic: TOPIC, partition: 0, offset: 2n }]), 'the commit after the move');
    expect(again.ok ? 'committed' : String((again as { error: unknown }).error)).toBe('committed');
    expect(committed.get(0)).toBe(2n);
  });
});

describe('hostile JoinGroup and SyncGroup answers to a group member', () => {
  // Flexible JoinGroup (v6+): size 4, correlation id 4, header tags 1, then throttle 4, error 2, generation 4, and the
  // compact strings protocolType, protocolName, leader, skipAssignment (v9+), memberId before the members count.
  function membersCountAt(frame: Buffer, res: JoinGroupResponse): number {
    const compact = (s: string | null) => (s === null ? 1 : varintLength(Buffer.byteLength(s) + 1) + Buffer.byteLength(s));
    return 4 + 4 + 1 + 4 + 2 + 4 + compact(res.protocolType) + compact(res.protocolName) + compact(res.leader) + 1 + compact(res.memberId);
  }

  for (const [what, varint] of [
    ['2^32 - 2 members', [0xff, 0xff, 0xff, 0xff, 0x0f]],
    ['a members count varint that never ends', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
    ['2 members where there is 1', [0x03]],
    ['no members where there is 1', [0x01]],
  ] as const) {
    it(`a JoinGroup answer announcing ${what}: typed errors or nothing, then the member joins and reads`, async () => {
      await warm();
      const forged = (req: FakeRequest, good: unknown) => {
        const frame = frameOf(req, good);
        const at = membersCountAt(frame, good as JoinGroupResponse);
        // The count is 0x02 (one member, compact); check the layout before forging it.
        expect(frame[at], 'members count position').toBe(0x02);
        return { bytes: splice(frame, at, 1, Buffer.from(varint)) };
      };
      expect(hb.count('JoinGroup')).toBe(1);
      hb.fault('JoinGroup', forged, forged);
      await rebalanceThrough('JoinGroup');
      append(['j1']);
      expect(await readValues(1, 'the record after the forged JoinGroup answers')).toEqual(['j1']);
    });
  }

  for (const [what, bytes] of [
    ['an assignment of 2^31 - 1 topics', Buffer.from([0, 0, 0x7f, 0xff, 0xff, 0xff])],
    ['a negative topics count', Buffer.from([0, 0, 0xff, 0xff, 0xff, 0xfb])],
    ['a negative assignment version', Buffer.from([0xff, 0xfe, 0, 0, 0, 0])],
    ['random bytes', Buffer.from('9f1c02e7a855d0134b6e2f7708c1aa3d5e', 'hex')],
    ['one byte', Buffer.from([7])],
  ] as const) {
    it(`a SyncGroup answer whose assignment is garbage (${what}): a typed error or nothing, then the member rejoins and reads`, async () => {
      await warm();
      hb.fault('SyncGroup', (_req, good) => ({ body: { ...(good as SyncGroupResponse), assignment: bytes } }));
      await rebalanceThrough('SyncGroup');
      append(['s1']);
      expect(await readValues(1, 'the record after the garbage assignment')).toEqual(['s1']);
      // The garbage generation is not kept: the member joined again after it.
      expect(hb.count('JoinGroup'), 'the member joined again').toBeGreaterThanOrEqual(3);
    });
  }

  it('a SyncGroup answer with an assignment length of 2^32 - 2 (forged in the frame): typed errors or nothing, then the member reads', async () => {
    await warm();
    const forged = (req: FakeRequest, good: unknown) => {
      const g = good as SyncGroupResponse;
      const frame = frameOf(req, g);
      // The assignment is the last field before the body's tag section: find its bytes and its compact length before them.
      const at = frame.lastIndexOf(Buffer.from(g.assignment)) - varintLength(g.assignment.length + 1);
      return { bytes: splice(frame, at, varintLength(g.assignment.length + 1), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])) };
    };
    hb.fault('SyncGroup', forged, forged);
    await rebalanceThrough('SyncGroup');
    append(['s1']);
    expect(await readValues(1, 'the record after the forged SyncGroup answers')).toEqual(['s1']);
  });

  it('a JoinGroup answer that makes the member lead 5,000 members: bounded work, then the next generation reads', async () => {
    await warm();
    hb.fault('JoinGroup', (_req, good) => {
      const g = good as JoinGroupResponse;
      const mine = g.members[0]!;
      const others = Array.from({ length: 5_000 }, (_, i) => ({ memberId: `ghost-${i}`, groupInstanceId: null, metadata: mine.metadata }));
      return { body: { ...g, members: [...others, mine] } };
    });
    await rebalanceThrough('JoinGroup');
    // The forged generation gives this member little or nothing; the next rebalance is honest.
    await pollUntil(() => hb.count('SyncGroup') >= 2, 'the SyncGroup of the forged generation');
    const ghosts = (hb.broker.requests.filter((r) => r.api.name === 'SyncGroup').at(-1)!.body as Body).assignments.length;
    expect(ghosts, 'assignments the leader sent').toBe(5_001);
    hb.fault('JoinGroup', (_req, good) => ({ body: good }));
    await rebalanceThrough('JoinGroup');
    append(['g1']);
    expect(await readValues(1, 'the record after the honest generation')).toEqual(['g1']);
  });

  it('a JoinGroup answer in which another member\'s subscription is garbage: that member gets nothing, this one reads', async () => {
    await warm();
    hb.fault('JoinGroup', (_req, good) => {
      const g = good as JoinGroupResponse;
      const ghost = { memberId: 'ghost', groupInstanceId: null, metadata: Buffer.from([0, 1, 0x7f, 0xff, 0xff, 0xff]) };
      return { body: { ...g, members: [ghost, ...g.members] } };
    });
    await rebalanceThrough('JoinGroup');
    append(['m1']);
    expect(await readValues(1, 'the record after the generation with the garbage subscription')).toEqual(['m1']);
    const sync = hb.broker.requests.filter((r) => r.api.name === 'SyncGroup')[1]!.body as Body;
    const ghostGot = sync.assignments.find((a: Body) => a.memberId === 'ghost');
    expect(ghostGot === undefined || decodeAssignment(ghostGot.assignment).partitions.length === 0, 'the unreadable member was assigned partitions').toBe(true);
  });

  it('a SyncGroup assignment naming a partition that does not exist and a topic never subscribed to: ignored or typed, and the member reads what it should', async () => {
    await warm();
    hb.fault('SyncGroup', (_req, good) => {
      const honest = decodeAssignment((good as SyncGroupResponse).assignment).partitions;
      const assignment = encodeAssignment({ partitions: [...honest, { topic: TOPIC, partition: 99 }, { topic: 'never-subscribed', partition: 0 }], userData: null });
      return { body: { ...(good as SyncGroupResponse), assignment } };
    });
    await rebalanceThrough('SyncGroup');
    append(['a1']);
    expect(await readValues(1, 'the record of the partition that exists')).toEqual(['a1']);
    append(['a2']);
    expect(await readValues(1, 'the next record')).toEqual(['a2']);
  });
});

describe('hostile OffsetFetch answers to a group member', () => {
  for (const [what, offset] of [
    ['-5', -5n],
    ['-2^63', -(2n ** 63n)],
    ['2^63 - 1', 2n ** 63n - 1n],
    ['past the end of the log (1000)', 1000n],
  ] as const) {
    it(`a committed offset of ${what}: the member starts where autoOffsetReset says, reads, and committed() answers typed`, async () => {
      append(['o1', 'o2']);
      const absurd = (_req: FakeRequest, good: unknown) => {
        const g = structuredClone(good) as OffsetFetchResponse;
        for (const t of [...g.topics, ...g.groups.flatMap((x) => x.topics)]) for (const p of t.partitions) p.committedOffset = offset;
        return { body: g };
      };
      hb.fault('OffsetFetch', absurd, absurd);
      await startConsumer();
      // autoOffsetReset 'earliest': an offset the log does not have (or none) starts the partition at 0.
      expect(await readValues(2, 'the records from the start')).toEqual(['o1', 'o2']);
      expect(hb.pending('OffsetFetch'), 'fault not served').toBe(1);
      const c = await settle(consumer.committed([{ topic: TOPIC, partition: 0 }]), 'committed()');
      if (c.ok) expect(c.value[0]!.offset === null || c.value[0]!.offset >= 0n, `committed() gave ${String(c.value[0]!.offset)}`).toBe(true);
      expect(hb.pending('OffsetFetch')).toBe(0);
      // The next good answer is used.
      await consumer.commitSync([{ topic: TOPIC, partition: 0, offset: 2n }]);
      const after = await settle(consumer.committed([{ topic: TOPIC, partition: 0 }]), 'committed() after the faults');
      expect(after.ok && after.value[0]!.offset).toBe(2n);
    });
  }

  it('committed offsets for partitions and topics never asked about: ignored', async () => {
    append(['x1']);
    hb.fault('OffsetFetch', (_req, good) => {
      const g = structuredClone(good) as OffsetFetchResponse;
      const strangers = [
        { name: 'never-asked', topicId: 'AAAAAAAAAAAAAAAAAAAAAg', partitions: [{ partitionIndex: 0, committedOffset: 7n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 }] },
        { name: TOPIC, topicId: TOPIC_ID, partitions: [{ partitionIndex: 55, committedOffset: 7n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 }] },
      ];
      g.topics.push(...strangers);
      g.groups[0]!.topics.push(...strangers);
      return { body: g };
    });
    await startConsumer();
    expect(await readValues(1, 'the record from the start')).toEqual(['x1']);
    expect(consumer.assignment().map((tp) => `${tp.topic}-${tp.partition}`).sort()).toEqual([`${TOPIC}-0`, `${TOPIC}-1`]);
  });
});

describe('hostile ListOffsets answers', () => {
  const strangers = (errorCode: number) => (_req: FakeRequest, good: unknown) => {
    const g = structuredClone(good) as ListOffsetsResponse;
    g.topics.push({ name: 'never-asked', partitions: [{ partitionIndex: 0, errorCode, oldStyleOffsets: [], timestamp: -1n, offset: 42n, leaderEpoch: 0 }] });
    g.topics[0]!.partitions.push({ partitionIndex: 77, errorCode, oldStyleOffsets: [], timestamp: -1n, offset: 42n, leaderEpoch: 0 });
    return { body: g };
  };

  for (const [what, code] of [
    ['no error', 0],
    ['a retriable error (NOT_LEADER_OR_FOLLOWER)', ErrorCode.NOT_LEADER_OR_FOLLOWER],
  ] as const) {
    // The partitions asked about are all answered: the lookup is done. Another partition's retriable error is no reason
    // to ask again until defaultApiTimeoutMs and then fail.
    it(`an answer that adds partitions never asked for, with ${what}: ignored; the lookup answers at once`, async () => {
      append(['l1', 'l2', 'l3']);
      await startConsumer();
      expect(await readValues(3, 'warm-up')).toEqual(['l1', 'l2', 'l3']);
      hb.fault('ListOffsets', strangers(code), strangers(code));
      const before = hb.count('ListOffsets');
      const begin = await settle(consumer.beginningOffsets([{ topic: TOPIC, partition: 0 }]), 'beginningOffsets()');
      const endOffsets = await settle(consumer.endOffsets([{ topic: TOPIC, partition: 0 }]), 'endOffsets()');
      expect(begin.ok ? begin.value : String((begin as { error: unknown }).error)).toEqual([{ topic: TOPIC, partition: 0, offset: 0n }]);
      expect(endOffsets.ok ? endOffsets.value : String((endOffsets as { error: unknown }).error)).toEqual([{ topic: TOPIC, partition: 0, offset: 3n }]);
      // One request per lookup: no asking again (until defaultApiTimeoutMs) for partitions it never asked about.
      expect(hb.count('ListOffsets') - before, 'ListOffsets requests for two lookups').toBe(2);
      expect(hb.pending('ListOffsets')).toBe(0);
    });
  }

  it('an answer that adds partitions never asked for, with a fatal error (TOPIC_AUTHORIZATION_FAILED): the right offset or a typed error, at once; the next lookup is right', async () => {
    append(['l1', 'l2', 'l3']);
    await startConsumer();
    expect(await readValues(3, 'warm-up')).toEqual(['l1', 'l2', 'l3']);
    hb.fault('ListOffsets', strangers(ErrorCode.TOPIC_AUTHORIZATION_FAILED));
    const before = hb.count('ListOffsets');
    const r = await settle(consumer.endOffsets([{ topic: TOPIC, partition: 0 }]), 'endOffsets()');
    expect(hb.count('ListOffsets') - before, 'ListOffsets requests for one lookup').toBe(1);
    if (r.ok) expect(r.value).toEqual([{ topic: TOPIC, partition: 0, offset: 3n }]);
    expect(hb.pending('ListOffsets')).toBe(0);
    const next = await settle(consumer.endOffsets([{ topic: TOPIC, partition: 0 }]), 'the next endOffsets()');
    expect(next.ok ? next.value : String((next as { error: unknown }).error)).toEqual([{ topic: TOPIC, partition: 0, offset: 3n }]);
  });

  it('an answer for a partition never asked for while the member resets its position: the asked partition starts right', async () => {
    append(['r1', 'r2']);
    hb.fault('ListOffsets', strangers(ErrorCode.NOT_LEADER_OR_FOLLOWER), strangers(ErrorCode.NOT_LEADER_OR_FOLLOWER));
    await startConsumer();
    expect(await readValues(2, 'the records from the start')).toEqual(['r1', 'r2']);
    // Retrying for the partition never asked about would have used the second queued answer and gone on asking.
    expect(hb.count('ListOffsets'), 'ListOffsets requests for the reset').toBe(1);
    expect(hb.pending('ListOffsets')).toBe(1);
  });
});

function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}
