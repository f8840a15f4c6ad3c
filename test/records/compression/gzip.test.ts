import { describe, expect, it } from 'vitest';
import { KafkaConfigError, KafkaProtocolError } from '../../../src/errors.js';
import { createGzipCodec, gzipCompress, gzipDecompress } from '../../../src/records/compression/gzip.js';
import { makeInput, random, words } from './data.js';
import { expectThrow, fromHex } from './helpers.js';
import { JAVA_FIXTURES } from './java-fixtures.js';

describe('gzip', () => {
  it.each(JAVA_FIXTURES.filter((f) => f.codec === 'gzip').map((f) => [f.name, f] as const))('decodes %s', (_n, fixture) => {
    expect(gzipDecompress(fromHex(fixture.hex), 1 << 20).equals(makeInput(fixture.input))).toBe(true);
  });

  it('round-trips at every level, with smaller output at higher levels on text', () => {
    const input = words(100_000, 8);
    const sizes: number[] = [];
    for (const level of [1, 6, 9]) {
      const codec = createGzipCodec({ level });
      const compressed = codec.compress(input);
      sizes.push(compressed.length);
      expect(codec.decompress(compressed, input.length).equals(input)).toBe(true);
    }
    expect(sizes[2]!).toBeLessThan(sizes[0]!);
    expectThrow(() => createGzipCodec({ level: 10 }), KafkaConfigError, /level/);
  });

  it('allows exactly maxOutputBytes and refuses one fewer, naming the limit', () => {
    const input = random(5000, 2);
    const compressed = gzipCompress(input);
    expect(gzipDecompress(compressed, 5000).length).toBe(5000);
    expectThrow(() => gzipDecompress(compressed, 4999), KafkaProtocolError, /limit of 4999 bytes/);
    expect(gzipDecompress(gzipCompress(Buffer.alloc(0)), 0).length).toBe(0);
    expectThrow(() => gzipDecompress(gzipCompress(Buffer.from('x')), 0), KafkaProtocolError, /limit of 0 bytes/);
  });

  it('stops a zip bomb at the limit', () => {
    const bomb = gzipCompress(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(100_000);
    expectThrow(() => gzipDecompress(bomb, 1 << 20), KafkaProtocolError, /limit of 1048576 bytes/);
  });

  it('turns zlib errors into KafkaProtocolError', () => {
    const compressed = gzipCompress(words(1000, 1));
    expectThrow(() => gzipDecompress(compressed.subarray(0, compressed.length - 10), 1 << 20), KafkaProtocolError, /gzip/);
    expectThrow(() => gzipDecompress(Buffer.from('plainly not gzip'), 1 << 20), KafkaProtocolError, /gzip/);
    expectThrow(() => gzipDecompress(Buffer.alloc(0), 1 << 20), KafkaProtocolError, /gzip/);
  });
});
