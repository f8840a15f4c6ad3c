import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KafkaProtocolError } from '../../../src/errors.js';
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from '../../../src/consumer/assignors/consumer-protocol.js';
import { assignmentArb, expectedSubscription, groupedByTopic, subscriptionArb, version } from './protocol-arbitraries.js';

function onlyProtocolErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof KafkaProtocolError)) throw e;
  }
}

describe('ConsumerProtocol Subscription', () => {
  it('round-trips every version (missing fields at their defaults)', () => {
    fc.assert(
      fc.property(subscriptionArb, version, (s, v) => {
        expect(decodeSubscription(encodeSubscription(s, v))).toEqual(expectedSubscription(s, v));
      }),
    );
  });

  it('re-encodes decoded bytes to the same bytes (an empty rack aside: it reads as none)', () => {
    fc.assert(
      fc.property(subscriptionArb, version, (s, v) => {
        fc.pre(s.rackId !== '');
        const bytes = encodeSubscription(s, v);
        expect(encodeSubscription(decodeSubscription(bytes), v).equals(bytes)).toBe(true);
      }),
    );
  });

  it('lays out v3 as Java does (hand-checked bytes)', () => {
    const bytes = encodeSubscription({
      topics: ['b', 'a'],
      userData: new Uint8Array([0, 0, 0, 7]),
      ownedPartitions: [{ topic: 'b', partition: 1 }, { topic: 'a', partition: 2 }, { topic: 'a', partition: 0 }],
      generationId: 7,
      rackId: 'r1',
    });
    expect(bytes.toString('hex')).toBe(
      '0003' + // version
        '00000002' + '0001' + '61' + '0001' + '62' + // topics a, b (sorted)
        '00000004' + '00000007' + // userData
        '00000002' + '0001' + '61' + '00000002' + '00000000' + '00000002' + '0001' + '62' + '00000001' + '00000001' + // owned a:[0,2], b:[1]
        '00000007' + // generation
        '0002' + '7231', // rack
    );
  });

  it('treats any negative generation as none (-1) and an empty rack as none, as Java does', () => {
    const sub = { topics: ['t'], userData: null, ownedPartitions: [], generationId: -5, rackId: '' };
    const bytes = encodeSubscription(sub, 3);
    expect(bytes.readInt32BE(bytes.length - 6)).toBe(-1);
    expect(decodeSubscription(bytes)).toMatchObject({ generationId: -1, rackId: null });
    const forged = Buffer.from(bytes);
    forged.writeInt32BE(-7, bytes.length - 6);
    expect(decodeSubscription(forged).generationId).toBe(-1);
  });

  it('reads a newer version with the fields it knows and ignores what follows', () => {
    fc.assert(
      fc.property(subscriptionArb, fc.integer({ min: 4, max: 0x7fff }), fc.uint8Array({ maxLength: 16 }), (s, newer, tail) => {
        const v3 = encodeSubscription(s, 3);
        const bytes = Buffer.concat([v3, tail]);
        bytes.writeInt16BE(newer, 0);
        expect(decodeSubscription(bytes)).toEqual({ ...expectedSubscription(s, 3), version: newer });
      }),
    );
  });

  it('refuses a negative version, and garbage or truncated bytes, with KafkaProtocolError only', () => {
    expect(() => decodeSubscription(Buffer.from('ffff00000000ffffffff', 'hex'))).toThrow(KafkaProtocolError);
    expect(() => decodeSubscription(Buffer.from('00', 'hex'))).toThrow(KafkaProtocolError);
    // A forged count larger than the bytes left is refused before anything is allocated.
    expect(() => decodeSubscription(Buffer.from('00007fffffff', 'hex'))).toThrow(/cannot fit/);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => onlyProtocolErrors(() => decodeSubscription(b))));
    fc.assert(
      fc.property(subscriptionArb, version, fc.nat(), (s, v, cut) => {
        const bytes = encodeSubscription(s, v);
        const at = cut % bytes.length;
        expect(() => decodeSubscription(bytes.subarray(0, at))).toThrow(KafkaProtocolError);
      }),
    );
    fc.assert(
      fc.property(subscriptionArb, version, fc.nat(), fc.integer({ min: 0, max: 255 }), (s, v, at, byte) => {
        const bytes = Buffer.from(encodeSubscription(s, v));
        bytes[at % bytes.length] = byte;
        onlyProtocolErrors(() => decodeSubscription(bytes));
      }),
    );
  });
});

describe('ConsumerProtocol Assignment', () => {
  it('round-trips every version (partitions grouped by topic)', () => {
    fc.assert(
      fc.property(assignmentArb, version, (a, v) => {
        expect(decodeAssignment(encodeAssignment(a, v))).toEqual({ version: v, partitions: groupedByTopic(a.partitions), userData: a.userData });
      }),
    );
  });

  it('reads a newer version with the fields it knows', () => {
    fc.assert(
      fc.property(assignmentArb, fc.integer({ min: 4, max: 0x7fff }), fc.uint8Array({ maxLength: 16 }), (a, newer, tail) => {
        const bytes = Buffer.concat([encodeAssignment(a, 3), tail]);
        bytes.writeInt16BE(newer, 0);
        expect(decodeAssignment(bytes)).toEqual({ version: newer, partitions: groupedByTopic(a.partitions), userData: a.userData });
      }),
    );
  });

  it('refuses garbage or truncated bytes with KafkaProtocolError only', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => onlyProtocolErrors(() => decodeAssignment(b))));
    fc.assert(
      fc.property(assignmentArb, version, fc.nat(), (a, v, cut) => {
        const bytes = encodeAssignment(a, v);
        expect(() => decodeAssignment(bytes.subarray(0, cut % bytes.length))).toThrow(KafkaProtocolError);
      }),
    );
  });

  it('encoding refuses a version that is not an int16', () => {
    expect(() => encodeAssignment({ partitions: [], userData: null }, -1)).toThrow(KafkaProtocolError);
    expect(() => encodeSubscription({ topics: [], userData: null, ownedPartitions: [], generationId: -1, rackId: null }, 1.5)).toThrow(KafkaProtocolError);
  });
});
