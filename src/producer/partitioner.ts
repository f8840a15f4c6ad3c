import { murmur2, toPositive } from '../codec/murmur2.js';

/** What a partitioner is told about one record. */
export interface PartitionerInput {
  topic: string;
  /** Serialized key, or null. */
  key: Uint8Array | null;
  /** Number of partitions the topic has now. */
  partitionCount: number;
  /** Partitions whose leader is known (a subset of 0..partitionCount-1). */
  availablePartitions: readonly number[];
}

/**
 * Chooses a partition. Returning undefined for a keyless record leaves the
 * choice to the built-in sticky partitioner, as Java's does when a custom
 * partitioner returns no partition.
 */
export type Partitioner = (input: PartitionerInput) => number | undefined;

/** The Java client's choice for a keyed record: toPositive(murmur2(key)) % partitions. */
export function partitionForKey(key: Uint8Array, partitionCount: number): number {
  return toPositive(murmur2(key)) % partitionCount;
}

/** The default partitioner: keyed records by murmur2, keyless ones to the sticky partition. */
export const defaultPartitioner: Partitioner = ({ key, partitionCount }) =>
  key === null ? undefined : partitionForKey(key, partitionCount);

/**
 * The uniform sticky partitioner for keyless records (KIP-794): stay on one
 * partition until about batchSize bytes went to it, then move to another,
 * chosen at random with weights favouring partitions whose brokers have less
 * queued (so a slow broker gets less new data).
 */
export class StickyPartitioner {
  private readonly current = new Map<string, { partition: number; bytes: number }>();

  constructor(
    private readonly batchSize: number,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * @param queuedBytes bytes waiting per partition (adaptive weighting); may be undefined. It is
   *   also told the topic, so one function can serve every call (no closure per record).
   */
  partition(topic: string, recordBytes: number, partitionCount: number, available: readonly number[], queuedBytes?: (p: number, topic: string) => number): number {
    const cur = this.current.get(topic);
    if (cur && cur.partition < partitionCount && cur.bytes < this.batchSize && (available.length === 0 || available.includes(cur.partition))) {
      cur.bytes += recordBytes;
      return cur.partition;
    }
    const candidates = available.length > 0 ? available : Array.from({ length: partitionCount }, (_, i) => i);
    const next = this.pick(topic, candidates, queuedBytes, cur?.partition);
    this.current.set(topic, { partition: next, bytes: recordBytes });
    return next;
  }

  private pick(topic: string, candidates: readonly number[], queuedBytes: ((p: number, topic: string) => number) | undefined, previous: number | undefined): number {
    if (candidates.length === 1) return candidates[0] as number;
    // Weight each partition by the inverse of (1 + its queue), so an idle partition is most likely.
    const weights = candidates.map((p) => (p === previous ? 0.5 : 1) / (1 + (queuedBytes ? queuedBytes(p, topic) / this.batchSize : 0)));
    let r = this.random() * weights.reduce((a, b) => a + b, 0);
    for (let i = 0; i < candidates.length; i++) {
      r -= weights[i] as number;
      if (r <= 0) return candidates[i] as number;
    }
    return candidates[candidates.length - 1] as number;
  }
}
