/**
 * Property tests: every codec gives back exactly what it was given, over
 * arbitrary bytes, and over generated data from empty to a few hundred KB
 * that ranges from incompressible to highly repetitive.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createLz4Codec,
  createSnappyCodec,
  gzipCodec,
  lz4Codec,
  snappyCodec,
  zstdAvailable,
  zstdCodec,
  type CompressionCodec,
} from '../../../src/records/compression/index.js';
import { pattern, random, semiCompressible, words } from './data.js';

type Kind = 'random' | 'words' | 'pattern' | 'zeros' | 'semi' | 'runs';

function generate(kind: Kind, length: number, seed: number): Buffer {
  switch (kind) {
    case 'random':
      return random(length, seed);
    case 'words':
      return words(length, seed);
    case 'pattern':
      return pattern(length);
    case 'zeros':
      return Buffer.alloc(length, seed & 0xff);
    case 'semi':
      return semiCompressible(length, seed);
    case 'runs': {
      // Runs of one byte with random lengths: long overlapping matches.
      const out = Buffer.alloc(length);
      let s = seed;
      for (let i = 0; i < length; ) {
        s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
        const n = Math.min(length - i, 1 + ((s >> 8) % 700));
        out.fill(s & 0xff, i, i + n);
        i += n;
      }
      return out;
    }
  }
}

const segment = fc
  .record({
    kind: fc.constantFrom<Kind>('random', 'words', 'pattern', 'zeros', 'semi', 'runs'),
    length: fc.integer({ min: 0, max: 150_000 }),
    seed: fc.nat(),
  })
  .map(({ kind, length, seed }) => generate(kind, length, seed));

/** Arbitrary bytes (often empty or tiny), or up to 3 generated segments back to back (up to 450 KB). */
const input = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }),
  fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => Buffer.concat(parts)),
);

const codecs: [string, CompressionCodec][] = [
  ['gzip', gzipCodec],
  ['snappy (xerial)', snappyCodec],
  ['snappy (raw)', createSnappyCodec({ framing: 'raw' })],
  ['lz4 (Kafka layout)', lz4Codec],
  ['lz4 (all checksums, 256 KB blocks)', createLz4Codec({ blockChecksum: true, contentChecksum: true, contentSize: true, blockMaxSize: 262144 })],
  ['lz4 (legacy header checksum)', createLz4Codec({ legacyHeaderChecksum: true })],
];

function roundTrips(codec: CompressionCodec): void {
  fc.assert(
    fc.property(input, (data) => {
      const compressed = codec.compress(data);
      const back = codec.decompress(compressed, data.length);
      expect(Buffer.compare(back, Buffer.from(data.buffer, data.byteOffset, data.byteLength))).toBe(0);
    }),
    { numRuns: 60 },
  );
}

describe('round trips', () => {
  it.each(codecs)('%s', (_name, codec) => roundTrips(codec));

  it.skipIf(!zstdAvailable())(`zstd${zstdAvailable() ? '' : ` (skipped: no zstd in node:zlib on ${process.version})`}`, () =>
    roundTrips(zstdCodec),
  );

  it('the empty input, highly compressible and incompressible data, each codec', () => {
    const all = zstdAvailable() ? [...codecs.map(([, c]) => c), zstdCodec] : codecs.map(([, c]) => c);
    for (const codec of all) {
      for (const data of [Buffer.alloc(0), Buffer.alloc(300_000, 7), random(300_000, 1), semiCompressible(300_000)]) {
        const compressed = codec.compress(data);
        expect(codec.decompress(compressed, data.length).equals(data), codec.name).toBe(true);
        // snappy copies are at most 64 bytes long, which caps its ratio near 21:1.
        if (data.length > 0 && data[0] === 7) expect(compressed.length, codec.name).toBeLessThan(data.length / 15);
      }
    }
  });
});
