// A Writer that shares large byte arrays (Produce frames) must put out exactly
// the bytes a copying Writer does, in the same order, whatever the buffer's regrowth.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadAll } from '../../protocol/gen/schema.js';
import { Writer } from '../../src/codec/writer.js';
import { encodeRequestFrame, encodeRequestFrameParts } from '../../src/messages/frame.js';
import { apiByKey } from '../../src/protocol.js';
import { messageArbitrary, versionsOf } from '../messages/arbitrary.js';

type Op = { kind: 'int32'; v: number } | { kind: 'string'; v: string } | { kind: 'raw'; v: Uint8Array } | { kind: 'uvarint'; v: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('int32' as const), v: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }),
  fc.record({ kind: fc.constant('string' as const), v: fc.string({ maxLength: 20 }) }),
  fc.record({ kind: fc.constant('raw' as const), v: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ kind: fc.constant('uvarint' as const), v: fc.nat() }),
);

function apply(w: Writer, ops: Op[]): void {
  for (const o of ops) {
    if (o.kind === 'int32') w.int32(o.v);
    else if (o.kind === 'string') w.string(o.v);
    else if (o.kind === 'raw') w.raw(o.v);
    else w.uvarint(o.v);
  }
}

describe('Writer with shared byte arrays', () => {
  it('puts out the bytes of a copying writer, and keeps the large arrays by reference', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 80 }), (ops, initial, shareFrom) => {
        const copying = new Writer(initial);
        apply(copying, ops);
        const sharing = new Writer(initial, shareFrom);
        apply(sharing, ops);
        const parts = sharing.finishParts();
        expect(Buffer.concat(parts).equals(copying.finish())).toBe(true);
        expect(sharing.length).toBe(copying.offset);
        expect(parts.every((p) => p.length > 0) || parts.length === 1).toBe(true);
        // Every array at or above the threshold is one of the parts itself, not a copy.
        for (const o of ops) if (o.kind === 'raw' && o.v.length >= shareFrom) expect(parts).toContain(o.v);
      }),
      { numRuns: 300 },
    );
  });

  it('finish() refuses a writer that shared an array, rather than return part of the bytes', () => {
    const w = new Writer(16, 4);
    w.raw(new Uint8Array(8));
    expect(() => w.finish()).toThrow(/finishParts/);
  });

  it('Produce request frames in parts are byte for byte the frames encodeRequestFrame makes, in every version', () => {
    const produce = loadAll().find((m) => m.key === 0)!;
    const def = apiByKey(0)!;
    for (const v of versionsOf(produce)) {
      fc.assert(
        fc.property(messageArbitrary(produce, 'request', v), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 200 }), (body, shareFrom, initial) => {
          const whole = encodeRequestFrame(def, v, 42, 'client', body);
          const parts = encodeRequestFrameParts(def, v, 42, 'client', body, new Writer(initial, shareFrom));
          expect(Buffer.concat(parts).toString('hex')).toBe(whole.toString('hex'));
        }),
        { numRuns: 40 },
      );
    }
  });
});
