/**
 * What tests (and the benchmarks) may reach inside a Producer, kept out of the
 * public API: the connection pool, the metadata view, the accumulator, and
 * hooks to construct a producer with a fake clock or DNS lookup. Not
 * exported from the package root.
 */
import type { Metadata } from '../cluster/metadata.js';
import type { Clock } from '../network/clock.js';
import type { ConnectionOptions } from '../network/connection.js';
import type { ConnectionPool } from '../network/pool.js';
import type { RecordAccumulator } from './accumulator.js';
import type { Sender } from './sender.js';

/** Construction hooks a test may pass (see withTestHooks). */
export interface ProducerTestHooks {
  /** Time for the pool and the producer's deadlines. */
  clock?: Clock;
  lookup?: ConnectionOptions['lookup'];
}

export interface ProducerInternals {
  pool: ConnectionPool;
  metadata: Metadata;
  acc: RecordAccumulator;
  sender: Sender;
}

const HOOKS = Symbol('kafkawire.producer.testHooks');
const registry = new WeakMap<object, ProducerInternals>();

/** Options with test hooks attached (the Producer reads them; they stay invisible to its public type). */
export function withTestHooks<T extends object>(options: T, hooks: ProducerTestHooks): T {
  return Object.assign({ ...options }, { [HOOKS]: hooks });
}

export function testHooksOf(options: object): ProducerTestHooks {
  return ((options as Record<symbol, unknown>)[HOOKS] as ProducerTestHooks | undefined) ?? {};
}

export function registerInternals(producer: object, internals: ProducerInternals): void {
  registry.set(producer, internals);
}

/** A producer's pool, metadata, accumulator and sender. */
export function internalsOf(producer: object): ProducerInternals {
  const i = registry.get(producer);
  if (!i) throw new Error('not a kafkawire Producer');
  return i;
}
