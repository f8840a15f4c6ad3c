// The consumer against a scripted broker, for what a real one will not do on
// cue: lose a fetch session, answer OFFSET_OUT_OF_RANGE or NOT_LEADER, send a
// corrupt batch, report a truncated log after a leader change.
import { afterEach, describe, expect, it } from 'vitest';
import type { ConsumerRecord } from '../../src/consumer/index.js';
import { ErrorCode } from '../../src/messages/error-codes.js';
import { CorruptRecordError } from '../../src/errors.js';
import { fakeCluster, TOPIC, type FakeCluster } from './fake-cluster.js';
import { closeConsumers, consumer, read } from './scripted-consumer.js';

let fc: FakeCluster | undefined;
afterEach(async () => {
  await closeConsumers();
  await fc?.close();
  fc = undefined;
});



async function until(cond: () => boolean, what: string, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const values = (rs: ConsumerRecord[]) => rs.map((r) => r.value!.toString());

describe('consumer fetch faults (scripted broker)', () => {
  it('opens a fetch session, continues it incrementally, and starts a full one after FETCH_SESSION_ID_NOT_FOUND', async () => {
    fc = await fakeCluster(2);
    fc.append(0, ['a0', 'a1']);
    fc.append(1, ['b0']);
    let lost = false;
    fc.onFetch = (n, req) => {
      if (req.sessionEpoch === 0) return { sessionId: 77 };
      if (!lost && n >= 3) {
        lost = true;
        return { errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
      }
      return { sessionId: 77 };
    };
    const c = consumer(fc.broker.port);
    c.assign([{ topic: TOPIC, partition: 0 }, { topic: TOPIC, partition: 1 }]);
    expect(values(await read(c, 3)).sort()).toEqual(['a0', 'a1', 'b0']);
    await until(() => lost && fc!.fetches.length >= 6, 'the session to be lost and reopened');
    fc.append(0, ['a2']);
    expect(values(await read(c, 1))).toEqual(['a2']);

    const f = fc.fetches;
    expect(f[0]).toMatchObject({ sessionId: 0, sessionEpoch: 0 });
    expect(f[0]!.topics[0]!.partitions.map((p) => p.partition).sort()).toEqual([0, 1]);
    expect(f[1]).toMatchObject({ sessionId: 77, sessionEpoch: 1 });
    // Incremental: only partitions whose fetch offset moved are listed.
    const lostAt = f.findIndex((r, i) => i > 0 && r.sessionEpoch === 0);
    expect(lostAt).toBeGreaterThan(1);
    for (let i = 1; i < lostAt; i++) expect(f[i]!.sessionId).toBe(77);
    expect(f[2]!.sessionEpoch).toBe(2);
    // After the error: a full request listing every partition at its current offset.
    const full = f[lostAt]!;
    expect(full.sessionId).toBe(0);
    expect(full.topics[0]!.partitions.map((p) => [p.partition, p.fetchOffset]).sort()).toEqual([[0, 2n], [1, 1n]]);
    expect(f[lostAt + 1]).toMatchObject({ sessionId: 77, sessionEpoch: 1 });
    // Incremental requests after the first leave out unchanged partitions.
    const later = f.slice(lostAt + 1).filter((r) => (r.sessionEpoch ?? 0) > 1);
    expect(later.some((r) => r.topics.length === 0 || r.topics[0]!.partitions.length < 2)).toBe(true);
  });

  it('OFFSET_OUT_OF_RANGE applies autoOffsetReset (earliest) and reads on', async () => {
    fc = await fakeCluster(1);
    fc.append(0, ['x0', 'x1', 'x2']);
    let answered = false;
    fc.onFetch = (_n, req) => {
      const p = req.topics[0]?.partitions[0];
      if (!answered && p && p.fetchOffset === 50n) {
        answered = true;
        return { responses: [{ topic: TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark: 3n, lastStableOffset: 3n, logStartOffset: 0n, abortedTransactions: null, preferredReadReplica: -1, records: null }] }] };
      }
      return undefined;
    };
    const c = consumer(fc.broker.port);
    c.assign([{ topic: TOPIC, partition: 0 }]);
    await c.position({ topic: TOPIC, partition: 0 });
    c.seek({ topic: TOPIC, partition: 0 }, 50n);
    expect(values(await read(c, 3))).toEqual(['x0', 'x1', 'x2']);
    expect(answered).toBe(true);
  });

  it("OFFSET_OUT_OF_RANGE with autoOffsetReset 'none' is an error for the application", async () => {
    fc = await fakeCluster(1);
    fc.append(0, ['x0']);
    fc.onFetch = () => ({ responses: [{ topic: TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark: 1n, lastStableOffset: 1n, logStartOffset: 0n, abortedTransactions: null, preferredReadReplica: -1, records: null }] }] });
    const c = consumer(fc.broker.port, { autoOffsetReset: 'none' });
    c.assign([{ topic: TOPIC, partition: 0 }]);
    c.seek({ topic: TOPIC, partition: 0 }, 9n);
    let err: unknown;
    await until(() => false, 'x', 0).catch(() => undefined);
    const deadline = Date.now() + 10_000;
    while (!err && Date.now() < deadline) await c.poll(50).catch((e: unknown) => (err = e));
    expect(String(err)).toMatch(/offset 9 is out of range for fake-topic-0/);
  });

  it('NOT_LEADER_OR_FOLLOWER refreshes metadata and fetches again', async () => {
    fc = await fakeCluster(1);
    fc.append(0, ['n0']);
    let errors = 0;
    fc.onFetch = () => {
      if (errors++ < 2) return { responses: [{ topic: TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, abortedTransactions: null, preferredReadReplica: -1, records: null }] }] };
      return undefined;
    };
    const c = consumer(fc.broker.port);
    c.assign([{ topic: TOPIC, partition: 0 }]);
    const metadataBefore = () => fc!.broker.requests.filter((r) => r.api.name === 'Metadata').length;
    expect(values(await read(c, 1))).toEqual(['n0']);
    expect(metadataBefore()).toBeGreaterThanOrEqual(2);
  });

  it('a corrupt batch is a CorruptRecordError at its offset; records before it are delivered; seek past it continues', async () => {
    fc = await fakeCluster(1);
    fc.append(0, ['ok0', 'ok1']);
    fc.append(0, ['bad2'], { corrupt: true });
    fc.append(0, ['ok3']);
    const c = consumer(fc.broker.port);
    c.assign([{ topic: TOPIC, partition: 0 }]);
    const got: string[] = [];
    let err: unknown;
    const deadline = Date.now() + 10_000;
    while (!err && Date.now() < deadline) {
      try {
        got.push(...values(await c.poll(100)));
      } catch (e) {
        err = e;
      }
    }
    expect(got).toEqual(['ok0', 'ok1']);
    expect(err).toBeInstanceOf(CorruptRecordError);
    expect((err as Error).message).toMatch(/fake-topic|partition 0/);
    expect(await c.position({ topic: TOPIC, partition: 0 }).catch((e: unknown) => e)).toBeInstanceOf(CorruptRecordError);
    c.seek({ topic: TOPIC, partition: 0 }, 3n);
    expect(values(await read(c, 1))).toEqual(['ok3']);
  });

  it('after a leader change, a truncated log is detected with OffsetForLeaderEpoch and the position moves back', async () => {
    fc = await fakeCluster(1);
    fc.append(0, ['e0', 'e1', 'e2', 'e3'], { leaderEpoch: 0 });
    const c = consumer(fc.broker.port, { metadataMaxAgeMs: 0 });
    c.assign([{ topic: TOPIC, partition: 0 }]);
    expect(values(await read(c, 4))).toEqual(['e0', 'e1', 'e2', 'e3']);
    expect(await c.position({ topic: TOPIC, partition: 0 })).toBe(4n);
    // Unclean election: the new leader (epoch 1) only has offsets 0..1 of epoch 0, then new records.
    const asked: number[] = [];
    fc.onEpochEnd = (_p, epoch) => {
      asked.push(epoch);
      return { leaderEpoch: 0, endOffset: 2n };
    };
    fc.logs[0] = { batches: [], next: 0n };
    fc.leaderEpoch = 0;
    fc.append(0, ['e0', 'e1'], { leaderEpoch: 0 });
    fc.leaderEpoch = 1;
    fc.append(0, ['n2', 'n3'], { leaderEpoch: 1 });
    expect(values(await read(c, 2))).toEqual(['n2', 'n3']);
    expect(asked).toContain(0);
  });

  it('KIP-392: with clientRack set, fetches move to the replica the leader names, and back to the leader when it is gone', async () => {
    fc = await fakeCluster(1, 2);
    fc.append(0, ['p0', 'p1']);
    fc.preferredReplicaFor = (rack) => (rack === 'r2' ? 2 : -1);
    const c = consumer(fc.broker.port, { clientRack: 'r2' });
    c.assign([{ topic: TOPIC, partition: 0 }]);
    expect(values(await read(c, 2))).toEqual(['p0', 'p1']);
    expect(fc.fetches[0]!.rackId).toBe('r2');
    expect(fc.fetchNodes[0]).toBe(1);
    const firstFollower = fc.fetchNodes.indexOf(2);
    expect(firstFollower).toBeGreaterThan(0);
    expect(fc.fetchNodes.slice(firstFollower).every((n) => n === 2)).toBe(true);
    // The follower goes away: the consumer returns to the leader (which no longer redirects).
    fc.preferredReplicaFor = () => -1;
    await fc.brokers[1]!.close();
    fc.append(0, ['p2']);
    expect(values(await read(c, 1))).toEqual(['p2']);
    expect(fc.fetchNodes.at(-1)).toBe(1);
  });

  it('close() closes the fetch session on the broker (epoch -1)', async () => {
    fc = await fakeCluster(1);
    fc.append(0, ['s0']);
    fc.onFetch = (_n, req) => (req.sessionEpoch === -1 ? { sessionId: 0, responses: [] } : { sessionId: 55 });
    const c = consumer(fc.broker.port);
    c.assign([{ topic: TOPIC, partition: 0 }]);
    expect(values(await read(c, 1))).toEqual(['s0']);
    await until(() => fc!.fetches.some((f) => f.sessionId === 55), 'an incremental fetch');
    await c.close();
    const last = fc.fetches.at(-1)!;
    expect(last).toMatchObject({ sessionId: 55, sessionEpoch: -1 });
    expect(last.topics).toEqual([]);
  });
});
