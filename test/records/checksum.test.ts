import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/codec/crc32.js';
import { crc32c, crc32cImplementation, crc32cJs } from '../../src/codec/crc32c.js';
import { runChild, srcUrl } from '../api/child.js';

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
        expect(crc32cJs(data, start, end)).toBe(slowCrc(0x82f63b78, slice));
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
        expect(crc32cJs(data, a, b)).toBe(slowCrc(0x82f63b78, data.subarray(a, b)));
      }),
      { numRuns: 500 },
    );
  });

  it('CRC-32C runs in WebAssembly here, and agrees with the bit-by-bit CRC across its 64 KiB input windows', () => {
    // The fast path is the one these properties test: where it could not load, they would test the fallback twice.
    expect(crc32cImplementation()).toBe('wasm');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300_000 }), fc.integer(), fc.nat(70_000), fc.nat(70_000), (length, seed, cutStart, cutEnd) => {
        const data = new Uint8Array(length);
        let x = seed | 0;
        for (let i = 0; i < length; i++) data[i] = (x = (Math.imul(x, 1103515245) + 12345) | 0) >>> 24;
        const start = Math.min(cutStart, length);
        const end = Math.max(start, length - cutEnd);
        const expected = slowCrc(0x82f63b78, data.subarray(start, end));
        expect(crc32c(data, start, end)).toBe(expected);
        expect(crc32cJs(data, start, end)).toBe(expected);
      }),
      { numRuns: 25 },
    );
  });

  it('CRC-32C falls back to JavaScript where WebAssembly cannot run (node --jitless), with the same results', async () => {
    const script = `
      const { crc32c, crc32cImplementation } = await import(${JSON.stringify(srcUrl('src/codec/crc32c.ts'))});
      const data = new Uint8Array(70000).map((_, i) => (i * 7919) >>> 3);
      console.log(JSON.stringify({ impl: crc32cImplementation(), check: crc32c(Buffer.from('123456789')), big: crc32c(data, 3) }));
    `;
    const out = await runChild(script, { totalMs: 60_000 }, { NODE_OPTIONS: '--jitless' });
    expect(out.code, out.stderr).toBe(0);
    const data = new Uint8Array(70000).map((_, i) => (i * 7919) >>> 3);
    expect(JSON.parse(out.stdout.trim().split('\n').pop() as string)).toEqual({ impl: 'js', check: 0xe3069283, big: slowCrc(0x82f63b78, data.subarray(3)) });
  });
});
