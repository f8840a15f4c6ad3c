/**
 * Deserializers turn a record's key or value bytes into what the application
 * reads. The bytes are a view of the fetched response (no copy); a
 * deserializer that keeps them beyond the record should copy them.
 */
import { KafkaError } from '../errors.js';
import type { RecordHeader } from '../records/record.js';

export type Deserializer<T> = (data: Buffer | null, topic: string, headers: readonly RecordHeader[]) => T;

/** The default: the bytes as a Buffer (null stays null), as KafkaJS hands them over. */
export const bytesDeserializer: Deserializer<Buffer | null> = (data) => data;

/** UTF-8 text (null stays null). */
export const stringDeserializer: Deserializer<string | null> = (data) => (data === null ? null : data.toString('utf8'));

/** JSON text (null stays null); bytes that are not JSON throw a KafkaError naming the topic. */
export const jsonDeserializer: Deserializer<unknown> = (data, topic) => {
  if (data === null) return null;
  try {
    return JSON.parse(data.toString('utf8')) as unknown;
  } catch (e) {
    throw new KafkaError(`a record of topic ${topic} is not valid JSON: ${(e as Error).message}`, false, { topic, cause: e });
  }
};
