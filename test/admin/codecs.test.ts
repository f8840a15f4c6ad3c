// ACL code tables and the ConsumerProtocol reader the Admin uses.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeOperations, operationCodec, patternTypeCodec, resourceTypeCodec } from '../../src/admin/acl-codes.js';
import { readAssignment, readSubscriptionTopics } from '../../src/admin/consumer-protocol.js';
import { Writer } from '../../src/codec/writer.js';
import { KafkaConfigError } from '../../src/errors.js';

describe('ACL codes', () => {
  it('names round-trip to the wire codes Java uses', () => {
    expect(operationCodec.code('READ')).toBe(3);
    expect(operationCodec.code('IDEMPOTENT_WRITE')).toBe(12);
    expect(resourceTypeCodec.code('TOPIC')).toBe(2);
    expect(resourceTypeCodec.code('TRANSACTIONAL_ID')).toBe(5);
    expect(patternTypeCodec.code('PREFIXED')).toBe(4);
    for (let i = 0; i < 16; i++) expect(operationCodec.code(operationCodec.name(i))).toBe(i);
    expect(() => operationCodec.code('FLY' as never)).toThrow(KafkaConfigError);
  });

  it('decodeOperations reads the bitfield; INT32_MIN (not asked) is empty', () => {
    expect(decodeOperations(-2147483648)).toEqual([]);
    expect(decodeOperations((1 << 3) | (1 << 4) | (1 << 8))).toEqual(['READ', 'WRITE', 'DESCRIBE']);
  });
});

function encodeAssignment(version: number, tps: Array<[string, number[]]>, userData: Buffer | null): Buffer {
  const w = new Writer(64);
  w.int16(version);
  w.int32(tps.length);
  for (const [t, ps] of tps) {
    w.string(t);
    w.int32(ps.length);
    for (const p of ps) w.int32(p);
  }
  w.bytes(userData);
  return Buffer.from(w.finish());
}

describe('ConsumerProtocol reader', () => {
  it('property: reads back the partitions of any assignment; garbage gives null, never a throw', () => {
    const topic = fc.string({ minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.array(fc.tuple(topic, fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 5 })), { maxLength: 5 }), (v, tps) => {
        const bytes = encodeAssignment(v, tps, null);
        expect(readAssignment(bytes)).toEqual(tps.flatMap(([t, ps]) => ps.map((partition) => ({ topic: t, partition }))));
        expect(readSubscriptionTopics(Buffer.from([0, 0, 0, 0, 0, 1, 0, 1, 0x61, 0xff, 0xff, 0xff, 0xff]))).toEqual(['a']);
      }),
    );
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), (junk) => {
      const r = readAssignment(junk);
      expect(r === null || Array.isArray(r)).toBe(true);
    }));
  });
});
