// KIP-320 position validation against the scripted broker: a position that
// carries a leader epoch (a committed offset from OffsetFetch, or seek() with
// an epoch) is checked with OffsetForLeaderEpoch before anything is fetched
// from it. A real broker truncates its log only after an unclean election,
// which cannot be provoked on cue, so the truncated cases live here.
import { afterEach, describe, expect, it } from 'vitest';
import { LogTruncationError, type Consumer, type ConsumerRecord } from '../../src/consumer/index.js';
import { fakeCluster, TOPIC, type FakeCluster } from './fake-cluster.js';
import { closeConsumers, consumer, read } from './scripted-consumer.js';
import { withConsumerLog } from './debug-log.js';

let fc: FakeCluster | undefined;
afterEach(async () => {
  await closeConsumers();
  await fc?.close();
  fc = undefined;
});

const tp = { topic: TOPIC, partition: 0 };



/** The first error poll() throws, within the deadline. */
async function pollError(c: Consumer, deadlineMs = 10_000): Promise<unknown> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    try {
      await c.poll(50);
    } catch (e) {
      return e;
    }
  }
  return undefined;
}

const values = (rs: ConsumerRecord[]) => rs.map((r) => r.value!.toString());

/**
 * The log after an unclean election: the new leader (epoch 1) kept only
 * offsets 0..1 of epoch 0, then took new records n2, n3. A consumer that had
 * read up to offset 4 in epoch 0 must come back to 2.
 */
function truncatedLog(c: FakeCluster): void {
  c.leaderEpoch = 0;
  c.append(0, ['e0', 'e1'], { leaderEpoch: 0 });
  c.leaderEpoch = 1;
  c.append(0, ['n2', 'n3'], { leaderEpoch: 1 });
  c.onEpochEnd = (_p, epoch) => (epoch === 0 ? { leaderEpoch: 0, endOffset: 2n } : { leaderEpoch: epoch, endOffset: c.logs[0]!.next });
}

describe('position validation with OffsetForLeaderEpoch (KIP-320, scripted broker)', () => {
  it('a committed offset with its epoch on a truncated log: validated first, resumes at the divergent offset, and says so', async () => {
    fc = await fakeCluster(1);
    truncatedLog(fc);
    fc.committed.set(0, { offset: 4n, leaderEpoch: 0 });
    await withConsumerLog(async (lines) => {
      const c = consumer(fc!.broker.port, { groupId: 'g-trunc', enableAutoCommit: false });
      c.assign([tp]);
      expect(await c.position(tp)).toBe(2n);
      expect(values(await read(c, 2))).toEqual(['n2', 'n3']);
      expect(lines.some((l) => l.includes(`group g-trunc ${TOPIC}-0: truncation detected: position 4 (leader epoch 0) is past the end 2`) && l.includes('resuming at the divergent offset 2'))).toBe(true);
    });
    // Checked against the current leader's epoch, before the first Fetch, which starts at the divergent offset.
    expect(fc.epochRequests[0]).toEqual({ partition: 0, leaderEpoch: 0, currentLeaderEpoch: 1 });
    expect(fc.fetches[0]!.topics[0]!.partitions[0]!.fetchOffset).toBe(2n);
    expect(fc.fetches.every((f) => f.topics.every((t) => t.partitions.every((p) => p.fetchOffset !== 4n)))).toBe(true);
  });

  it("a committed offset with its epoch on a truncated log and autoOffsetReset 'none': LogTruncationError naming partition, position and divergent offset; nothing fetched", async () => {
    fc = await fakeCluster(1);
    truncatedLog(fc);
    fc.committed.set(0, { offset: 4n, leaderEpoch: 0 });
    const c = consumer(fc.broker.port, { groupId: 'g-trunc-none', enableAutoCommit: false, autoOffsetReset: 'none' });
    c.assign([tp]);
    const err = await pollError(c);
    expect(err).toBeInstanceOf(LogTruncationError);
    const e = err as LogTruncationError;
    expect(e.divergentOffset).toBe(2n);
    expect(e.position).toBe(4n);
    expect(e.context).toMatchObject({ topic: TOPIC, partition: 0, offset: 4n });
    expect(e.message).toContain(`truncation detected on ${TOPIC}-0`);
    expect(e.message).toContain('position 4 (leader epoch 0) ends at 2');
    expect(fc.fetches).toHaveLength(0);
    // position() reports the same error; a seek() clears it and reading goes on.
    expect(await c.position(tp).catch((x: unknown) => x)).toBe(err);
    c.seek(tp, 2n);
    expect(values(await read(c, 2))).toEqual(['n2', 'n3']);
  });

  it('seek() with a leader epoch on a truncated log resumes at the divergent offset; seek() without one is not validated', async () => {
    fc = await fakeCluster(1);
    truncatedLog(fc);
    const c = consumer(fc.broker.port);
    c.assign([tp]);
    expect(values(await read(c, 4))).toEqual(['e0', 'e1', 'n2', 'n3']);
    // A plain seek(): Java validates only positions with an epoch.
    c.seek(tp, 3n);
    expect(await c.position(tp)).toBe(3n);
    expect(values(await read(c, 1))).toEqual(['n3']);
    const before = fc.epochRequests.length;
    expect(before).toBe(0);

    // A position read before the election (offset 4 in epoch 0), restored with its epoch.
    c.seek(tp, { offset: 4n, leaderEpoch: 0 });
    expect(await c.position(tp)).toBe(2n);
    expect(fc.epochRequests.slice(before)).toEqual([{ partition: 0, leaderEpoch: 0, currentLeaderEpoch: 1 }]);
    expect(values(await read(c, 2))).toEqual(['n2', 'n3']);
  });

  it("seek() with a leader epoch and autoOffsetReset 'none' on a truncated log: LogTruncationError", async () => {
    fc = await fakeCluster(1);
    truncatedLog(fc);
    const c = consumer(fc.broker.port, { autoOffsetReset: 'none' });
    c.assign([tp]);
    c.seek(tp, { offset: 3n, leaderEpoch: 0 });
    const err = await pollError(c);
    expect(err).toBeInstanceOf(LogTruncationError);
    expect((err as LogTruncationError).divergentOffset).toBe(2n);
    expect((err as LogTruncationError).position).toBe(3n);
  });

  it('a committed offset whose epoch the leader still has up to past it: validated and kept', async () => {
    fc = await fakeCluster(1);
    fc.leaderEpoch = 3;
    fc.append(0, ['k0', 'k1', 'k2', 'k3'], { leaderEpoch: 3 });
    fc.onEpochEnd = (_p, epoch) => ({ leaderEpoch: epoch, endOffset: 4n });
    fc.committed.set(0, { offset: 2n, leaderEpoch: 3 });
    const c = consumer(fc.broker.port, { groupId: 'g-kept', enableAutoCommit: false });
    c.assign([tp]);
    expect(await c.position(tp)).toBe(2n);
    expect(fc.epochRequests).toEqual([{ partition: 0, leaderEpoch: 3, currentLeaderEpoch: 3 }]);
    expect(values(await read(c, 2))).toEqual(['k2', 'k3']);
  });

  it("the leader no longer knows the position's epoch: a reset with a policy, LogTruncationError without a divergent offset with 'none'", async () => {
    fc = await fakeCluster(1);
    fc.leaderEpoch = 5;
    fc.append(0, ['u0', 'u1'], { leaderEpoch: 5 });
    fc.onEpochEnd = () => ({ leaderEpoch: -1, endOffset: -1n });
    fc.committed.set(0, { offset: 7n, leaderEpoch: 2 });
    const reset = consumer(fc.broker.port, { groupId: 'g-unknown', enableAutoCommit: false });
    reset.assign([tp]);
    expect(await reset.position(tp)).toBe(0n);
    expect(values(await read(reset, 2))).toEqual(['u0', 'u1']);

    const strict = consumer(fc.broker.port, { groupId: 'g-unknown', enableAutoCommit: false, autoOffsetReset: 'none' });
    strict.assign([tp]);
    const err = await pollError(strict);
    expect(err).toBeInstanceOf(LogTruncationError);
    expect((err as LogTruncationError).divergentOffset).toBeNull();
    expect((err as Error).message).toContain('the leader no longer has the epoch of position 7 (leader epoch 2)');
  });

  it('a leader too old for OffsetForLeaderEpoch from a consumer (before v3): the position is used unvalidated, and the log says so', async () => {
    fc = await fakeCluster(1);
    fc.apiVersions = { 23: [0, 2] };
    fc.leaderEpoch = 2;
    fc.append(0, ['o0', 'o1', 'o2'], { leaderEpoch: 2 });
    fc.committed.set(0, { offset: 1n, leaderEpoch: 2 });
    await withConsumerLog(async (lines) => {
      const c = consumer(fc!.broker.port, { groupId: 'g-old', enableAutoCommit: false });
      c.assign([tp]);
      expect(await c.position(tp)).toBe(1n);
      expect(values(await read(c, 2))).toEqual(['o1', 'o2']);
      expect(lines.some((l) => l.includes(`${TOPIC}-0: broker 1 is too old for OffsetForLeaderEpoch from a consumer (v3+): position 1 not validated`))).toBe(true);
    });
    expect(fc.broker.requests.filter((r) => r.api.name === 'OffsetForLeaderEpoch')).toEqual([]);
  });

  it('a committed offset without an epoch is not validated', async () => {
    fc = await fakeCluster(1);
    fc.append(0, ['p0', 'p1']);
    fc.committed.set(0, { offset: 1n, leaderEpoch: -1 });
    const c = consumer(fc.broker.port, { groupId: 'g-noepoch', enableAutoCommit: false });
    c.assign([tp]);
    expect(values(await read(c, 1))).toEqual(['p1']);
    expect(fc.epochRequests).toEqual([]);
  });
});
