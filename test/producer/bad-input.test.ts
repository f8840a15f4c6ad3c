// Issue 10 item 1: a bad record or option rejects its own call only. The
// process lives on (no unhandled rejection), the other records of the same
// batch and request are delivered, and flush() returns.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KafkaConfigError, KafkaError, Producer } from '../../src/index.js';
import { internalsOf } from '../../src/producer/internal.js';
import { resolveProducerOptions, type ProducerOptions } from '../../src/producer/options.js';
import { registerBuiltinCodecs, registerCodec, zstdAvailable } from '../../src/records/compression/index.js';
import { startFakeCluster, type FakeCluster } from './fake-cluster.js';

const TOPIC = 'bad-input';
let fake: FakeCluster | undefined;
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => void unhandled.push(e);

beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});

afterEach(async () => {
  // Give a detached promise the turns it needs to reject, then check nothing escaped.
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  process.off('unhandledRejection', onUnhandled);
  await fake?.close();
  fake = undefined;
  registerBuiltinCodecs();
  expect(unhandled).toEqual([]);
});

/** Sends good records to partitions 0 and 1 around the bad one, in one linger window (one request). */
async function sendAround(p: Producer<unknown, unknown>, bad: () => Promise<unknown>) {
  const good = [p.send({ topic: TOPIC, value: 'g0', partition: 0 }), p.send({ topic: TOPIC, value: 'g1', partition: 1 })];
  const badResult = bad().then(() => null, (e: unknown) => e);
  const more = [p.send({ topic: TOPIC, value: 'g2', partition: 0 }), p.send({ topic: TOPIC, value: 'g3', partition: 1 })];
  const metas = await Promise.all([...good, ...more]);
  await p.flush();
  return { err: await badResult, metas };
}

describe('bad input rejects only its own send()', () => {
  it('a timestamp that is not a whole number of milliseconds', async () => {
    fake = await startFakeCluster({ topics: { [TOPIC]: 2 } });
    const p = new Producer({ bootstrapServers: fake.bootstrap, lingerMs: 20 });
    await p.connect();
    const { err, metas } = await sendAround(p, () => p.send({ topic: TOPIC, value: 'bad', partition: 0, timestamp: Date.now() / 1000 }));
    expect(err).toBeInstanceOf(KafkaConfigError);
    expect((err as Error).message).toMatch(/timestamp .* not a Date or a whole number/);
    expect(metas.map((m) => m.partition)).toEqual([0, 1, 0, 1]);
    expect(fake.log.get(`${TOPIC}/0`)).toEqual(['g0', 'g2']);
    // A partition past the end is known only once metadata is: still only that send rejects, its bytes released.
    const outOfRange = await p.send({ topic: TOPIC, value: 'x', partition: 2 }).catch((e: unknown) => e);
    expect((outOfRange as Error).message).toMatch(/partition 2 is out of range/);
    expect(internalsOf(p).acc.used).toBe(0);
    await p.close();
  });

  it('a partitioner that returns a partition the topic does not have', async () => {
    fake = await startFakeCluster({ topics: { [TOPIC]: 2 } });
    const p = new Producer({ bootstrapServers: fake.bootstrap, partitioner: ({ key }) => (key ? 7 : undefined) });
    await p.connect();
    const err = await p.send({ topic: TOPIC, key: 'k', value: 'v' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaConfigError);
    expect((err as Error).message).toMatch(/partitioner chose partition 7/);
    expect((await p.send({ topic: TOPIC, value: 'keyless' })).offset).toBe(0n);
    expect(internalsOf(p).acc.used).toBe(0);
    await p.close();
  });

  it('a Date timestamp is taken as its milliseconds', async () => {
    fake = await startFakeCluster({ topics: { [TOPIC]: 1 } });
    const p = new Producer({ bootstrapServers: fake.bootstrap });
    const m = await p.send({ topic: TOPIC, value: 'dated', timestamp: new Date(1_700_000_000_123) });
    expect(m.timestamp).toBe(1_700_000_000_123);
    await p.close();
  });

  it('a valueSerializer that returns a string, and a header value that is not bytes', async () => {
    fake = await startFakeCluster({ topics: { [TOPIC]: 2 } });
    const p = new Producer<unknown, unknown>({
      bootstrapServers: fake.bootstrap,
      lingerMs: 20,
      valueSerializer: (v) => (v === 'as-string' ? ('oops' as unknown as Uint8Array) : Buffer.from(String(v))),
    });
    await p.connect();
    const { err, metas } = await sendAround(p, () => p.send({ topic: TOPIC, value: 'as-string', partition: 1 }));
    expect(err).toBeInstanceOf(KafkaConfigError);
    expect((err as Error).message).toMatch(/valueSerializer returned a string/);
    expect(metas).toHaveLength(4);
    const header = await p.send({ topic: TOPIC, value: 'h', headers: { n: 5 as unknown as string } }).catch((e: unknown) => e);
    expect((header as Error).message).toMatch(/header n .* number value/);
    const partition = await p.send({ topic: TOPIC, value: 'p', partition: 0.5 }).catch((e: unknown) => e);
    expect((partition as Error).message).toMatch(/partition 0.5 .* integer/);
    await p.close();
  });

  it('a batch that cannot be encoded inside the sender fails alone; its counters and bytes are released', async () => {
    fake = await startFakeCluster({ topics: { [TOPIC]: 2, other: 1 } });
    const p = new Producer({ bootstrapServers: fake.bootstrap, lingerMs: 20, compressionType: 'gzip', enableIdempotence: false, acks: 1 });
    await p.connect();
    await p.send({ topic: 'other', value: 'warm' });
    // A codec that fails for one marked value, as a broken or unavailable codec would.
    registerCodec({
      id: 1,
      name: 'gzip',
      compress: (d) => {
        if (Buffer.from(d).includes('explode')) throw new Error('codec exploded');
        return Buffer.from(d);
      },
      decompress: (d) => Buffer.from(d),
    });
    const { err, metas } = await sendAround(p, () => p.send({ topic: 'other', value: 'explode' }));
    expect(err).toBeInstanceOf(KafkaError);
    expect((err as Error).message).toMatch(/could not encode .*other-0.*codec exploded/);
    expect(metas).toHaveLength(4);
    expect(internalsOf(p).acc.used).toBe(0);
    // The partition is usable again.
    registerBuiltinCodecs();
    expect((await p.send({ topic: 'other', value: 'after' })).offset).toBe(1n);
    await p.close();
  });
});

describe('options are checked when the producer is built', () => {
  it('no options object, or not an object: a KafkaConfigError that asks for one (not a TypeError)', () => {
    for (const bad of [undefined, null, 'x:1', 5]) {
      expect(() => new Producer(bad as unknown as ProducerOptions)).toThrow(new KafkaConfigError('the producer needs an options object with bootstrapServers'));
    }
  });

  it('an unknown compression type names the known ones', () => {
    expect(() => new Producer({ bootstrapServers: '127.0.0.1:1', compressionType: 'brotli' as 'gzip' })).toThrow(KafkaConfigError);
    expect(() => resolveProducerOptions({ bootstrapServers: 'x:1', compressionType: 'brotli' as 'gzip' })).toThrow(/none, gzip, snappy, lz4, zstd; got "brotli"/);
  });

  it.runIf(!zstdAvailable())('zstd on a Node.js without it names the version needed', () => {
    expect(() => new Producer({ bootstrapServers: '127.0.0.1:1', compressionType: 'zstd' })).toThrow(/zstd' needs Node.js 22.15.0 or later.*this is Node.js v/);
  });

  it.runIf(zstdAvailable())('zstd where Node has it is accepted', () => {
    expect(resolveProducerOptions({ bootstrapServers: 'x:1', compressionType: 'zstd' }).compressionType).toBe('zstd');
  });

  it('deliveryTimeoutMs is derived as Java does: raised to lingerMs + requestTimeoutMs when not set, refused when set lower', () => {
    expect(resolveProducerOptions({ bootstrapServers: 'x:1' }).deliveryTimeoutMs).toBe(120_000);
    expect(resolveProducerOptions({ bootstrapServers: 'x:1', requestTimeoutMs: 200_000 }).deliveryTimeoutMs).toBe(200_005);
    expect(resolveProducerOptions({ bootstrapServers: 'x:1', lingerMs: 150_000 }).deliveryTimeoutMs).toBe(180_000);
    expect(() => resolveProducerOptions({ bootstrapServers: 'x:1', requestTimeoutMs: 200_000, deliveryTimeoutMs: 120_000 })).toThrow(/deliveryTimeoutMs \(120000\) must be at least/);
  });

  it('metadataMaxIdleMs defaults to 300000 and is at least 5000, as in Java', () => {
    expect(resolveProducerOptions({ bootstrapServers: 'x:1' }).metadataMaxIdleMs).toBe(300_000);
    expect(() => resolveProducerOptions({ bootstrapServers: 'x:1', metadataMaxIdleMs: 10 })).toThrow(/metadataMaxIdleMs/);
  });
});
