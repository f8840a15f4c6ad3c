// The kafkawire Consumer against a broker that answers Fetch with well-formed
// but wrong responses (test/hostile/hostile-broker.ts serves Metadata; Fetch
// is answered here from a small log, through a fault that is kept queued).
// Each case: poll() returns records, nothing, or rejects with a typed
// KafkaError, within a deadline; once the broker answers well again the
// records arrive; no crash (an unhandled rejection fails the run) and no
// allocation out of proportion.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Consumer, type ConsumerOptions, type ConsumerRecord } from '../../src/consumer/index.js';
import { CorruptRecordError } from '../../src/errors.js';
import { ErrorCode } from '../../src/messages/error-codes.js';
import { KafkaError } from '../../src/index.js';
import type { FetchRequest, FetchResponse, FetchResponsePartitionData, MetadataResponse } from '../../src/messages/generated/index.js';
import { crc32c } from '../../src/codec/crc32c.js';
import { encodeRecordBatch } from '../../src/records/batch.js';
import { fakeTopicId, type FakeRequest } from '../network/fake-broker.js';
import { frameOf, memoryNow, splice, startHostileBroker, type Fault, type FaultAnswer, type HostileBroker } from './hostile-broker.js';

const TOPIC = 'hostile';
/** The id the hostile broker's Metadata gives the topic. */
const TOPIC_ID = fakeTopicId(TOPIC);
const MEMORY_BUDGET = 48 * 1024 * 1024;
const DEADLINE_MS = 20_000;

let hb: HostileBroker;
let consumer: Consumer;
/** The log of partition 0 (partition 1 stays empty): one batch per append. */
let batches: Array<{ base: bigint; count: number; bytes: Buffer }>;
/** What the broker does with the next Fetch: by default the good answer. */
let behave: (req: FakeRequest, good: FetchResponse) => FaultAnswer;
let fetches = 0;

function append(values: string[], partitionLeaderEpoch = -1): void {
  const base = batches.reduce((n, b) => n + BigInt(b.count), 0n);
  batches.push({ base, count: values.length, bytes: encodeRecordBatch(values.map((v) => ({ key: null, value: Buffer.from(v) })), { baseOffset: base, partitionLeaderEpoch }) });
}

const end = () => batches.reduce((n, b) => n + BigInt(b.count), 0n);

function partitionData(partitionIndex: number, records: Uint8Array | null, hw = end()): FetchResponsePartitionData {
  return { partitionIndex, errorCode: 0, highWatermark: hw, lastStableOffset: hw, logStartOffset: 0n, abortedTransactions: null, preferredReadReplica: -1, records };
}

/** The answer a good broker gives: every partition asked for, records from its fetch offset. */
function goodFetch(req: FakeRequest): FetchResponse {
  const body = req.body as FetchRequest;
  return {
    throttleTimeMs: 0, errorCode: 0, sessionId: 0, nodeEndpoints: [],
    responses: body.topics.map((t) => ({
      topic: TOPIC, topicId: TOPIC_ID,
      partitions: t.partitions.map((p) => {
        const from = p.partition === 0 ? batches.filter((b) => b.base + BigInt(b.count) > p.fetchOffset) : [];
        return partitionData(p.partition, from.length ? Buffer.concat(from.map((b) => b.bytes)) : null, p.partition === 0 ? end() : 0n);
      }),
    })),
  };
}

/** The good answer with partition 0's records replaced. */
function withRecords(good: FetchResponse, records: Buffer): FetchResponse {
  return { ...good, responses: good.responses.map((t) => ({ ...t, partitions: t.partitions.map((p) => (p.partitionIndex === 0 ? { ...p, records } : p)) })) };
}

/** The Fetch handler, kept queued as a fault of the hostile broker (which has no Fetch of its own). */
const fetchFault: Fault = (req) => {
  fetches++;
  if (hb.pending('Fetch') < 50) hb.fault('Fetch', ...Array.from({ length: 200 }, () => fetchFault));
  return behave(req, goodFetch(req));
};

async function readValues(count: number, what: string): Promise<string[]> {
  const out: ConsumerRecord[] = [];
  const until = Date.now() + DEADLINE_MS;
  while (out.length < count) {
    if (Date.now() > until) throw new Error(`hang: ${what}: ${out.length} of ${count} records after ${DEADLINE_MS} ms`);
    try {
      out.push(...(await consumer.poll(100)));
    } catch (e) {
      expect(e, `${what}: poll rejected with ${String(e)}`).toBeInstanceOf(KafkaError);
    }
  }
  return out.map((r) => r.value!.toString());
}

/** Polls (expecting nothing) until cond holds, failing as a hang after the deadline. */
async function pollUntil(cond: () => boolean, what: string): Promise<void> {
  const until = Date.now() + DEADLINE_MS;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`hang: ${what} within ${DEADLINE_MS} ms`);
    expect(await consumer.poll(50)).toEqual([]);
  }
}

/**
 * Reads `count` records of partition 0 as a Java application does when poll()
 * reports a batch it cannot read (the partition stays parked there until the
 * application seeks, as in Java): here the log was fine and only the answer
 * was forged, so it seeks back to the same offset and the consumer fetches it
 * again. Every rejection must be a KafkaError.
 */
async function readSeekingPastCorruption(count: number, from: bigint, what: string): Promise<{ values: string[]; errors: unknown[] }> {
  const out: ConsumerRecord[] = [];
  const errors: unknown[] = [];
  const until = Date.now() + DEADLINE_MS;
  while (out.length < count) {
    if (Date.now() > until) throw new Error(`hang: ${what}: ${out.length} of ${count} records after ${DEADLINE_MS} ms; errors: ${[...new Set(errors.map(String))].join('; ')}`);
    try {
      out.push(...(await consumer.poll(50)));
    } catch (e) {
      errors.push(e);
      expect(e, `${what}: ${String(e)}`).toBeInstanceOf(KafkaError);
      consumer.seek({ topic: TOPIC, partition: 0 }, from);
    }
  }
  return { values: out.map((r) => r.value!.toString()), errors };
}

/** A consumer of both partitions from offset 0, with these options on top of the tests' own. */
function newConsumer(extra: Partial<ConsumerOptions> = {}): Consumer {
  const c = new Consumer({
    bootstrapServers: hb.bootstrap,
    fetchMaxWaitMs: 50,
    requestTimeoutMs: 2000,
    retryBackoffMs: 10,
    retryBackoffMaxMs: 100,
    reconnectBackoffMs: 10,
    reconnectBackoffMaxMs: 100,
    enableAutoCommit: false,
    ...extra,
  });
  const tps = [0, 1].map((partition) => ({ topic: TOPIC, partition }));
  c.assign(tps);
  for (const tp of tps) c.seek(tp, 0n);
  return c;
}

beforeEach(async () => {
  batches = [];
  fetches = 0;
  behave = (_req, good) => ({ body: good });
  hb = await startHostileBroker({ topics: { [TOPIC]: 2 } });
  hb.fault('Fetch', fetchFault);
  // The end of partition 0's log for any epoch: what a leader that never changed answers.
  hb.serve('OffsetForLeaderEpoch', (req) => {
    const body = req.body as { topics: Array<{ topic: string; partitions: Array<{ partition: number; leaderEpoch: number }> }> };
    return {
      throttleTimeMs: 0,
      topics: body.topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ errorCode: 0, partition: p.partition, leaderEpoch: p.leaderEpoch, endOffset: p.partition === 0 ? end() : 0n })) })),
    };
  });
  consumer = newConsumer();
  // Warm: a first record arrives through good answers before any fault.
  append(['warm']);
  expect(await readValues(1, 'the first record')).toEqual(['warm']);
});

afterEach(async () => {
  await consumer.close();
  await hb.close();
});

describe('hostile Fetch responses to the Consumer', () => {
  it('an endless stream of empty Fetch responses: the consumer keeps fetching, the event loop keeps turning, memory stays flat; records arrive once there are some', async () => {
    // Answered at once, alternately with no topics at all and with the partitions but no records.
    behave = (req, good) => ({ body: fetches % 2 ? { ...good, responses: [] } : good });
    const before = memoryNow();
    const startFetches = fetches;
    // Count event-loop turns while the empties stream in: a consumer that spins on them would starve the timers.
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      // 150: enough to see growth per answer; few enough to stay quick once the consumer paces itself (see the next case).
      await pollUntil(() => fetches - startFetches >= 150 && ticks >= 20, '150 empty Fetch responses');
    } finally {
      clearInterval(timer);
    }
    expect(memoryNow() - before, 'memory grown over the empty responses').toBeLessThan(MEMORY_BUDGET);
    behave = (_req, good) => ({ body: good });
    append(['after']);
    expect(await readValues(1, 'the record after the empties')).toEqual(['after']);
  });

  // A broker that answers every Fetch at once with nothing (instead of holding it for fetchMaxWaitMs, as a real
  // broker does) would get the next Fetch at once, thousands per second: after an empty answer that came back
  // sooner than fetchMaxWaitMs, the fetcher waits out the rest of fetchMaxWaitMs.
  it('empty Fetch answers returned at once: the consumer does not fetch faster than one per fetchMaxWaitMs (50 ms)', async () => {
    behave = (req) => ({ body: { ...goodFetch(req), responses: [] } });
    const startFetches = fetches;
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) expect(await consumer.poll(100)).toEqual([]);
    const elapsed = performance.now() - t0;
    // A loaded machine only lowers the count, so an upper bound cannot flake: at most one per 50 ms, doubled, plus slack.
    expect(fetches - startFetches).toBeLessThanOrEqual(Math.ceil(elapsed / 50) * 2 + 5);
  });

  it('a partition the client never asked for (another partition, another topic): ignored, the asked one is read', async () => {
    append(['a1', 'a2']);
    behave = (req, good) => ({
      body: {
        ...good,
        responses: [
          ...good.responses,
          { topic: 'never-asked', topicId: 'AAAAAAAAAAAAAAAAAAAAAg', partitions: [partitionData(0, encodeRecordBatch([{ key: null, value: Buffer.from('stranger') }], { baseOffset: 0n }), 1n)] },
          { topic: TOPIC, topicId: TOPIC_ID, partitions: [partitionData(7, encodeRecordBatch([{ key: null, value: Buffer.from('p7') }], { baseOffset: 0n }), 1n)] },
        ],
      },
    });
    const got = await readValues(2, 'the records of the partition asked for');
    expect(got).toEqual(['a1', 'a2']);
    behave = (_req, good) => ({ body: good });
    append(['after']);
    const later = await readValues(1, 'the record after the fault');
    expect(later).toEqual(['after']);
    expect(consumer.assignment().map((tp) => `${tp.topic}/${tp.partition}`).sort()).toEqual([`${TOPIC}/0`, `${TOPIC}/1`]);
  });

  // Flexible Fetch: correlation id (4) and header tags (1) after the size (4), then throttle (4), error (2), session (4).
  const RESPONSES_COUNT_AT = 4 + 4 + 1 + 4 + 2 + 4;
  for (const [what, varint] of [
    ['2^32 - 2 topics', [0xff, 0xff, 0xff, 0xff, 0x0f]],
    ['a count varint that never ends', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
  ] as const) {
    it(`a Fetch response announcing ${what}: typed error or nothing, then recovery`, async () => {
      append(['r1']);
      let faults = 3;
      behave = (req, good) => (faults-- > 0 ? { bytes: splice(frameOf(req, good), RESPONSES_COUNT_AT, 1, Buffer.from(varint)) } : { body: good });
      const before = memoryNow();
      expect(await readValues(1, 'the record after three forged counts')).toEqual(['r1']);
      expect(faults).toBeLessThan(0);
      expect(memoryNow() - before).toBeLessThan(MEMORY_BUDGET);
    });
  }

  it('a record batch announcing -5 and 2^31 - 1 records (CRC made to match): typed error or nothing, then recovery', async () => {
    append(['c1', 'c2']);
    const last = batches[batches.length - 1]!;
    // The records count is the int32 at byte 57 of a v2 batch; it lies inside the CRC'd range (from byte 21), so
    // the CRC is recomputed: the decoder's own count check must catch it, not the checksum.
    const forged = (count: number) => {
      const b = Buffer.from(last.bytes);
      b.writeInt32BE(count, 57);
      b.writeUInt32BE(crc32c(b, 21, b.length), 17);
      return b;
    };
    const faults = [forged(-5), forged(0x7fffffff)];
    behave = (_req, good) => {
      const bytes = faults.shift();
      return bytes ? { body: withRecords(good, bytes) } : { body: good };
    };
    const before = memoryNow();
    const r = await readSeekingPastCorruption(2, last.base, 'the records after the forged batches');
    expect(r.values).toEqual(['c1', 'c2']);
    expect(faults, 'forged batches not served').toEqual([]);
    expect(r.errors.length, 'the forged counts went unnoticed').toBeGreaterThan(0);
    expect(memoryNow() - before).toBeLessThan(MEMORY_BUDGET);
  });

  // A batch with a negative record count is corrupt data, named with its partition and offset (Java raises
  // InvalidRecordException, a CorruptRecordException), not a bare protocol error.
  it('a record batch announcing -5 records is a CorruptRecordError naming the partition and offset (Java: InvalidRecordException)', async () => {
    append(['n1']);
    const last = batches[batches.length - 1]!;
    const b = Buffer.from(last.bytes);
    b.writeInt32BE(-5, 57);
    b.writeUInt32BE(crc32c(b, 21, b.length), 17);
    let served = false;
    behave = (_req, good) => (served ? { body: good } : ((served = true), { body: withRecords(good, b) }));
    const r = await readSeekingPastCorruption(1, last.base, 'the record after the forged batch');
    expect(r.errors[0]).toBeInstanceOf(CorruptRecordError);
    expect(String(r.errors[0])).toMatch(/hostile-0|partition 0/);
  });

  it('a record batch whose length field disagrees with its content (longer, shorter): typed error or nothing, then recovery', async () => {
    append(['d1', 'd2']);
    const last = batches[batches.length - 1]!;
    const longer = Buffer.from(last.bytes);
    longer.writeInt32BE(longer.readInt32BE(8) + 1000, 8);
    const shorter = Buffer.from(last.bytes);
    shorter.writeInt32BE(shorter.readInt32BE(8) - 10, 8);
    const faults = [longer, shorter, longer];
    behave = (_req, good) => {
      const bytes = faults.shift();
      return bytes ? { body: withRecords(good, bytes) } : { body: good };
    };
    const r = await readSeekingPastCorruption(2, last.base, 'the records after the forged batches');
    expect(r.values).toEqual(['d1', 'd2']);
    expect(faults, 'forged batches not served').toEqual([]);
    // A forged batch is reported (the longer one as a batch too large to fetch, the shorter as corrupt); answers to a Fetch
    // in flight at the seek are dropped unread, so not every forged answer surfaces.
    expect(r.errors.length, 'the forged lengths went unnoticed').toBeGreaterThan(0);
  });

  it('a throttle time of five hours: the answer is used and the next Fetch is not held for hours', async () => {
    behave = (_req, good) => ({ body: { ...good, throttleTimeMs: 5 * 3600 * 1000 } });
    append(['t1']);
    expect(await readValues(1, 'the record in a throttled answer')).toEqual(['t1']);
    append(['t2']);
    expect(await readValues(1, 'the record of the next throttled answer')).toEqual(['t2']);
    behave = (_req, good) => ({ body: good });
    append(['t3']);
    expect(await readValues(1, 'the record after the throttling')).toEqual(['t3']);
  });
  /** The good answer with partition 0 failed with NOT_LEADER_OR_FOLLOWER (and, from v12, naming a new leader). */
  const notLeader = (good: FetchResponse, currentLeader?: { leaderId: number; leaderEpoch: number }): FetchResponse => ({
    ...good,
    responses: good.responses.map((t) => ({ ...t, partitions: t.partitions.map((p) => (p.partitionIndex === 0 ? { ...p, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, records: null, currentLeader } : p)) })),
  });

  it('Metadata naming a leader (node 7) that is not among the brokers: fetching waits or fails typed; records arrive on the next good metadata', async () => {
    const leader7 = (_req: FakeRequest, good: unknown) => {
      const g = structuredClone(good) as MetadataResponse;
      for (const t of g.topics) for (const p of t.partitions) p.leaderId = 7;
      return { body: g };
    };
    hb.fault('Metadata', leader7, leader7, leader7);
    // One leadership error sends the consumer to the metadata, which names node 7 three times.
    let told = false;
    behave = (_req, good) => (told ? { body: good } : ((told = true), { body: notLeader(good) }));
    append(['l1']);
    expect(await readValues(1, 'the record after the metadata named node 7')).toEqual(['l1']);
    expect(hb.pending('Metadata'), 'metadata faults not served').toBe(0);
    append(['l2']);
    expect(await readValues(1, 'the next record')).toEqual(['l2']);
  });

  it('a Fetch error naming a new leader (node 7, epoch 5) that is not a broker: the truncation check and the fetch wait or fail typed, then records arrive', async () => {
    // Records with a leader epoch, so a new leader means a truncation check (OffsetForLeaderEpoch) first.
    append(['e0'], 0);
    expect(await readValues(1, 'the record of epoch 0')).toEqual(['e0']);
    let told = 0;
    behave = (_req, good) => (told++ < 1 ? { body: { ...notLeader(good, { leaderId: 7, leaderEpoch: 5 }), nodeEndpoints: [{ nodeId: 7, host: '127.0.0.1', port: 1, rack: null }] } } : { body: good });
    // The metadata the error sends the consumer to agrees, three times over, before it answers well again.
    const leader7 = (_req: FakeRequest, good: unknown) => {
      const g = structuredClone(good) as MetadataResponse;
      for (const t of g.topics) for (const p of t.partitions) Object.assign(p, { leaderId: 7, leaderEpoch: 5 });
      return { body: g };
    };
    hb.fault('Metadata', leader7, leader7, leader7);
    append(['e1'], 0);
    const before = memoryNow();
    expect(await readValues(1, 'the record after the answers naming node 7')).toEqual(['e1']);
    expect(told, 'the forged Fetch answer was not served').toBeGreaterThanOrEqual(1);
    expect(hb.pending('Metadata'), 'metadata faults not served').toBe(0);
    expect(memoryNow() - before).toBeLessThan(MEMORY_BUDGET);
  });

  // Fetch v11 (the last before flexible versions) has int32 lengths and counts, so a negative one can be sent: a
  // partition's layout ends abortedTransactions count (int32, -1 for null), preferredReadReplica (int32), records
  // length (int32), records.
  for (const [what, back, value] of [
    ['a records size of -5', 4, -5],
    ['a records size of -2^31', 4, -0x80000000],
    ['an aborted transactions count of -5', 12, -5],
    ['an aborted transactions count of -2^31', 12, -0x80000000],
  ] as const) {
    it(`a Fetch v11 answer with ${what}: typed errors or nothing, then recovery`, async () => {
      await consumer.close();
      consumer = newConsumer({ versionCaps: { Fetch: 11 } });
      expect(await readValues(1, 'the first record over Fetch v11')).toEqual(['warm']);
      append(['n1']);
      let faults = 2;
      behave = (req, good) => {
        if (faults <= 0 || req.version !== 11) return { body: good };
        const records = batches[batches.length - 1]!.bytes;
        const frame = frameOf(req, withRecords(good, records));
        const at = frame.indexOf(records);
        expect(frame.readInt32BE(at - 4), 'records size position').toBe(records.length);
        expect(frame.readInt32BE(at - 12), 'aborted transactions count position').toBe(-1);
        faults--;
        frame.writeInt32BE(value, at - back);
        return { bytes: frame };
      };
      const before = memoryNow();
      // The answers start at the last record read: ask for the batch again after each forged answer.
      expect(await readValues(1, `the record after two answers with ${what}`)).toEqual(['n1']);
      expect(faults, 'forged answers not served').toBe(0);
      expect(memoryNow() - before).toBeLessThan(MEMORY_BUDGET);
    });
  }

  // Flexible Fetch (v12+) has unsigned varint lengths (N + 1, 0 for null): the forgery is a huge one.
  for (const [what, field] of [
    ['a records size of 2^32 - 2', 'records'],
    ['an aborted transactions count of 2^32 - 2', 'aborted'],
  ] as const) {
    it(`a flexible Fetch answer with ${what}: typed errors or nothing, then recovery`, async () => {
      append(['f1']);
      let faults = 2;
      behave = (req, good) => {
        if (faults <= 0) return { body: good };
        const records = batches[batches.length - 1]!.bytes;
        const frame = frameOf(req, withRecords(good, records));
        const at = frame.indexOf(records);
        const lengthBytes = uvarintLength(records.length + 1);
        // Before the records length: preferredReadReplica (int32), and before it the aborted transactions count (0: null).
        const start = field === 'records' ? at - lengthBytes : at - lengthBytes - 4 - 1;
        const remove = field === 'records' ? lengthBytes : 1;
        if (field === 'aborted') expect(frame[start], 'aborted transactions count position').toBe(0);
        faults--;
        return { bytes: splice(frame, start, remove, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])) };
      };
      const before = memoryNow();
      expect(await readValues(1, `the record after two answers with ${what}`)).toEqual(['f1']);
      expect(faults, 'forged answers not served').toBe(0);
      expect(memoryNow() - before).toBeLessThan(MEMORY_BUDGET);
    });
  }
});

function uvarintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}
