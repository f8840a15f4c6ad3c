/**
 * Fuzzing: random bytes, and valid compressed data with random damage, fed
 * to every decompressor. Each call must either return at most maxOutputBytes
 * bytes or throw a KafkaError; any other exception, or a slow call, fails.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../../src/errors.js';
import { gzipCompress, gzipDecompress } from '../../../src/records/compression/gzip.js';
import { lz4FrameCompress, lz4FrameDecompress } from '../../../src/records/compression/lz4.js';
import { snappyCompressRaw, snappyCompressXerial, snappyDecompress } from '../../../src/records/compression/snappy.js';
import { zstdAvailable, zstdCompress, zstdDecompress } from '../../../src/records/compression/zstd.js';
import { pattern, random, semiCompressible, words } from './data.js';
import { fromHex } from './helpers.js';
import { JAVA_FIXTURES } from './java-fixtures.js';

type Decoder = (data: Uint8Array, maxOutputBytes: number) => Buffer;

const samples = [Buffer.alloc(0), words(3000, 1), random(700, 2), pattern(70_000), semiCompressible(20_000)];

interface Subject {
  name: string;
  decode: Decoder;
  /** Valid compressed inputs to damage; built lazily, since zstd may be missing. */
  seeds: () => Buffer[];
  /** Why the subject is skipped on this Node.js, if it is. */
  skip?: string;
}

const subjects: Subject[] = [
  { name: 'gzip', decode: gzipDecompress, seeds: () => samples.map((s) => gzipCompress(s)) },
  {
    name: 'snappy',
    decode: snappyDecompress,
    seeds: () => [...samples.map(snappyCompressXerial), ...samples.map(snappyCompressRaw)],
  },
  {
    name: 'lz4',
    decode: (d, m) => lz4FrameDecompress(d, m),
    seeds: () => [
      ...samples.map((s) => lz4FrameCompress(s)),
      ...samples.map((s) => lz4FrameCompress(s, { blockChecksum: true, contentChecksum: true, contentSize: true })),
      ...JAVA_FIXTURES.filter((f) => f.codec === 'lz4').map((f) => fromHex(f.hex)),
    ],
  },
  {
    name: 'lz4 (legacy header checksum accepted)',
    decode: (d, m) => lz4FrameDecompress(d, m, { legacyHeaderChecksum: true }),
    seeds: () => samples.map((s) => lz4FrameCompress(s, { legacyHeaderChecksum: true })),
  },
  {
    name: 'zstd',
    decode: zstdDecompress,
    seeds: () => samples.map((s) => zstdCompress(s)),
    ...(zstdAvailable() ? {} : { skip: `skipped: no zstd in node:zlib on ${process.version}` }),
  },
];

/**
 * Calls the decoder and checks the contract; rethrows anything that is not a
 * KafkaError. No clock: a decoder that hangs is caught by the test timeout,
 * and one that overruns its bound by the size check.
 */
function probe(decode: Decoder, data: Uint8Array, maxOutputBytes: number): void {
  try {
    const out = decode(data, maxOutputBytes);
    expect(Buffer.isBuffer(out)).toBe(true);
    expect(out.length).toBeLessThanOrEqual(maxOutputBytes);
  } catch (err) {
    if (!(err instanceof KafkaError)) throw err;
  }
}

const mutation = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(0, 0xff, 0x7f, 0x80, 1) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 64 }) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(seed: Buffer, mutations: Mutation[]): Buffer {
  let b = Buffer.from(seed);
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    switch (m.op) {
      case 'flip':
        if (b.length > 0) b[at] = b[at]! ^ (1 << m.bit);
        break;
      case 'set':
        if (b.length > 0) b[at] = m.value;
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.count)]);
        break;
      case 'duplicate':
        b = Buffer.concat([b.subarray(0, at + m.count), b.subarray(at)]);
        break;
    }
  }
  return b;
}

const limit = fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 4 * 1024 * 1024 }));

describe.each(subjects)('fuzzing $name', ({ decode, seeds: makeSeeds, skip }) => {
  const label = (text: string): string => (skip === undefined ? text : `${text} (${skip})`);
  const seeds = skip === undefined ? makeSeeds() : [];

  it.skipIf(skip !== undefined)(label('random bytes give a result within the bound or a KafkaError'), () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), limit, (data, max) => probe(decode, data, max)),
      { numRuns: 400 },
    );
  });

  it.skipIf(skip !== undefined)(label('damaged valid data gives a result within the bound or a KafkaError'), () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        limit,
        (which, mutations, max) => probe(decode, mutate(seeds[which]!, mutations), max),
      ),
      { numRuns: 600 },
    );
  });

  it.skipIf(skip !== undefined)(label('a valid header followed by random bytes gives a result within the bound or a KafkaError'), () => {
    const headers = seeds.filter((s) => s.length >= 16).map((s) => s.subarray(0, 16));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: headers.length - 1 }),
        fc.integer({ min: 0, max: 16 }),
        fc.uint8Array({ maxLength: 2048 }),
        limit,
        (which, keep, body, max) => probe(decode, Buffer.concat([headers[which]!.subarray(0, keep), body]), max),
      ),
      { numRuns: 400 },
    );
  });
});
