// Shapes shared by the Admin client's calls.
import type { KafkaError } from '../errors.js';

/**
 * The outcome of one item of an Admin call (one topic, partition, group,
 * resource...). Calls that act on several items resolve to one result per
 * item, in the order asked, so that one failed item does not hide the
 * others: check `ok`, then read `value` or `error`.
 */
export type Result<V> = { ok: true; value: V; error?: undefined } | { ok: false; error: KafkaError; value?: undefined };

export const ok = <V>(value: V): Result<V> => ({ ok: true, value });
export const fail = <V = never>(error: KafkaError): Result<V> => ({ ok: false, error });

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** A broker as the cluster describes it. */
export interface Node {
  id: number;
  host: string;
  port: number;
  rack: string | null;
}

/** Per-call options every Admin call takes. */
export interface CallOptions {
  /** How long the call may take, retries included (default: the client's defaultApiTimeoutMs). */
  timeoutMs?: number;
}

/** Throws the first failed item's error, else returns the values (for callers that want all-or-nothing). */
export function unwrapAll<V>(results: Array<Result<V>>): V[] {
  return results.map((r) => {
    if (!r.ok) throw r.error;
    return r.value;
  });
}

export const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
