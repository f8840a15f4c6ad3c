// Issue 10 items 3, 6 and 7: bufferMemory covers sends still waiting for
// metadata; flush() waits for what was sent before it, not for idleness;
// idle topics are forgotten; awaited sends go at once; sendBatch tells each
// record's outcome.
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaError, Producer, type ProducerOptions } from '../../src/index.js';
import { internalsOf, withTestHooks } from '../../src/producer/internal.js';
import { SendBatchError } from '../../src/producer/send-batch.js';
import { ErrorCode } from '../../src/messages/error-codes.js';
import type { Clock } from '../../src/network/clock.js';
import { deferred, startFakeCluster, waitFor, type FakeCluster } from './fake-cluster.js';

let fake: FakeCluster | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('bufferMemory', () => {
  it('counts sends that wait for a topic’s metadata, up to bufferMemory; every byte is released when they fail', async () => {
    fake = await startFakeCluster({ topics: {} });
    const p = new Producer({ bootstrapServers: fake.bootstrap, bufferMemory: 1000, maxBlockMs: 300, retryBackoffMs: 10 });
    await p.connect();
    // The topic does not exist: every send waits for its metadata.
    const sends = Array.from({ length: 40 }, () => p.send({ topic: 'not-yet', value: Buffer.alloc(100) }).then(() => 'ok', (e: unknown) => e));
    await new Promise((r) => setImmediate(r));
    const { acc } = internalsOf(p);
    expect(acc.used).toBeGreaterThan(500);
    expect(acc.used).toBeLessThanOrEqual(1000);
    const outcomes = await Promise.all(sends);
    // Each fails within its maxBlockMs with a typed error naming the topic (or bufferMemory, if it never got room).
    for (const e of outcomes) expect((e as Error).message).toMatch(/not-yet|bufferMemory/);
    expect(outcomes.every((e) => e instanceof KafkaError)).toBe(true);
    expect(acc.used).toBe(0);
    await p.close();
  });
});

describe('flush()', () => {
  it('waits for the records sent before it, not for records sent after it', async () => {
    const firstAnswer = deferred<number>();
    const laterAnswer = deferred<number>();
    fake = await startFakeCluster({ topics: { t: 2 }, produce: (b) => (b.values.includes('later') ? laterAnswer.promise : b.values.includes('first') ? firstAnswer.promise : 0) });
    const p = new Producer({ bootstrapServers: fake.bootstrap, lingerMs: 50 });
    await p.connect();
    const first = p.send({ topic: 't', value: 'first', partition: 0 });
    await waitFor(() => fake!.produced.length === 1, 'the first record to be sent');
    const flushed = p.flush();
    const later = p.send({ topic: 't', value: 'later', partition: 1 });
    let laterDone = false;
    void later.then(() => (laterDone = true));
    await waitFor(() => fake!.produced.length === 2, 'the later record to be sent');
    firstAnswer.resolve(0);
    await flushed;
    expect((await first).offset).toBe(0n);
    expect(laterDone).toBe(false);
    laterAnswer.resolve(0);
    expect((await later).offset).toBe(0n);
    await p.close();
  });
});

describe('fast awaited sends (natural batching)', () => {
  it('a partition with nothing in flight sends at once, whatever lingerMs says', async () => {
    fake = await startFakeCluster({ topics: { t: 1 } });
    // A linger longer than the test's own timeout: only an immediate send can pass.
    const p = new Producer({ bootstrapServers: fake.bootstrap, lingerMs: 600_000 });
    for (let i = 0; i < 3; i++) expect((await p.send({ topic: 't', value: `v${i}` })).offset).toBe(BigInt(i));
    await p.close({ timeoutMs: 1000 });
  });

  it('records sent while a request is in flight gather into the next batch', async () => {
    const held = deferred<number>();
    fake = await startFakeCluster({ topics: { t: 1 }, produce: (_, call) => (call === 1 ? held.promise : 0) });
    const p = new Producer({ bootstrapServers: fake.bootstrap, lingerMs: 600_000 });
    await p.connect();
    const first = p.send({ topic: 't', value: 'first' });
    await waitFor(() => fake!.produced.length === 1, 'the first request');
    const rest = Array.from({ length: 10 }, (_, i) => p.send({ topic: 't', value: `r${i}` }));
    await new Promise((r) => setTimeout(r, 20));
    expect(fake.produced.length).toBe(1);
    held.resolve(0);
    await Promise.all([first, ...rest]);
    expect(fake.produced.map((b) => b.values.length)).toEqual([1, 10]);
    await p.close();
  });
});

describe('sendBatch()', () => {
  it('resolves to every record’s metadata, or rejects once all settled with each record’s outcome', async () => {
    fake = await startFakeCluster({ topics: { t: 3 }, produce: (b) => (b.partition === 1 ? ErrorCode.INVALID_TOPIC_EXCEPTION : 0) });
    const p = new Producer({ bootstrapServers: fake.bootstrap });
    const ok = await p.sendBatch([{ topic: 't', value: 'a', partition: 0 }, { topic: 't', value: 'b', partition: 2 }]);
    expect(ok.map((m) => m.partition)).toEqual([0, 2]);
    const err = (await p.sendBatch([0, 1, 2, 1].map((partition) => ({ topic: 't', value: `x${partition}`, partition }))).catch((e: unknown) => e)) as SendBatchError;
    expect(err).toBeInstanceOf(SendBatchError);
    expect(err.outcomes.map((o) => o.ok)).toEqual([true, false, true, false]);
    expect(err.failed).toEqual([1, 3]);
    expect(err.message).toMatch(/2 of 4 record\(s\) .* failed .*INVALID_TOPIC_EXCEPTION/);
    await p.close();
  });
});

describe('metadataMaxIdleMs', () => {
  it('drops a topic not sent to for that long from Metadata requests and from per-partition state', async () => {
    fake = await startFakeCluster({ topics: { old: 1, fresh: 1 } });
    let offset = 0;
    const clock: Clock = { now: () => Date.now() + offset, setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
    const options: ProducerOptions = { bootstrapServers: fake.bootstrap, metadataMaxIdleMs: 5000 };
    const p = new Producer(withTestHooks(options, { clock }));
    await p.send({ topic: 'old', value: 'a' });
    const { acc } = internalsOf(p);
    expect(acc.topics.has('old')).toBe(true);
    offset += 6000;
    await p.send({ topic: 'fresh', value: 'b' });
    const last = fake.metadataTopics[fake.metadataTopics.length - 1];
    expect(last).toEqual(['fresh']);
    await waitFor(() => !acc.topics.has('old'), 'the idle topic’s state to be dropped');
    // Coming back later works, with a new epoch from sequence 0.
    const again = await p.send({ topic: 'old', value: 'c' });
    expect(again.offset).toBe(1n);
    const lastOld = fake.produced.filter((b) => b.topic === 'old').pop()!;
    expect([lastOld.epoch, lastOld.baseSequence]).toEqual([1, 0]);
    await p.close();
  });

  it('sends again to a topic dropped right after it was the last one sent to', async () => {
    fake = await startFakeCluster({ topics: { old: 1 } });
    let offset = 0;
    const clock: Clock = { now: () => Date.now() + offset, setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
    const p = new Producer(withTestHooks({ bootstrapServers: fake.bootstrap, metadataMaxIdleMs: 5000 }, { clock }));
    await p.send({ topic: 'old', value: 'a' });
    const { acc } = internalsOf(p);
    offset += 6000;
    // A flush runs a drain, which forgets the idle topic; no other topic was sent to in between.
    await p.flush();
    await waitFor(() => !acc.topics.has('old'), 'the idle topic’s state to be dropped');
    const again = await p.send({ topic: 'old', value: 'b' });
    expect(again.offset).toBe(1n);
    expect(acc.topics.has('old')).toBe(true);
    await p.close();
  });

  it('test hooks are not public options', () => {
    // @ts-expect-error clock is not a ProducerOptions field
    const o: ProducerOptions = { bootstrapServers: 'x:1', clock: undefined };
    // @ts-expect-error lookup is not a ProducerOptions field
    const o2: ProducerOptions = { bootstrapServers: 'x:1', lookup: undefined };
    const p = new Producer({ bootstrapServers: '127.0.0.1:1' });
    // @ts-expect-error pool is private
    expect(p.pool).toBeDefined();
    // @ts-expect-error metadata is private
    expect(p.metadata).toBeDefined();
    expect([o, o2]).toHaveLength(2);
  });
});

describe('deliveryTimeoutMs', () => {
  it('fails a batch still in flight at its deadline; the late answer only settles the bookkeeping', async () => {
    const held = deferred<number>();
    fake = await startFakeCluster({ topics: { t: 2 }, produce: (b) => (b.values.includes('held') ? held.promise : 0) });
    let offset = 0;
    const clock: Clock = { now: () => Date.now() + offset, setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
    const p = new Producer(withTestHooks({ bootstrapServers: fake.bootstrap, requestTimeoutMs: 600_000, deliveryTimeoutMs: 600_010 } as ProducerOptions, { clock }));
    await p.connect();
    const late = p.send({ topic: 't', value: 'held', partition: 0 }).catch((e: unknown) => e);
    await waitFor(() => fake!.produced.length === 1, 'the held request');
    offset += 700_000;
    // Any drain now sees the deadline passed (here, one a send to another partition starts; its answer
    // queues behind the held one, as a broker answers a connection in order).
    const other = p.send({ topic: 't', value: 'other', partition: 1 });
    const err = (await late) as Error;
    expect(err).toBeInstanceOf(KafkaError);
    expect(err.message).toMatch(/t-0 expired after \d+ ms .*deliveryTimeoutMs 600010/);
    held.resolve(0);
    expect((await other).partition).toBe(1);
    await p.flush();
    expect(internalsOf(p).acc.used).toBe(0);
    // The partition goes on: its sequence state took the late success.
    expect((await p.send({ topic: 't', value: 'after', partition: 0 })).offset).toBe(1n);
    await p.close();
  });
});
