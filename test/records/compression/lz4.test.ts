import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KafkaProtocolError, UnsupportedCompressionError } from '../../../src/errors.js';
import { lz4CompressorImplementation, lz4FrameCompress, lz4FrameCompressJs, lz4FrameDecompress } from '../../../src/records/compression/lz4.js';
import { runChild, srcUrl } from '../../api/child.js';
import { LZ4_PROBE_BYTES, lz4BlockBound, lz4CompressBlock, lz4DecompressBlock, newLz4HashTable } from '../../../src/records/compression/lz4-block.js';
import { xxhash32 } from '../../../src/records/compression/xxhash32.js';
import { makeInput, pattern, random, words } from './data.js';
import { expectThrow, fromHex } from './helpers.js';
import { JAVA_FIXTURES } from './java-fixtures.js';

const LIMIT = 16 * 1024 * 1024;
const lz4Fixtures = JAVA_FIXTURES.filter((f) => f.codec === 'lz4');

/** The blocks of a frame with no optional header fields: [stored, size] per block. */
function blockLayout(frame: Uint8Array, blockChecksums = false): [boolean, number][] {
  const blocks: [boolean, number][] = [];
  let pos = 7;
  for (;;) {
    const word = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).readUInt32LE(pos);
    pos += 4;
    if (word === 0) return blocks;
    const size = word & 0x7fffffff;
    blocks.push([word >>> 31 === 1, size]);
    pos += size + (blockChecksums ? 4 : 0);
  }
}

function frameOf(flg: number, bd: number, body: number[], legacy = false): Buffer {
  const head = Buffer.from([0x04, 0x22, 0x4d, 0x18, flg, bd]);
  const hc = (xxhash32(head, 0, legacy ? 0 : 4, 6) >>> 8) & 0xff;
  return Buffer.concat([head, Buffer.from([hc]), Buffer.from(body)]);
}

function u32le(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

describe('lz4 frames written by Java', () => {
  it.each(lz4Fixtures.map((f) => [f.name, f] as const))('decodes %s', (_name, fixture) => {
    const compressed = fromHex(fixture.hex);
    expect(compressed.length).toBe(fixture.compressedLength);
    const expected = makeInput(fixture.input);
    const options = { legacyHeaderChecksum: fixture.legacyHeaderChecksum === true };
    expect(lz4FrameDecompress(compressed, LIMIT, options).equals(expected)).toBe(true);
  });

  it('rejects the legacy (magic 0) header checksum unless asked to accept it', () => {
    const legacy = fromHex(lz4Fixtures.find((f) => f.legacyHeaderChecksum === true)!.hex);
    expectThrow(() => lz4FrameDecompress(legacy, LIMIT), KafkaProtocolError, /header checksum/);
  });

  it('verifies block and content checksums when present (lz4-java frame)', () => {
    const fixture = lz4Fixtures.find((f) => f.name === 'lz4_java_checksums_pattern140000')!;
    const good = fromHex(fixture.hex);
    // The FLG byte says: version 01, independent blocks, block checksum, content size, content checksum.
    expect(good[4]).toBe(0x40 | 0x20 | 0x10 | 0x08 | 0x04);
    const badBlockSum = Buffer.from(good);
    const firstBlockSize = badBlockSum.readUInt32LE(15) & 0x7fffffff;
    const sumAt = 15 + 4 + firstBlockSize;
    badBlockSum[sumAt] = badBlockSum[sumAt]! ^ 1;
    expectThrow(() => lz4FrameDecompress(badBlockSum, LIMIT), KafkaProtocolError, /block checksum/);
    const badContentSum = Buffer.from(good);
    const lastAt = badContentSum.length - 1;
    badContentSum[lastAt] = badContentSum[lastAt]! ^ 0x80;
    expectThrow(() => lz4FrameDecompress(badContentSum, LIMIT), KafkaProtocolError, /content checksum/);
  });
});

describe('lz4 frames we write', () => {
  it('use the exact header and block layout of Kafka\'s Java writer', () => {
    for (const fixture of lz4Fixtures.filter((f) => f.name.startsWith('lz4_kafka_'))) {
      const input = makeInput(fixture.input);
      const java = fromHex(fixture.hex);
      const ours = lz4FrameCompress(input, { legacyHeaderChecksum: fixture.legacyHeaderChecksum === true });
      expect(ours.subarray(0, 7).toString('hex'), fixture.name).toBe(java.subarray(0, 7).toString('hex'));
      // Same number of blocks, and the same ones stored uncompressed (those
      // sizes must match exactly; compressed sizes depend on the matcher).
      const javaBlocks = blockLayout(java);
      const ourBlocks = blockLayout(ours);
      expect(ourBlocks.map(([stored]) => stored), fixture.name).toEqual(javaBlocks.map(([stored]) => stored));
      for (const [i, [stored, size]] of javaBlocks.entries()) if (stored) expect(ourBlocks[i]![1]).toBe(size);
    }
  });

  it('are byte-identical to Java\'s when every block is stored or there are none', () => {
    for (const name of ['lz4_kafka_empty', 'lz4_kafka_random300']) {
      const fixture = lz4Fixtures.find((f) => f.name === name)!;
      expect(lz4FrameCompress(makeInput(fixture.input)).toString('hex')).toBe(fixture.hex);
    }
  });

  it('round-trip with every optional field switched on', () => {
    const input = Buffer.concat([pattern(300_000), random(5000, 9), words(70_000, 4)]);
    for (const blockMaxSize of [65536, 262144, 1048576, 4194304] as const) {
      const frame = lz4FrameCompress(input, { blockMaxSize, blockChecksum: true, contentChecksum: true, contentSize: true });
      expect(lz4FrameDecompress(frame, input.length).equals(input)).toBe(true);
    }
  });

  it('compress repetitive data well and stay within the bound on random data', () => {
    expect(lz4FrameCompress(pattern(200_000)).length).toBeLessThan(10_000);
    const noise = random(200_000, 5);
    expect(lz4FrameCompress(noise).length).toBeLessThanOrEqual(noise.length + 7 + 4 * 4 + 4);
  });
});

/**
 * Walks one LZ4 block's sequences (trusting it) and returns, for each match,
 * where in the block's output it starts and ends, plus the output length.
 */
function matchSpans(block: Uint8Array): { matches: [number, number][]; outLength: number } {
  const matches: [number, number][] = [];
  let ip = 0;
  let out = 0;
  const extend = (n: number): number => {
    if (n !== 15) return n;
    let b: number;
    do {
      b = block[ip++]!;
      n += b;
    } while (b === 255);
    return n;
  };
  for (;;) {
    const token = block[ip++]!;
    const lit = extend(token >>> 4);
    ip += lit;
    out += lit;
    if (ip >= block.length) return { matches, outLength: out };
    ip += 2;
    const len = extend(token & 15) + 4;
    matches.push([out, out + len]);
    out += len;
  }
}

describe('lz4 blocks we write', () => {
  it('follow the end-of-block rules every LZ4 decoder relies on', () => {
    // No match may start within the last 12 bytes of a block, and the last 5
    // bytes are always literals.
    const inputs = fc.oneof(
      fc.uint8Array({ maxLength: 400 }),
      fc.tuple(fc.integer({ min: 0, max: 140_000 }), fc.nat()).map(([n, seed]) => words(n, seed)),
      fc.integer({ min: 0, max: 140_000 }).map((n) => Buffer.alloc(n, 1)),
    );
    fc.assert(
      fc.property(inputs, (input) => {
        const frame = lz4FrameCompress(input);
        let pos = 7;
        for (;;) {
          const word = frame.readUInt32LE(pos);
          pos += 4;
          if (word === 0) break;
          const size = word & 0x7fffffff;
          if (word >>> 31 === 0) {
            const { matches, outLength } = matchSpans(frame.subarray(pos, pos + size));
            for (const [from, to] of matches) {
              expect(from).toBeLessThanOrEqual(outLength - 12);
              expect(to).toBeLessThanOrEqual(outLength - 5);
            }
          }
          pos += size;
        }
      }),
      { numRuns: 80 },
    );
  });
});

/** Random capital letters: LZ4 finds only short matches in them, worth less than they cost. */
function letters(n: number, seed: number): Buffer {
  const bytes = random(n, seed);
  for (let i = 0; i < n; i++) bytes[i] = 65 + (bytes[i]! % 26);
  return bytes;
}

describe('giving up on a block that does not shrink', () => {
  const compressBlock = (input: Uint8Array): number =>
    lz4CompressBlock(input, 0, input.length, Buffer.alloc(lz4BlockBound(input.length)), 0, newLz4HashTable());

  it('happens when the first 4 KiB of a block over 8 KiB did not shrink, and only then', () => {
    // What the probe looks at, compressed as a block of its own, decides: the same matches up to there.
    fc.assert(
      fc.property(
        fc.integer({ min: 2 * LZ4_PROBE_BYTES + 1, max: 65536 }),
        fc.nat(),
        fc.constantFrom('letters', 'random', 'words', 'mixed'),
        (n, seed, kind) => {
          const input =
            kind === 'letters' ? letters(n, seed) : kind === 'random' ? random(n, seed) : kind === 'words' ? words(n, seed)
              // Text for a while, then noise: where the text ends decides.
              : Buffer.concat([words(seed % (2 * LZ4_PROBE_BYTES), seed), random(n, seed)]).subarray(0, n);
          const end = compressBlock(input);
          // The probe counts a pending literal run at one byte per byte, leaving out its length bytes (one per 255),
          // so it agrees with the head compressed on its own up to about 16 bytes either way. On letters it keeps
          // going about once in 500 blocks, which then compress to more than they are and are stored anyway.
          const head = input.subarray(0, LZ4_PROBE_BYTES);
          if (end === -1) {
            // Given up on: its first 4 KiB (and a little more, up to the probe) compress to no less than they are.
            expect(compressBlock(head)).toBeGreaterThanOrEqual(head.length - 32);
          } else {
            expect(compressBlock(head)).toBeLessThan(head.length + 32);
            expect(lz4FrameDecompress(lz4FrameCompress(input), LIMIT).equals(input)).toBe(true);
          }
          if (kind === 'random') expect(end).toBe(-1);
          if (kind === 'words') expect(end).toBeLessThan(input.length * 0.6);
        },
      ),
      { numRuns: 120 },
    );
  });

  it('never happens to blocks of 8 KiB or less, which are compressed whole', () => {
    for (const n of [0, 1, 13, 4096, 4097, 2 * LZ4_PROBE_BYTES]) {
      expect(compressBlock(random(n, n))).toBeGreaterThanOrEqual(n);
    }
  });

  it('stores such a block as it is, the rest of the frame as usual, and the frame round-trips', () => {
    // One block of letters, one of words: stored, then compressed. The JavaScript compressor agrees.
    const input = Buffer.concat([letters(65536, 1), words(65536, 2)]);
    const frame = lz4FrameCompress(input);
    expect(blockLayout(frame).map(([stored]) => stored)).toEqual([true, false]);
    expect(frame.equals(lz4FrameCompressJs(input))).toBe(true);
    expect(lz4FrameDecompress(frame, LIMIT).equals(input)).toBe(true);
  });

  it('costs what it may: a block whose first 4 KiB is noise is stored even if the rest would compress', () => {
    const input = Buffer.concat([random(LZ4_PROBE_BYTES + 100, 3), Buffer.alloc(60_000, 0x41)]);
    expect(blockLayout(lz4FrameCompress(input))).toEqual([[true, input.length]]);
  });
});

describe('the WebAssembly block compressor', () => {
  it('runs here, and writes byte for byte the frames of the JavaScript compressor', () => {
    // The frames the other tests check come from the WebAssembly compressor; this ties them to the JavaScript one.
    expect(lz4CompressorImplementation()).toBe('wasm');
    const inputs = fc.oneof(
      fc.uint8Array({ maxLength: 600 }),
      fc.tuple(fc.integer({ min: 0, max: 200_000 }), fc.nat()).map(([n, seed]) => words(n, seed)),
      fc.tuple(fc.integer({ min: 0, max: 140_000 }), fc.nat()).map(([n, seed]) => random(n, seed)),
      fc.integer({ min: 0, max: 140_000 }).map((n) => Buffer.alloc(n, 7)),
      // Record-like: short repeated headers between long stretches that hardly match (resets the skip acceleration).
      fc.tuple(fc.integer({ min: 0, max: 140_000 }), fc.integer({ min: 20, max: 2000 }), fc.nat()).map(([n, period, seed]) => {
        const noise = random(n, seed);
        for (let i = 0; i < n; i++) if (i % period < 10) noise[i] = i % 7;
        return noise;
      }),
    );
    fc.assert(
      fc.property(inputs, fc.boolean(), (input, checksums) => {
        const options = { blockChecksum: checksums, contentChecksum: checksums };
        const fast = lz4FrameCompress(input, options);
        expect(fast.toString('hex')).toBe(lz4FrameCompressJs(input, options).toString('hex'));
        expect(lz4FrameDecompress(fast, LIMIT).equals(Buffer.from(input))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('gives way to the JavaScript compressor where WebAssembly cannot run (node --jitless), with the same frames', async () => {
    const script = `
      const { lz4CompressorImplementation, lz4FrameCompress } = await import(${JSON.stringify(srcUrl('src/records/compression/lz4.ts'))});
      const { words } = await import(${JSON.stringify(srcUrl('test/records/compression/data.ts'))});
      console.log(JSON.stringify({ impl: lz4CompressorImplementation(), frame: lz4FrameCompress(words(70000, 3)).toString('base64') }));
    `;
    const out = await runChild(script, { totalMs: 60_000 }, { NODE_OPTIONS: '--jitless' });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout.trim().split('\n').pop() as string)).toEqual({ impl: 'js', frame: lz4FrameCompress(words(70000, 3)).toString('base64') });
  });
});

describe('lz4 decoding rules', () => {
  it('lets a linked (dependent) block refer back into the previous block', () => {
    // Block 1 stored: "hello world!". Block 2: a match of 11 bytes at offset
    // 12, then the final literal "?".
    const block2 = [0x07, 12, 0, 0x10, 0x3f];
    const body = [...u32le(0x80000000 | 12), ...Buffer.from('hello world!'), ...u32le(block2.length), ...block2, ...u32le(0)];
    const linked = frameOf(0x40, 0x40, body);
    expect(lz4FrameDecompress(linked, 100).toString()).toBe('hello world!hello world?');
    const independent = frameOf(0x60, 0x40, body);
    expectThrow(() => lz4FrameDecompress(independent, 100), KafkaProtocolError, /offset 12/);
  });

  it('reads concatenated frames and skips skippable frames', () => {
    const a = lz4FrameCompress(Buffer.from('first '));
    const b = lz4FrameCompress(Buffer.from('second'));
    const skippable = Buffer.from([0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
    expect(lz4FrameDecompress(Buffer.concat([a, skippable, b]), 100).toString()).toBe('first second');
  });

  it('refuses frames that need a dictionary', () => {
    expectThrow(() => lz4FrameDecompress(frameOf(0x61, 0x40, [1, 2, 3, 4, ...u32le(0)]), 100), UnsupportedCompressionError, /dictionary/);
  });

  it('names what is wrong with a bad header', () => {
    expectThrow(() => lz4FrameDecompress(Buffer.alloc(0), 100), KafkaProtocolError, /magic/);
    expectThrow(() => lz4FrameDecompress(Buffer.from('not lz4 at all'), 100), KafkaProtocolError, /not an LZ4 frame magic/);
    expectThrow(() => lz4FrameDecompress(frameOf(0x80, 0x40, u32le(0)), 100), KafkaProtocolError, /version/);
    expectThrow(() => lz4FrameDecompress(frameOf(0x62, 0x40, u32le(0)), 100), KafkaProtocolError, /reserved/);
    expectThrow(() => lz4FrameDecompress(frameOf(0x60, 0x30, u32le(0)), 100), KafkaProtocolError, /block size code 3/);
    expectThrow(() => lz4FrameDecompress(frameOf(0x60, 0x40, [1, 2]), 100), KafkaProtocolError, /block size is cut off/);
  });

  it('rejects blocks larger than the frame\'s maximum, and blocks that run past the input', () => {
    const big = frameOf(0x60, 0x40, [...u32le(0x80000000 | 65537), ...new Array<number>(65537).fill(0), ...u32le(0)]);
    expectThrow(() => lz4FrameDecompress(big, LIMIT), KafkaProtocolError, /larger than the frame's 65536-byte maximum/);
    const short = frameOf(0x60, 0x40, [...u32le(10), 0x50, 1, 2]);
    expectThrow(() => lz4FrameDecompress(short, LIMIT), KafkaProtocolError, /runs past the input/);
  });

  it('rejects a compressed block that expands past the block maximum', () => {
    // One literal, then a match of 4 + 15 + 255 * 257 bytes at offset 1: more than 64 KiB.
    const block = [0x1f, 0x41, 1, 0, ...new Array<number>(257).fill(255), 0, 0x10, 0x42];
    const frame = frameOf(0x60, 0x40, [...u32le(block.length), ...block, ...u32le(0)]);
    expectThrow(() => lz4FrameDecompress(frame, LIMIT), KafkaProtocolError, /more than the frame's 65536-byte maximum/);
  });

  it('checks every offset and length inside a block', () => {
    const decode = (block: number[]) => () => lz4DecompressBlock(Uint8Array.from(block), 0, block.length, new Uint8Array(100), 0, 0, 100);
    expectThrow(decode([0x10, 0x41, 0, 0]), KafkaProtocolError, /offset is zero/);
    expectThrow(decode([0x10, 0x41, 2, 0]), KafkaProtocolError, /offset 2 reaches before/);
    expectThrow(decode([0x30, 0x41]), KafkaProtocolError, /literal run of 3 bytes/);
    expectThrow(decode([0xf0]), KafkaProtocolError, /literal length runs past/);
    expectThrow(decode([0x10, 0x41, 1]), KafkaProtocolError, /offset is cut off/);
    expectThrow(decode([0x1f, 0x41, 1, 0]), KafkaProtocolError, /match length runs past/);
    // A block must end with literals, not a match.
    expectThrow(decode([0x10, 0x41, 1, 0]), KafkaProtocolError, /token was expected/);
    expectThrow(decode([]), KafkaProtocolError, /token was expected/);
    expect(decode([0x10, 0x41, 1, 0, 0x00])()).toBe(5);
  });
});

describe('lz4 output bound', () => {
  it('allows exactly maxOutputBytes and refuses one byte fewer, naming the limit', () => {
    const input = words(50_000, 3);
    for (const options of [{}, { contentSize: true }]) {
      const frame = lz4FrameCompress(input, options);
      expect(lz4FrameDecompress(frame, input.length).length).toBe(input.length);
      expectThrow(() => lz4FrameDecompress(frame, input.length - 1), KafkaProtocolError, new RegExp(`limit of ${input.length - 1} bytes`));
    }
    const stored = lz4FrameCompress(random(1000, 1));
    expectThrow(() => lz4FrameDecompress(stored, 999), KafkaProtocolError, /limit of 999 bytes/);
  });

  it('stops a "zip bomb" early: 4 MiB blocks of zeros in a small input', () => {
    const frame = lz4FrameCompress(Buffer.alloc(64 * 1024 * 1024), { blockMaxSize: 4194304 });
    expect(frame.length).toBeLessThan(300_000);
    expectThrow(() => lz4FrameDecompress(frame, 1024 * 1024), KafkaProtocolError, /limit of 1048576 bytes/);
    // "Early", without a clock: cut the frame inside the second block. A decoder that stops
    // within the first block reports the limit; one that read on would report the cut instead.
    const flg = frame[4]!;
    const headerLength = 4 + 2 + (flg & 0x08 ? 8 : 0) + 1;
    const firstBlock = frame.readUInt32LE(headerLength) & 0x7fffffff;
    const cut = frame.subarray(0, headerLength + 4 + firstBlock + (flg & 0x10 ? 4 : 0) + 2);
    expect(cut.length).toBeLessThan(frame.length);
    expectThrow(() => lz4FrameDecompress(cut, 1024 * 1024), KafkaProtocolError, /limit of 1048576 bytes/);
  });

  it('refuses a declared content size over the limit before decoding', () => {
    const frame = lz4FrameCompress(Buffer.from('tiny'), { contentSize: true });
    // Rewrite the declared size to 2^40 and fix the header checksum.
    frame.writeUInt32LE(0, 6);
    frame.writeUInt32LE(0x100, 10);
    frame[14] = (xxhash32(frame, 0, 4, 14) >>> 8) & 0xff;
    expectThrow(() => lz4FrameDecompress(frame, LIMIT), KafkaProtocolError, /limit of/);
  });
});
