// The connection layer (ConnectionPool, Connection, Metadata) against a broker
// that answers with well-formed but wrong responses. Each case: the request
// meets a typed KafkaError (or the wrong answer is ignored where that is the
// right thing), nothing hangs (every wait has a deadline), no allocation out
// of proportion, and the next good response works on the same pool.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Metadata } from '../../src/cluster/metadata.js';
import { KafkaError, KafkaTimeoutError } from '../../src/errors.js';
import type { FetchResponse, MetadataResponse } from '../../src/messages/generated/index.js';
import { ConnectionPool } from '../../src/network/pool.js';
import { encodeRecordBatch } from '../../src/records/batch.js';
import { decodeRecords } from '../../src/records/legacy.js';
import { frameOf, memoryNow, splice, startHostileBroker, type HostileBroker } from './hostile-broker.js';

const TOPIC = 'hostile';
/** Largest growth of heap + array buffers one case may cause. */
const MEMORY_BUDGET = 48 * 1024 * 1024;
/** Upper bound on any wait in these tests: a hang fails, it does not stall the run. */
const DEADLINE_MS = 15_000;

let hb: HostileBroker;
let pool: ConnectionPool;
let metadata: Metadata;
let memoryBefore = 0;

async function within<T>(p: Promise<T>, what: string, ms = DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: ${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The promise's rejection, which must be a KafkaError. */
async function typedRejection(p: Promise<unknown>, what: string): Promise<KafkaError> {
  const err = await within(
    p.then(
      () => null,
      (e: unknown) => e,
    ),
    what,
  );
  expect(err, `${what} should fail`).not.toBeNull();
  expect(err, `${what}: ${String(err)}`).toBeInstanceOf(KafkaError);
  return err as KafkaError;
}

/** The good path works again: a refresh sees the topic with its partitions. */
async function recovers(): Promise<void> {
  await within(metadata.refresh(), 'the next metadata refresh');
  expect(metadata.topics.get(TOPIC)?.partitions.map((p) => p.partition)).toEqual([0, 1]);
}

beforeEach(async () => {
  hb = await startHostileBroker({ topics: { [TOPIC]: 2 } });
  pool = new ConnectionPool({ bootstrapServers: hb.bootstrap, requestTimeoutMs: 1500, reconnectBackoffMs: 10, reconnectBackoffMaxMs: 50 });
  await pool.start();
  metadata = new Metadata(pool, { retryBackoffMs: 10 });
  metadata.want([TOPIC]);
  await metadata.refresh();
  memoryBefore = memoryNow();
});

afterEach(async () => {
  await pool.close();
  await hb.close();
  expect(memoryNow() - memoryBefore, 'heap + buffers grew').toBeLessThan(MEMORY_BUDGET);
});

// Byte offsets in a flexible Metadata response frame: size 4, correlation id 4, header tags 1, throttle 4, then the brokers count.
const BROKERS_COUNT_AT = 13;

describe('hostile frames', () => {
  for (const [what, size] of [
    ['huge (2^31 - 1)', 0x7fffffff],
    ['negative (-1)', -1],
    ['negative (-2^31)', -0x80000000],
  ] as const) {
    it(`a frame size that is ${what}`, async () => {
      hb.fault('Metadata', () => {
        const b = Buffer.alloc(8);
        b.writeInt32BE(size, 0);
        return { bytes: b };
      });
      // Refused as it arrives, not left to the request timeout.
      expect(await typedRejection(metadata.refresh(), 'refresh')).not.toBeInstanceOf(KafkaTimeoutError);
      await recovers();
    });
  }

  it('a frame that announces 50 MB and never delivers them: a timeout, without buffering 50 MB', async () => {
    hb.fault('Metadata', () => {
      const b = Buffer.alloc(64);
      b.writeInt32BE(50 << 20, 0);
      return { bytes: b };
    });
    const err = await typedRejection(metadata.refresh(), 'refresh');
    expect(err).toBeInstanceOf(KafkaTimeoutError);
    await recovers();
  });

  it('a response with a correlation id the client never used', async () => {
    hb.fault('Metadata', (req, good) => ({ bytes: frameOf({ ...req, correlationId: req.correlationId + 1000 }, good) }));
    expect(await typedRejection(metadata.refresh(), 'refresh')).not.toBeInstanceOf(KafkaTimeoutError);
    await recovers();
  });

  it('an endless stream of empty frames: the client drops the connection', async () => {
    let written = 0;
    hb.fault('Metadata', (req) => {
      const empty = Buffer.alloc(4);
      const flood = () => {
        // Bounded in the test: 200000 frames at most, or until the client closes the socket.
        for (let i = 0; i < 1000 && written < 200_000 && !req.socket.destroyed && req.socket.writable; i++, written++) req.socket.write(empty);
        if (written < 200_000 && !req.socket.destroyed && req.socket.writable) setImmediate(flood);
      };
      flood();
      return { silent: true };
    });
    await typedRejection(metadata.refresh(), 'refresh');
    await recovers();
    expect(written).toBeLessThan(200_000);
  });

  it('an endless stream of unsolicited good responses: the client drops the connection', async () => {
    let written = 0;
    hb.fault('Metadata', (req, good) => {
      const flood = () => {
        for (let i = 0; i < 200 && written < 100_000 && !req.socket.destroyed && req.socket.writable; i++, written++) {
          req.socket.write(frameOf({ ...req, correlationId: req.correlationId + 1 + written }, good));
        }
        if (written < 100_000 && !req.socket.destroyed && req.socket.writable) setImmediate(flood);
      };
      req.socket.write(frameOf(req, good));
      flood();
      return { silent: true };
    });
    await within(metadata.refresh(), 'refresh answered first');
    // The next request finds the connection dropped or is answered by a fresh one.
    await within(
      (async () => {
        for (let i = 0; i < 50; i++) {
          if (await metadata.refresh().then(() => true, () => false)) return;
        }
        throw new Error('never recovered');
      })(),
      'recovery',
    );
    await recovers();
    expect(written).toBeLessThan(100_000);
  });
});

describe('hostile counts and sizes inside a well-framed response', () => {
  it('a brokers count of 2^32 - 2 (compact array)', async () => {
    hb.fault('Metadata', (req, good) => ({ bytes: splice(frameOf(req, good), BROKERS_COUNT_AT, 1, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])) }));
    const err = await typedRejection(metadata.refresh(), 'refresh');
    expect(err).not.toBeInstanceOf(KafkaTimeoutError);
    expect(err.message).toMatch(/brokers/);
    await recovers();
  });

  it('a topic name length of 0x7fff with two bytes behind it', async () => {
    hb.fault('Metadata', (req, good) => {
      const f = frameOf(req, { ...(good as MetadataResponse), brokers: [], topics: [] });
      // After the (empty) brokers: clusterId null, controllerId 1, one topic: errorCode 0, then a name of 32767 chars that has 2.
      const forged = Buffer.from([0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x80, 0x80, 0x02, 0x61, 0x62]);
      return { bytes: splice(f, BROKERS_COUNT_AT + 1, f.length - BROKERS_COUNT_AT - 1, forged) };
    });
    const err = await typedRejection(metadata.refresh(), 'refresh');
    expect(err).not.toBeInstanceOf(KafkaTimeoutError);
    expect(err.message).toMatch(/name/);
    await recovers();
  });

  it('a record batch whose length field says more than the bytes present, and one that says less', async () => {
    const batch = encodeRecordBatch([{ value: Buffer.from('one') }, { value: Buffer.from('two') }]);
    const longer = Buffer.from(batch);
    longer.writeInt32BE(longer.readInt32BE(8) + 1000, 8);
    const shorter = Buffer.from(batch);
    shorter.writeInt32BE(shorter.readInt32BE(8) - 10, 8);
    const fetchBody = (records: Buffer) => ({
      throttleTimeMs: 0, errorCode: 0, sessionId: 0, nodeEndpoints: [],
      responses: [{ topic: TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: [{
        partitionIndex: 0, errorCode: 0, highWatermark: 2n, lastStableOffset: 2n, logStartOffset: 0n, abortedTransactions: [], preferredReadReplica: -1, records,
        divergingEpoch: { epoch: -1, endOffset: -1n }, currentLeader: { leaderId: -1, leaderEpoch: -1 }, snapshotId: { endOffset: -1n, epoch: -1 },
      }] }],
    });
    hb.fault('Fetch', () => ({ body: fetchBody(longer) }), () => ({ body: fetchBody(shorter) }), () => ({ body: fetchBody(batch) }));
    const fetch = () =>
      within(
        pool.request<FetchResponse>(1, 'Fetch', {
          replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
          topics: [{ topic: TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1n, lastFetchedEpoch: -1 }] }],
          forgottenTopicsData: [], rackId: '',
        }),
        'Fetch',
      );
    // Longer than present: a batch cut at the end of a fetch is normal (the broker trims to maxBytes): no records, marked truncated.
    const cut = decodeRecords((await fetch()).responses[0]!.partitions[0]!.records, { topic: TOPIC, partition: 0 });
    expect(cut.batches).toEqual([]);
    expect(cut.truncated).toBe(true);
    // Shorter than its content: the checksum no longer covers the batch, so a typed error.
    const short = (await fetch()).responses[0]!.partitions[0]!.records;
    let thrown: unknown;
    try {
      decodeRecords(short, { topic: TOPIC, partition: 0 });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(KafkaError);
    // And the good one after it.
    const good = decodeRecords((await fetch()).responses[0]!.partitions[0]!.records, { topic: TOPIC, partition: 0 });
    expect(good.batches.flatMap((b) => (b.control ? [] : b.records.map((r) => r.value?.toString())))).toEqual(['one', 'two']);
  });
});

describe('hostile counts in a classic (non-flexible) version', () => {
  // Metadata capped at v8, whose arrays carry an int32 count: size 4, correlation id 4, throttle 4, then the brokers count.
  for (const count of [0xffffffff, 0x80000000, 0x7fffffff]) {
    it(`a brokers count of int32 0x${count.toString(16)}`, async () => {
      const classic = await startHostileBroker({ topics: { [TOPIC]: 2 }, versions: { 3: [0, 8] } });
      const p = new ConnectionPool({ bootstrapServers: classic.bootstrap, requestTimeoutMs: 1500 });
      try {
        await p.start();
        classic.fault('Metadata', (req, good) => {
          const f = frameOf(req, good);
          f.writeUInt32BE(count, 12);
          return { bytes: f };
        });
        const m = new Metadata(p);
        m.want([TOPIC]);
        const err = await typedRejection(m.refresh(), 'refresh');
        expect(err).not.toBeInstanceOf(KafkaTimeoutError);
        await within(m.refresh(), 'the next refresh');
        expect(m.topics.get(TOPIC)?.partitions.length).toBe(2);
      } finally {
        await p.close();
        await classic.close();
      }
    });
  }
});

describe('a hostile ApiVersions answer', () => {
  it('no version of Metadata in common: a typed error, and a good handshake later works', async () => {
    const odd = await startHostileBroker({ topics: { [TOPIC]: 2 } });
    const p = new ConnectionPool({ bootstrapServers: odd.bootstrap, requestTimeoutMs: 1500, reconnectBackoffMs: 10, reconnectBackoffMaxMs: 50 });
    try {
      odd.fault('ApiVersions', (_req, good) => {
        const g = structuredClone(good) as { apiKeys: Array<{ apiKey: number; minVersion: number; maxVersion: number }> };
        for (const k of g.apiKeys) if (k.apiKey === 3) Object.assign(k, { minVersion: 50, maxVersion: 60 });
        return { body: g };
      });
      await p.start();
      const m = new Metadata(p);
      m.want([TOPIC]);
      await typedRejection(m.refresh(), 'refresh with no common version');
      // The pool keeps that connection; a broker that later answers well is reached on a new one.
      await p.close();
      const again = new ConnectionPool({ bootstrapServers: odd.bootstrap, requestTimeoutMs: 1500 });
      try {
        await again.start();
        const m2 = new Metadata(again);
        m2.want([TOPIC]);
        await within(m2.refresh(), 'refresh after a good handshake');
        expect(m2.topics.get(TOPIC)?.partitions.length).toBe(2);
      } finally {
        await again.close();
      }
    } finally {
      await p.close();
      await odd.close();
    }
  });
});

describe('hostile values in a well-formed Metadata response', () => {
  const bad = (change: (good: MetadataResponse) => MetadataResponse) => () =>
    hb.fault('Metadata', (_req, good) => ({ body: change(structuredClone(good) as MetadataResponse) }));

  it('a throttle time of five hours: the answer is used and the next request is not held for hours', async () => {
    bad((g) => ({ ...g, throttleTimeMs: 5 * 3600_000 }))();
    await within(metadata.refresh(), 'refresh');
    await recovers();
  });

  it('a partition the client never asked about, and a topic it never asked about: nothing huge is allocated', async () => {
    bad((g) => {
      const t = g.topics[0]!;
      const p = t.partitions[0]!;
      t.partitions.push({ ...p, partitionIndex: 2147483647 }, { ...p, partitionIndex: -5 });
      g.topics.push({ ...t, name: 'never-asked' });
      return g;
    })();
    await within(metadata.refresh(), 'refresh');
    // The view holds what the broker said (the Java client does too), as plain entries, not an array 2^31 long.
    expect(metadata.topics.get(TOPIC)!.partitions.length).toBeLessThanOrEqual(4);
    await recovers();
  });

  it('a leader id that is not among the brokers: requests to it fail typed, at once; the next good metadata works', async () => {
    bad((g) => {
      for (const p of g.topics[0]!.partitions) p.leaderId = 7;
      return g;
    })();
    await within(metadata.refresh(), 'refresh');
    const leader = metadata.leaderFor(TOPIC, 0);
    expect(leader).toBe(7);
    await typedRejection(pool.request(leader, 'Metadata', { topics: [], allowAutoTopicCreation: false }), 'a request to node 7');
    await recovers();
    expect(metadata.leaderFor(TOPIC, 0)).toBe(1);
  });

  it('a broker with port -1 and one with port 70000: dialling them fails typed', async () => {
    bad((g) => {
      g.brokers.push({ nodeId: 2, host: '127.0.0.1', port: -1, rack: null }, { nodeId: 3, host: '127.0.0.1', port: 70_000, rack: null });
      return g;
    })();
    await within(metadata.refresh(), 'refresh');
    for (const node of [2, 3]) await typedRejection(pool.request(node, 'Metadata', { topics: [], allowAutoTopicCreation: false }), `a request to node ${node}`);
    await recovers();
  });

  it('thousands of brokers on closed ports: the pool does not hang and the good broker still answers', async () => {
    bad((g) => {
      for (let i = 0; i < 2000; i++) g.brokers.push({ nodeId: 100 + i, host: '127.0.0.1', port: 1, rack: null });
      return g;
    })();
    await within(metadata.refresh(), 'refresh');
    await recovers();
  });
});
