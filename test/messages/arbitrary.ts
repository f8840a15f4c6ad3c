// fast-check arbitraries for any message in any version, built by walking the
// definitions in protocol/messages (not the generated code), so the round
// trips check the generator's output against the definitions.
import fc from 'fast-check';
import { defaultOf, inRange, type Field, type Message } from '../../protocol/gen/schema.js';

const uuid = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64url'));
const bytes = fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b));
const text = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 }));

function scalar(f: Field): fc.Arbitrary<unknown> {
  switch (f.base) {
    case 'bool':
      return fc.boolean();
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 });
    case 'int32':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'uint32':
      return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case 'int64':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'float64':
      return fc.double();
    case 'string':
      return text;
    case 'bytes':
    case 'records':
      return bytes;
    case 'uuid':
      return uuid;
    default:
      throw new Error(`no arbitrary for ${f.base}`);
  }
}

/** Unknown tagged fields, with tags far above any tag our definitions use. */
const unknownTags = fc
  .uniqueArray(fc.integer({ min: 100, max: 10_000 }), { maxLength: 2 })
  .chain((tags) => fc.tuple(...tags.sort((a, b) => a - b).map((tag) => bytes.map((data) => ({ tag, data })))));

export function structArbitrary(fields: Field[], v: number, flexible: boolean): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of fields) {
    if (!inRange(f.versions, v)) {
      model[f.name] = fc.constant(defaultOf(f));
      continue;
    }
    let a: fc.Arbitrary<unknown> = f.isStruct ? structArbitrary(f.fields, v, flexible) : scalar(f);
    if (f.isArray) a = fc.array(a, { maxLength: 3 });
    if (inRange(f.nullable, v) || (f.base === 'records' && !f.isArray)) a = fc.option(a, { nil: null, freq: 4 });
    model[f.name] = a;
  }
  const base = fc.record(model);
  if (!flexible) return base;
  return fc.tuple(base, fc.option(unknownTags, { nil: undefined, freq: 2 })).map(([m, u]) => (u && u.length ? { ...m, _unknownTags: u } : m));
}

export function messageArbitrary(msg: Message, side: 'request' | 'response', v: number): fc.Arbitrary<Record<string, unknown>> {
  return structArbitrary(msg[side].fields, v, inRange(msg.flexible, v));
}

export function versionsOf(msg: Message): number[] {
  const out: number[] = [];
  for (let v = msg.versions.min; v <= msg.versions.max; v++) out.push(v);
  return out;
}
