// The smallest valid value of a message in a version: every field at its
// default (empty arrays, zero, empty strings), built from the definitions.
import { defaultOf, inRange, type Field, type Message } from '../../protocol/gen/schema.js';

export function minimalStruct(fields: Field[], v: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const d = defaultOf(f);
    if (f.isStruct && !f.isArray && d === undefined && inRange(f.versions, v) && f.tag === undefined) {
      out[f.name] = inRange(f.nullable, v) ? null : minimalStruct(f.fields, v);
    } else {
      out[f.name] = d;
    }
  }
  return out;
}

export function minimalRequest(msg: Message, v: number): Record<string, unknown> {
  return minimalStruct(msg.request.fields, v);
}
