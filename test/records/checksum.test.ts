import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/codec/crc32.js';
import { crc32c } from '../../src/codec/crc32c.js';

/** Bit-at-a-time reflected CRC-32, written independently of the table-driven one under test. */
function slowCrc(poly: number, data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ poly : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('checksums', () => {
  it('match the standard check values ("123456789")', () => {
    const check = Buffer.from('123456789');
    expect(crc32c(check)).toBe(0xe3069283);
    expect(crc32(check)).toBe(0xcbf43926);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    // RFC 3720 (iSCSI) B.4: 32 bytes of zeros, and of 0xff.
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
  });

  it('agree with a bit-by-bit implementation on any data and range, and are unsigned', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), (data, a, b) => {
        const start = data.length === 0 ? 0 : a % (data.length + 1);
        const end = start + (b % (data.length - start + 1));
        const slice = data.subarray(start, end);
        expect(crc32c(data, start, end)).toBe(slowCrc(0x82f63b78, slice));
        expect(crc32(data, start, end)).toBe(slowCrc(0xedb88320, slice));
        expect(crc32c(data)).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 500 },
    );
  });

  it('CRC-32C reads views at any byte offset of a larger buffer, and ranges as subarray() takes them', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 600 }), fc.nat(64), fc.integer({ min: -700, max: 700 }), fc.integer({ min: -700, max: 700 }), (bytes, pad, a, b) => {
        // The same bytes placed `pad` bytes into a bigger ArrayBuffer, so word reads are unaligned.
        const backing = new Uint8Array(pad + bytes.length + 7);
        backing.set(bytes, pad);
        const data = backing.subarray(pad, pad + bytes.length);
        expect(crc32c(data)).toBe(slowCrc(0x82f63b78, bytes));
        expect(crc32c(data, a, b)).toBe(slowCrc(0x82f63b78, data.subarray(a, b)));
      }),
      { numRuns: 500 },
    );
  });
});
