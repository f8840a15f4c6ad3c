import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { xxhash32 } from '../../../src/records/compression/xxhash32.js';
import { random } from './data.js';
import { JAVA_XXH32_VECTORS } from './java-fixtures.js';

describe('xxhash32', () => {
  it('matches lz4-java over lengths that exercise every code path, with several seeds', () => {
    expect(JAVA_XXH32_VECTORS.length).toBeGreaterThan(40);
    for (const [length, seed, expected] of JAVA_XXH32_VECTORS) {
      expect(xxhash32(random(length, 11), seed), `length ${length}, seed ${seed}`).toBe(expected);
    }
  });

  it('matches the published value for empty input', () => {
    expect(xxhash32(new Uint8Array(0))).toBe(0x02cc5d05);
  });

  it('hashes a sub-range exactly as it hashes a copy of that range', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.nat(), fc.integer(), (bytes, a, b, seed) => {
        const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
        const end = start + (b % (bytes.length - start + 1));
        expect(xxhash32(bytes, seed, start, end)).toBe(xxhash32(bytes.slice(start, end), seed));
      }),
    );
  });

  it('always returns an unsigned 32-bit integer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.integer(), (bytes, seed) => {
        const h = xxhash32(bytes, seed);
        expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true);
      }),
    );
  });
});
