import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { murmur2, toPositive } from '../../src/codec/murmur2.js';

// Printed by org.apache.kafka.common.utils.Utils.murmur2 from kafka-clients 4.4.0
// (a throwaway Java program calling it on the UTF-8 bytes of each key).
const JAVA: Array<[string, number]> = [
  ['', 275646681],
  ['a', -1563381124],
  ['ab', 316155434],
  ['abc', 479470107],
  ['abcd', -1323649548],
  ['abcde', 461995741],
  ['kafka', -798503068],
  ['hello world', 1221641059],
  ['ключ', 2122343024],
  ['日本語キー', 1445825182],
  ['🙂emoji', 1463688712],
  ['0123456789abcdef0123', 203624608],
];

describe('murmur2', () => {
  it.each(JAVA)('matches Java for %j', (key, expected) => {
    expect(murmur2(Buffer.from(key, 'utf8'))).toBe(expected);
  });

  it('matches Java for the bytes 0..255 (high bytes must not sign-extend wrongly)', () => {
    expect(murmur2(Uint8Array.from({ length: 256 }, (_, i) => i))).toBe(-1948347274);
  });

  it('is a signed 32-bit integer, and the same for equal bytes in any container', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const h = murmur2(b);
        expect(Number.isInteger(h) && h >= -(2 ** 31) && h < 2 ** 31).toBe(true);
        expect(murmur2(Buffer.from(b))).toBe(h);
      }),
    );
  });

  it('toPositive clears the sign bit as Java does (MIN_VALUE → 0, not overflow)', () => {
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(-1)).toBe(2147483647);
    fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n) => {
      expect(toPositive(n)).toBe(n >= 0 ? n : n + 2 ** 31);
    }));
  });
});
