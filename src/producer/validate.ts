/**
 * Checks of one record after serialization, so that a bad field rejects its
 * own send() instead of failing a batch (or a whole request) later.
 */
import { describeValue } from '../config-checks.js';
import { KafkaConfigError } from '../errors.js';
import type { RecordHeaderInput } from '../records/record.js';

/** Header values as strings (UTF-8) or bytes. */
export type HeadersInput = Record<string, string | Uint8Array | null> | Array<{ key: string; value: string | Uint8Array | null }>;

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

/** Serialized key or value: bytes or null, anything else names the serializer that produced it. */
export function checkBytes(what: 'key' | 'value', v: unknown, topic: string): Uint8Array | null {
  if (v === null || isBytes(v)) return v;
  throw new KafkaConfigError(
    `the ${what}Serializer returned a ${v === undefined ? 'undefined' : typeof v} for topic ${topic}: a serializer must return a Buffer/Uint8Array or null`,
  );
}

/** Milliseconds since the epoch: a Date, or a non-negative safe integer (undefined: now). */
export function checkTimestamp(ts: unknown, topic: string): number | undefined {
  if (ts === undefined) return undefined;
  const ms = ts instanceof Date ? ts.getTime() : ts;
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0) {
    throw new KafkaConfigError(
      `timestamp ${String(ts)} for topic ${topic} is not a Date or a whole number of milliseconds ≥ 0 (Date.now() gives one; Date.now() / 1000 does not)`,
    );
  }
  return ms;
}

export function checkPartition(p: unknown, topic: string): number | undefined {
  if (p === undefined) return undefined;
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 0) throw new KafkaConfigError(`partition ${describeValue(p)} for topic ${topic} must be an integer ≥ 0`);
  return p;
}

/** Headers as the record format wants them: string keys; values as bytes or null (strings become UTF-8). */
export function checkHeaders(h: unknown, topic: string): RecordHeaderInput[] | undefined {
  if (h === undefined || h === null) return undefined;
  if (typeof h !== 'object') throw new KafkaConfigError(`headers for topic ${topic} must be an object or an array of { key, value }`);
  const entries = Array.isArray(h) ? h.map((x: { key?: unknown; value?: unknown }) => [x?.key, x?.value] as const) : Object.entries(h);
  return entries.map(([key, value]) => {
    if (typeof key !== 'string') throw new KafkaConfigError(`a header key for topic ${topic} is a ${typeof key}: header keys must be strings`);
    if (value === null || value === undefined) return { key, value: null };
    if (typeof value === 'string') return { key, value: Buffer.from(value, 'utf8') };
    if (isBytes(value)) return { key, value };
    throw new KafkaConfigError(`header ${key} for topic ${topic} has a ${typeof value} value: header values must be strings, Buffers/Uint8Arrays or null`);
  });
}
