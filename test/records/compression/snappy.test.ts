import { describe, expect, it } from 'vitest';
import { KafkaProtocolError } from '../../../src/errors.js';
import {
  snappyCompressRaw,
  snappyCompressXerial,
  snappyDecompress,
  XERIAL_BLOCK_SIZE,
} from '../../../src/records/compression/snappy.js';
import { makeInput, pattern, random, words } from './data.js';
import { expectThrow, fromHex } from './helpers.js';
import { JAVA_FIXTURES } from './java-fixtures.js';

const LIMIT = 16 * 1024 * 1024;
const snappyFixtures = JAVA_FIXTURES.filter((f) => f.codec === 'snappy');

/** Splits a xerial stream into its chunks (after the 16-byte header). */
function chunks(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let pos = 16; pos < stream.length; ) {
    const length = stream.readInt32BE(pos);
    out.push(stream.subarray(pos + 4, pos + 4 + length));
    pos += 4 + length;
  }
  return out;
}

describe('snappy written by Java', () => {
  it.each(snappyFixtures.map((f) => [f.name, f] as const))('decodes %s', (_name, fixture) => {
    const compressed = fromHex(fixture.hex);
    expect(compressed.length).toBe(fixture.compressedLength);
    expect(snappyDecompress(compressed, LIMIT).equals(makeInput(fixture.input))).toBe(true);
  });
});

describe('snappy we write', () => {
  it('has the Java header and one chunk per 32 KiB of input, as SnappyOutputStream writes', () => {
    for (const fixture of snappyFixtures.filter((f) => f.name.startsWith('snappy_kafka_'))) {
      const input = makeInput(fixture.input);
      const java = fromHex(fixture.hex);
      const ours = snappyCompressXerial(input);
      expect(ours.subarray(0, 16).toString('hex')).toBe(java.subarray(0, 16).toString('hex'));
      const javaChunks = chunks(java);
      const ourChunks = chunks(ours);
      expect(ourChunks.length, fixture.name).toBe(javaChunks.length);
      expect(ourChunks.length).toBe(Math.ceil(input.length / XERIAL_BLOCK_SIZE));
      // Each chunk is a raw block holding the same slice of input as Java's.
      for (const [i, chunk] of ourChunks.entries()) {
        expect(snappyDecompress(chunk, LIMIT).equals(snappyDecompress(javaChunks[i]!, LIMIT))).toBe(true);
      }
    }
  });

  it('writes exactly Java\'s bytes for empty input (the header alone)', () => {
    const fixture = snappyFixtures.find((f) => f.name === 'snappy_kafka_empty')!;
    expect(snappyCompressXerial(Buffer.alloc(0)).toString('hex')).toBe(fixture.hex);
  });

  it('round-trips both framings', () => {
    for (const input of [Buffer.alloc(0), words(100_000, 5), random(70_000, 6), pattern(200_000)]) {
      expect(snappyDecompress(snappyCompressXerial(input), input.length).equals(input)).toBe(true);
      expect(snappyDecompress(snappyCompressRaw(input), input.length).equals(input)).toBe(true);
    }
  });

  it('reads xerial streams glued together', () => {
    const glued = Buffer.concat([snappyCompressXerial(Buffer.from('one ')), snappyCompressXerial(Buffer.from('two'))]);
    expect(snappyDecompress(glued, 100).toString()).toBe('one two');
  });
});

describe('snappy hostile input', () => {
  it('checks the declared length against the bound before decoding', () => {
    const input = words(10_000, 1);
    for (const framed of [snappyCompressRaw(input), snappyCompressXerial(input)]) {
      expect(snappyDecompress(framed, input.length).length).toBe(input.length);
      expectThrow(() => snappyDecompress(framed, input.length - 1), KafkaProtocolError, /limit of 9999 bytes/);
    }
    // A 5-byte preamble declaring 4 GiB - 1 with no data behind it.
    expectThrow(() => snappyDecompress(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), LIMIT), KafkaProtocolError, /limit of/);
  });

  it('sums the bound across xerial chunks', () => {
    const input = pattern(3 * XERIAL_BLOCK_SIZE);
    expectThrow(() => snappyDecompress(snappyCompressXerial(input), 2 * XERIAL_BLOCK_SIZE + 10), KafkaProtocolError, /limit of/);
  });

  it('rejects a literal whose 4-byte length would send a trusting decoder backwards', () => {
    // Declares 100 bytes, then a literal tag with a 4-byte length of 2^31.
    const hostile = Buffer.from([100, 0xfc, 0x00, 0x00, 0x00, 0x80, 1, 2, 3]);
    // The typed error is the proof: a decoder that trusted the length would have failed
    // otherwise (a RangeError, or running out of memory), not said what is wrong.
    expectThrow(() => snappyDecompress(hostile, LIMIT), KafkaProtocolError, /runs past the block/);
  });

  it('checks copies, lengths and the total', () => {
    const cases: [number[], RegExp][] = [
      // 1-byte-offset copy (tag kind 1) with offset 0.
      [[5, 0x00, 0x41, 0x01, 0x00], /copy offset is zero/],
      // 2-byte-offset copy (kind 2) reaching 2 bytes back when 1 was written.
      [[5, 0x00, 0x41, 0x0e, 0x02, 0x00], /copy offset 2 reaches before the start/],
      // 4-byte-offset copy (kind 3) reaching 5 bytes back.
      [[5, 0x00, 0x41, 0x0f, 0x05, 0x00, 0x00, 0x00], /copy offset 5 reaches before the start/],
      // A copy that writes past the declared length.
      [[4, 0x00, 0x41, 0x0e, 0x01, 0x00], /longer than its declared length/],
      [[3, 0x08, 0x41, 0x42], /literal of 3 bytes runs past the block/],
      [[3, 0x00, 0x41], /declares 3 bytes but holds 1/],
      [[0x80], /uncompressed length is cut off/],
      [[0x80, 0x80, 0x80, 0x80, 0x10], /does not fit 32 bits/],
      [[5, 0x00, 0x41, 0x02], /copy offset is cut off/],
      [[5, 0x00, 0x41, 0x01], /copy offset is cut off/],
      [[5, 0xfc, 1], /literal length is cut off/],
      [[5, 0xf0, 1], /literal of 2 bytes runs past the block/],
    ];
    for (const [bytes, message] of cases) {
      expectThrow(() => snappyDecompress(Buffer.from(bytes), LIMIT), KafkaProtocolError, message);
    }
  });

  it('checks xerial chunk lengths against the bytes left', () => {
    const header = snappyCompressXerial(Buffer.alloc(0));
    const withChunk = (lengthBytes: number[], rest: number[] = []) => Buffer.concat([header, Buffer.from(lengthBytes), Buffer.from(rest)]);
    expectThrow(() => snappyDecompress(withChunk([0, 0, 0, 9], [1, 0, 0x41]), LIMIT), KafkaProtocolError, /runs past the input/);
    expectThrow(() => snappyDecompress(withChunk([0xff, 0xff, 0xff, 0xff]), LIMIT), KafkaProtocolError, /runs past the input/);
    expectThrow(() => snappyDecompress(withChunk([0, 0, 0, 0]), LIMIT), KafkaProtocolError, /empty/);
    expectThrow(() => snappyDecompress(withChunk([0, 0]), LIMIT), KafkaProtocolError, /needs 4 bytes/);
    expectThrow(() => snappyDecompress(header.subarray(0, 12), LIMIT), KafkaProtocolError, /header is cut off/);
  });
});
