import nodeZlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KafkaConfigError, KafkaProtocolError, UnsupportedCompressionError } from '../../../src/errors.js';
import {
  createZstdCodec,
  ZSTD_NODE_REQUIREMENT,
  zstdAvailable,
  zstdCodec,
  zstdCompress,
  zstdCompressParams,
  zstdDecompress,
  zstdReaderReady,
  zstdReusesStream,
  type ZstdZlib,
} from '../../../src/records/compression/zstd.js';
import { ZstdFrameReader, ZstdFrameWriter } from '../../../src/records/compression/zstd-contexts.js';
import { malformedError, outputLimitError } from '../../../src/records/compression/codec.js';
import { makeInput, random, words } from './data.js';
import { expectThrow, fromHex } from './helpers.js';
import { JAVA_FIXTURES } from './java-fixtures.js';

const zlib = nodeZlib as unknown as ZstdZlib & typeof nodeZlib;
const available = zstdAvailable();

describe.skipIf(!available)(
  `zstd (skipped on ${process.version}: node:zlib has zstd only from ${ZSTD_NODE_REQUIREMENT})`,
  () => {
    it.each(JAVA_FIXTURES.filter((f) => f.codec === 'zstd').map((f) => [f.name, f] as const))('decodes %s', (_n, fixture) => {
      expect(zstdDecompress(fromHex(fixture.hex), 1 << 20).equals(makeInput(fixture.input))).toBe(true);
    });

    it('compresses at level 3 as zstd compresses a stream of unknown length, which is how the Java producer writes', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(words, random, recordLike), fc.integer({ min: 65_536, max: 300_000 }), fc.nat(1000), async (make, length, seed) => {
          const input = make(length, seed);
          const ours = zstdCompress(input);
          const streamed = await compressAsStream(input);
          // The blocks are the same bytes (checked apart from the header, which the next test covers).
          expect(frameBody(ours).equals(frameBody(streamed))).toBe(true);
          expect(zstdDecompress(ours, length).equals(input)).toBe(true);
        }),
        { numRuns: 12 },
      );
    });

    it('writes frame after frame through one reused stream, each exactly what a one-shot call writes', () => {
      // Whole frames, headers included: nothing of an earlier frame leaks into the next.
      const input = fc.tuple(fc.constantFrom(words, random, recordLike), fc.integer({ min: 0, max: 200_000 }), fc.nat(1000));
      fc.assert(
        fc.property(fc.array(input, { minLength: 1, maxLength: 5 }), fc.constantFrom(3, 1, 7), (inputs, level) => {
          for (const [make, length, seed] of inputs) {
            const data = make(length, seed);
            const ours = zstdCompress(data, level);
            expect(zstdReusesStream(level)).toBe(true);
            expect(ours.equals(zlib.zstdCompressSync(data, { params: zstdCompressParams(level) }))).toBe(true);
            expect(zstdDecompress(ours, length).equals(data)).toBe(true);
          }
        }),
        { numRuns: 15 },
      );
    });

    it('uses a stream only after it has written two frames that decompress, and gives up on it at its first failure', () => {
      const z = zlib as unknown as ZstdZlib;
      const params = { [z.constants.ZSTD_c_compressionLevel]: 3 };
      const real = () => z.createZstdCompress({ params }) as Record<string, unknown> & { _handle: { writeSync: (...a: unknown[]) => void } | null };
      const faking = (make: () => unknown): ZstdZlib => ({ ...z, createZstdCompress: make });
      // Members missing or of the wrong kind (as another Node.js could have them).
      expect(ZstdFrameWriter.open(faking(() => Object.assign(real(), { _writeState: [0, 0] })), params)).toBeNull();
      expect(ZstdFrameWriter.open(faking(() => Object.assign(real(), { _handle: null })), params)).toBeNull();
      expect(ZstdFrameWriter.open(faking(() => { throw new Error('no zstd here'); }), params)).toBeNull();
      // A handle whose output is not the frame (here: one byte changed) fails the probe.
      expect(
        ZstdFrameWriter.open(faking(() => {
          const s = real();
          const h = s._handle!;
          const writeSync = h.writeSync.bind(h);
          h.writeSync = (...a: unknown[]) => {
            writeSync(...a);
            const out = a[4] as Buffer;
            out.writeUInt8(out.readUInt8((a[5] as number) + 20) ^ 1, (a[5] as number) + 20);
          };
          return s;
        }), params),
      ).toBeNull();
      // A stream that fails later (node:zlib drops the handle on a zstd error): undefined now and from then on.
      let stream: ReturnType<typeof real> | undefined;
      const writer = ZstdFrameWriter.open(faking(() => (stream = real())), params);
      expect(writer).not.toBeNull();
      const data = words(10_000, 3);
      expect(zstdDecompress(writer!.frame(data)!, data.length).equals(data)).toBe(true);
      const h = stream!._handle!;
      h.writeSync = () => {
        stream!._handle = null;
      };
      expect(writer!.frame(data)).toBeUndefined();
      stream!._handle = h;
      expect(writer!.frame(data)).toBeUndefined();
      // A handle that throws.
      const throwing = ZstdFrameWriter.open(faking(() => (stream = real())), params)!;
      stream!._handle!.writeSync = () => {
        throw new Error('boom');
      };
      expect(throwing.frame(data)).toBeUndefined();
      // A stream given up on is closed at once (its zstd context freed), not left to the garbage collector.
      expect(stream!._handle).toBeNull();
    });

    it('decompresses frame after frame through one reused context, as the one-shot call does, bad input included', async () => {
      const sample = fc.tuple(fc.constantFrom(words, random, recordLike), fc.integer({ min: 0, max: 150_000 }), fc.nat(1000));
      // What a frame can be: ours (content size stated), a stream's (no size, as the Java producer writes), or broken.
      const kind = fc.constantFrom('ours', 'stream', 'truncated', 'garbage after', 'two frames', 'garbage', 'empty');
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(sample, kind, fc.integer({ min: -2, max: 2 })), { minLength: 1, maxLength: 6 }), async (steps) => {
          for (const [[make, length, seed], k, slack] of steps) {
            const data = make(length, seed);
            const frame = k === 'stream' ? await compressAsStream(data) : zstdCompress(data, 1 + (seed % 5));
            const input =
              k === 'truncated' ? frame.subarray(0, Math.max(0, frame.length - 1 - (seed % 7)))
              : k === 'garbage after' ? Buffer.concat([frame, Buffer.from([seed & 255, 7, 7])])
              : k === 'two frames' ? Buffer.concat([frame, zstdCompress(Buffer.from('second'))])
              : k === 'garbage' ? Buffer.from(`not zstd ${seed}`)
              : k === 'empty' ? Buffer.alloc(0)
              : frame;
            const limit = Math.max(0, length + slack);
            const expected = outcome(() => oneShot(input, limit));
            expect(outcome(() => zstdDecompress(input, limit))).toEqual(expected);
            // A whole frame within the limit went through the context (and one over it spent the context).
            if (k === 'ours' || k === 'stream') expect(zstdReaderReady()).toBe(limit >= length);
          }
          // Whatever came before, a good frame decodes through the context.
          const last = words(5000, 1);
          expect(zstdDecompress(zstdCompress(last), last.length).equals(last)).toBe(true);
          expect(zstdReaderReady()).toBe(true);
        }),
        // The example: a truncated frame with a limit of 0, where "over the limit" and "malformed" are both true.
        { numRuns: 100, examples: [[[[[words, 2, 0], 'truncated', -2]]]] },
      );
    });

    it('uses a decompressing context only after it has read two probe frames', () => {
      const z = zlib as unknown as ZstdZlib;
      const real = () => z.createZstdDecompress() as Record<string, unknown>;
      const faking = (make: () => unknown): ZstdZlib => ({ ...z, createZstdDecompress: make });
      expect(ZstdFrameReader.open(z)).not.toBeNull();
      expect(ZstdFrameReader.open(faking(() => Object.assign(real(), { close: undefined })))).toBeNull();
      expect(ZstdFrameReader.open(faking(() => Object.assign(real(), { _writeState: new Uint32Array(1) })))).toBeNull();
      expect(ZstdFrameReader.open(faking(() => Object.assign(real(), { _finishFlushFlag: undefined })))).toBeNull();
      expect(ZstdFrameReader.open(faking(() => { throw new Error('no zstd here'); }))).toBeNull();
      // A decompressor that answers with nothing.
      expect(ZstdFrameReader.open(faking(() => Object.assign(real(), { _handle: { writeSync: () => undefined } })))).toBeNull();
    });

    it('grows its output for a frame larger than the first buffer', () => {
      // Incompressible input makes the frame slightly larger than the input.
      for (const length of [1, 1000, 131_071, 131_072, 1_000_000]) {
        const data = random(length, length);
        expect(zstdDecompress(zstdCompress(data), length).equals(data)).toBe(true);
      }
    });

    it('round-trips at several levels', () => {
      const input = words(100_000, 8);
      for (const level of [-5, 1, 3, 19]) {
        const codec = createZstdCodec({ level });
        expect(codec.decompress(codec.compress(input), input.length).equals(input)).toBe(true);
      }
      expectThrow(() => createZstdCodec({ level: 23 }), KafkaConfigError, /level/);
    });

    it('allows exactly maxOutputBytes and refuses one fewer, naming the limit', () => {
      const input = random(5000, 2);
      const compressed = zstdCompress(input);
      expect(zstdDecompress(compressed, 5000).length).toBe(5000);
      expectThrow(() => zstdDecompress(compressed, 4999), KafkaProtocolError, /limit of 4999 bytes/);
      expectThrow(() => zstdDecompress(zstdCompress(Buffer.from('x')), 0), KafkaProtocolError, /limit of 0 bytes/);
    });

    it('stops a zip bomb at the limit', () => {
      const bomb = zstdCompress(Buffer.alloc(64 * 1024 * 1024));
      expect(bomb.length).toBeLessThan(100_000);
      expectThrow(() => zstdDecompress(bomb, 1 << 20), KafkaProtocolError, /limit of 1048576 bytes/);
    });

    it('turns zstd errors into KafkaProtocolError', () => {
      const compressed = zstdCompress(words(1000, 1));
      expectThrow(() => zstdDecompress(compressed.subarray(0, compressed.length - 5), 1 << 20), KafkaProtocolError, /zstd/);
      expectThrow(() => zstdDecompress(Buffer.from('plainly not zstd'), 1 << 20), KafkaProtocolError, /zstd/);
    });
  },
);

/** An outcome to compare: the bytes, or the error's class and message. */
function outcome(run: () => Buffer): { ok: string } | { error: string } {
  try {
    return { ok: run().toString('base64') };
  } catch (e) {
    return { error: `${(e as Error).constructor.name}: ${(e as Error).message}` };
  }
}

/** zstdDecompress as it was before the reused context: node:zlib's one-shot call, with the same errors. */
function oneShot(input: Buffer, limit: number): Buffer {
  let out: Buffer;
  try {
    out = zlib.zstdDecompressSync(input, { maxOutputLength: Math.max(1, limit) });
  } catch (err) {
    if (err instanceof RangeError && (err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw outputLimitError('zstd', limit);
    throw malformedError('zstd', 'frame', err instanceof Error ? err.message : String(err), undefined, err);
  }
  if (out.length > limit) throw outputLimitError('zstd', limit);
  return out;
}

/** 1 KB values of random capital letters, as the bench's records carry, with a little framing between them. */
function recordLike(length: number, seed: number): Buffer {
  const letters = random(length, seed);
  for (let i = 0; i < length; i++) letters[i] = i % 1024 < 24 ? i % 7 : 65 + ((letters[i] as number) % 26);
  return letters;
}

/** zstd through node:zlib's stream, which does not tell zstd the input's length. */
function compressAsStream(input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = (zlib as unknown as { createZstdCompress(): NodeJS.ReadWriteStream }).createZstdCompress();
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
    s.end(input);
  });
}

/** A zstd frame without its header (magic, descriptor, window, dictionary id, content size). */
function frameBody(frame: Buffer): Buffer {
  const fhd = frame[4] as number;
  const single = (fhd >> 5) & 1;
  const fcs = fhd >> 6;
  const headerLength = 5 + (single ? 0 : 1) + ([0, 1, 2, 4][fhd & 3] as number) + (fcs === 0 ? single : ([0, 2, 4, 8][fcs] as number));
  return frame.subarray(headerLength);
}

describe.runIf(!available)(`zstd on ${process.version} (no zstd in node:zlib)`, () => {
  it('throws UnsupportedCompressionError naming this Node.js and the one needed', () => {
    for (const call of [() => zstdCodec.compress(Buffer.from('x')), () => zstdCodec.decompress(Buffer.from('x'), 10)]) {
      const err = expectThrow(call, UnsupportedCompressionError, /zstd/);
      expect(err.message).toContain(process.version);
      expect(err.message).toContain('22.15');
    }
  });
});
