// What the Admin calls check of their list arguments before any request.
// JavaScript has no types at run time: a string where a list of names belongs
// would otherwise be read as one name per character (deleteTopics('orders')
// would delete topics "o", "r", "d", ...), and a wrong element would fail deep
// inside an encoder with a message that names neither the call nor the item.
// The Admin methods that use these are async, so a check that throws rejects the call.
import { describeValue } from '../config-checks.js';
import { KafkaConfigError } from '../errors.js';
import type { TopicPartition } from './types.js';

/** `v`, which must be an array. */
function listArg<T>(call: string, what: string, v: readonly T[]): T[] {
  if (Array.isArray(v)) return v as T[];
  const hint = typeof v === 'string' ? ` (for one, pass [${describeValue(v)}])` : '';
  throw new KafkaConfigError(`${call} takes an array of ${what}, got ${describeValue(v)}${hint}`);
}

/** An array of strings (names and ids; whether a name is valid is the broker's to say). */
export function namesArg(call: string, what: string, v: readonly string[]): string[] {
  const list = listArg(call, what, v);
  list.forEach((name, i) => {
    if (typeof name !== 'string') throw new KafkaConfigError(`${call}: ${what}[${i}] must be a string, got ${describeValue(name)}`);
  });
  return list;
}

/** An array of objects. */
export function objectsArg<T>(call: string, what: string, v: readonly T[]): T[] {
  const list = listArg(call, what, v);
  list.forEach((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new KafkaConfigError(`${call}: ${what}[${i}] must be an object, got ${describeValue(item)}`);
  });
  return list;
}

/** An array of { topic, partition, ... }. */
export function partitionsArg<T extends TopicPartition>(call: string, what: string, v: readonly T[]): T[] {
  const list = objectsArg(call, what, v);
  list.forEach((tp, i) => {
    if (typeof tp.topic !== 'string') throw new KafkaConfigError(`${call}: ${what}[${i}].topic must be a string, got ${describeValue(tp.topic)}`);
    if (!Number.isInteger(tp.partition) || tp.partition < 0) {
      throw new KafkaConfigError(`${call}: ${what}[${i}].partition must be an integer ≥ 0, got ${describeValue(tp.partition)}`);
    }
  });
  return list;
}

/** An object used as a map from names (not null, not an array). */
export function recordArg<T>(call: string, what: string, v: Record<string, T>): Record<string, T> {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v;
  throw new KafkaConfigError(`${call} takes an object of ${what}, got ${describeValue(v)}`);
}
