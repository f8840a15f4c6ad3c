import { KafkaConfigError } from '../errors.js';

/** Turns a key or value into bytes (null stays null: a tombstone or no key). */
export type Serializer<T> = (value: T, topic: string) => Uint8Array | null;

export const bytesSerializer: Serializer<Uint8Array | null> = (v) => v;

export const stringSerializer: Serializer<string | null> = (v) => (v === null ? null : Buffer.from(v, 'utf8'));

export const jsonSerializer: Serializer<unknown> = (v) => (v === null || v === undefined ? null : Buffer.from(JSON.stringify(v), 'utf8'));

/** The default: strings as UTF-8, bytes as they are, null as null. */
export const defaultSerializer: Serializer<unknown> = (v, topic) => {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (v instanceof Uint8Array) return v;
  throw new KafkaConfigError(
    `cannot serialize a ${typeof v} for topic ${topic}: without a serializer, keys and values must be strings, Buffers/Uint8Arrays or null (use jsonSerializer or your own)`,
  );
};
