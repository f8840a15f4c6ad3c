// What the Admin calls check of their arguments before any request.
// JavaScript has no types at run time: a string where a list of names belongs
// would otherwise be read as one name per character (deleteTopics('orders')
// would delete topics "o", "r", "d", ...), and a wrong element or field would
// fail deep inside an encoder, or come back as a per-item error, with a
// message that names neither the call nor the item.
// Every message reads `call(): where must be what, got value`, `where` being a
// path into the argument such as `[2].ops[0].value` or `["orders"].totalCount`.
// Every caller is an async function, so a check that throws rejects the call.
import { describeValue } from '../config-checks.js';
import { KafkaConfigError } from '../errors.js';
import type { TopicPartition } from './types.js';

export const INT32_MAX = 0x7fffffff;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Throws the KafkaConfigError of a bad argument. */
export function badArg(call: string, at: string, expected: string, got: unknown): never {
  throw new KafkaConfigError(`${call}: ${at} must be ${expected}, got ${describeValue(got)}`);
}

/** The path of a map's entry: `["orders"]`. */
export const keyPath = (key: string): string => `[${describeValue(key)}]`;

/** `v`, which must be an array; `at` names a list inside an argument (the argument itself when omitted). */
export function listArg<T>(call: string, what: string, v: readonly T[], at?: string): T[] {
  if (Array.isArray(v)) return v as T[];
  if (at !== undefined) return badArg(call, at, `an array of ${what}`, v);
  const hint = typeof v === 'string' ? ` (for one, pass [${describeValue(v)}])` : '';
  throw new KafkaConfigError(`${call} takes an array of ${what}, got ${describeValue(v)}${hint}`);
}

/** An array of strings (names and ids; whether a name is valid is the broker's to say). */
export function namesArg(call: string, what: string, v: readonly string[], at?: string): string[] {
  const list = listArg(call, what, v, at);
  // An index loop: forEach would skip the holes of a sparse array.
  for (let i = 0; i < list.length; i++) {
    if (typeof list[i] !== 'string') throw new KafkaConfigError(`${call}: ${at ?? what}[${i}] must be a string, got ${describeValue(list[i])}`);
  }
  return list;
}

const isObject = (v: unknown): v is object => v !== null && typeof v === 'object' && !Array.isArray(v);

/** An array of objects. */
export function objectsArg<T>(call: string, what: string, v: readonly T[], at?: string): T[] {
  const list = listArg(call, what, v, at);
  for (let i = 0; i < list.length; i++) {
    if (!isObject(list[i])) throw new KafkaConfigError(`${call}: ${at ?? what}[${i}] must be an object, got ${describeValue(list[i])}`);
  }
  return list;
}

/** An array of { topic, partition, ... }. */
export function partitionsArg<T extends TopicPartition>(call: string, what: string, v: readonly T[], at?: string): T[] {
  const list = objectsArg(call, what, v, at);
  list.forEach((tp, i) => {
    stringArg(call, `${at ?? ''}[${i}].topic`, tp.topic);
    intArg(call, `${at ?? ''}[${i}].partition`, tp.partition, 0);
  });
  return list;
}

/** An object used as a map from names (not null, not an array). */
export function recordArg<T>(call: string, what: string, v: Record<string, T>, at?: string): Record<string, T> {
  if (isObject(v)) return v as Record<string, T>;
  if (at !== undefined) return badArg(call, at, `an object of ${what}`, v);
  throw new KafkaConfigError(`${call} takes an object of ${what}, got ${describeValue(v)}`);
}

/** One object inside an argument. */
export function objectArg<T>(call: string, at: string, v: T, expected = 'an object'): T {
  return isObject(v) ? v : badArg(call, at, expected, v);
}

/** A string (a name, an id) at `at`: the field of an element, or a single argument such as a group id. */
export function stringArg(call: string, at: string, v: unknown): string {
  return typeof v === 'string' ? v : badArg(call, at, 'a string', v);
}

/** A string that may be omitted (undefined) or null where the call gives those a meaning. */
export function optStringArg(call: string, at: string, v: unknown, nullable: boolean): string | null | undefined {
  if (v === undefined || typeof v === 'string' || (nullable && v === null)) return v;
  return badArg(call, at, nullable ? 'a string, null or omitted' : 'a string or omitted', v);
}

/** A whole number from `min` to `max` (int32 by default: what the request can carry). */
export function intArg(call: string, at: string, v: unknown, min: number, max = INT32_MAX): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
  return badArg(call, at, max === INT32_MAX ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`, v);
}

/**
 * A 64-bit integer ≥ `min` (offsets, timestamps, producer ids): a bigint, or a
 * safe-integer number as the consumer takes offsets. Returned as a bigint.
 */
export function int64Arg(call: string, at: string, v: unknown, min: bigint = INT64_MIN, note = ''): bigint {
  if (typeof v === 'bigint' && v >= min && v <= INT64_MAX) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && BigInt(v) >= min) return BigInt(v);
  return badArg(call, at, `a bigint or a safe integer${min > INT64_MIN ? ` ≥ ${min}` : ''}${note}`, v);
}

/** One of `allowed`; `ignoreCase` where the call has always taken names in any case. */
export function oneOfArg<T extends string>(call: string, at: string, v: unknown, allowed: readonly T[], ignoreCase = false): T {
  const s = typeof v === 'string' && ignoreCase ? v.toUpperCase() : v;
  const found = allowed.find((a) => (ignoreCase ? a.toUpperCase() : a) === s);
  return found ?? badArg(call, at, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, v);
}

/** Group ids, or { groupId: partitions | null } (null or omitted: every partition the group has). */
export function groupSpecsArg(call: string, v: string[] | Record<string, TopicPartition[] | null>): string[] | Record<string, TopicPartition[] | null> {
  if (Array.isArray(v)) return namesArg(call, 'group ids', v);
  const specs = recordArg(call, '{ groupId: partitions | null } (or an array of group ids)', v);
  for (const [groupId, tps] of Object.entries(specs)) {
    if (tps != null) partitionsArg(call, '{ topic, partition } (or null for all)', tps, keyPath(groupId));
  }
  return specs;
}

/** A call's options: an object, or null/undefined for none (null would otherwise fail as a TypeError deep in the call). */
export function optsArg<T extends object>(call: string, v: T | null | undefined): T | undefined {
  if (v == null) return undefined;
  return isObject(v) ? v : badArg(call, 'the options', 'an object such as { timeoutMs: 5000 }', v);
}

/**
 * Refuses a list that names one thing twice (a topic to create, a resource or
 * quota entity to alter): the call sends one entry per thing and answers once
 * for it, so a second entry would silently replace the first one's changes.
 */
export function uniqueArg<T>(call: string, list: readonly T[], keyOf: (item: T) => string, what: (item: T) => string): void {
  const first = new Map<string, number>();
  list.forEach((item, i) => {
    const key = keyOf(item);
    const j = first.get(key);
    if (j !== undefined) throw new KafkaConfigError(`${call}: [${i}] names the same ${what(item)} as [${j}]: list each once, with all its changes in one entry`);
    first.set(key, i);
  });
}
