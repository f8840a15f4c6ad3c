/**
 * Acknowledgements waiting to be sent, per partition: offset → type. On the
 * wire an acknowledgement batch is an offset range with either one type for
 * the whole range or one type per offset; we send each run of consecutive
 * offsets with the same type as one range with one type, which is always
 * valid and is what a well-behaved application (accepting in order) produces.
 */
import type { AckCode } from './types.js';

export interface AckBatch {
  firstOffset: bigint;
  lastOffset: bigint;
  acknowledgeTypes: number[];
}

/** Turns offset → type into ranges of consecutive offsets with one type each, ascending. */
export function toAckBatches(acks: ReadonlyMap<bigint, AckCode>): AckBatch[] {
  const offsets = [...acks.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: AckBatch[] = [];
  let cur: AckBatch | null = null;
  for (const o of offsets) {
    const t = acks.get(o)!;
    if (cur !== null && o === cur.lastOffset + 1n && cur.acknowledgeTypes[0] === t) {
      cur.lastOffset = o;
      continue;
    }
    cur = { firstOffset: o, lastOffset: o, acknowledgeTypes: [t] };
    out.push(cur);
  }
  return out;
}

/** Expands batches back to offset → type (the inverse of toAckBatches; also reads per-offset batches). */
export function fromAckBatches(batches: readonly AckBatch[]): Map<bigint, number> {
  const m = new Map<bigint, number>();
  for (const b of batches) {
    for (let o = b.firstOffset, i = 0; o <= b.lastOffset; o++, i++) m.set(o, b.acknowledgeTypes.length === 1 ? b.acknowledgeTypes[0]! : b.acknowledgeTypes[i]!);
  }
  return m;
}

/** Acknowledgements of one partition, not yet sent. */
export interface PartitionAcks {
  topic: string;
  topicId: string;
  partition: number;
  acks: Map<bigint, AckCode>;
}

/** Pending acknowledgements for one broker, keyed "topic:partition". */
export class AckQueue {
  private readonly byPartition = new Map<string, PartitionAcks>();

  get size(): number {
    return this.byPartition.size;
  }

  add(topic: string, topicId: string, partition: number, offset: bigint, code: AckCode): void {
    const key = `${topic}:${partition}`;
    let p = this.byPartition.get(key);
    if (!p) this.byPartition.set(key, (p = { topic, topicId, partition, acks: new Map() }));
    p.acks.set(offset, code);
  }

  /** Takes everything (for the next request). */
  takeAll(): PartitionAcks[] {
    const all = [...this.byPartition.values()];
    this.byPartition.clear();
    return all;
  }
}
