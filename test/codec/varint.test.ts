import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/codec/reader.js';
import { Writer } from '../../src/codec/writer.js';
import { KafkaProtocolError } from '../../src/errors.js';

const roundTrip = <T>(write: (w: Writer, v: T) => void, read: (r: Reader) => T, v: T) => {
  const w = new Writer(4);
  write(w, v);
  const r = new Reader(w.finish());
  expect(read(r)).toBe(v);
  expect(r.remaining).toBe(0);
};

describe('varints', () => {
  it('unsigned varints of every 32-bit value survive a round trip, in 1 to 5 bytes', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (v) => roundTrip((w, x) => w.uvarint(x), (r) => r.uvarint(), v)));
    for (const v of [0, 127, 128, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 32 - 1]) roundTrip((w, x) => w.uvarint(x), (r) => r.uvarint(), v);
  });

  it('signed varints and varlongs survive a round trip', () => {
    fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (v) => roundTrip((w, x) => w.varint(x), (r) => r.varint(), v)));
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => roundTrip((w, x) => w.varlong(x), (r) => r.varlong(), v)));
  });

  it('refuses a sixth byte, a fifth byte above 32 bits, and a varint cut short', () => {
    expect(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x8f, 0x01])).uvarint()).toThrow(KafkaProtocolError);
    expect(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x10])).uvarint()).toThrow(/32 bits/);
    expect(() => new Reader(Buffer.from([0x80, 0x80])).uvarint()).toThrow(/past the end/);
  });
});
