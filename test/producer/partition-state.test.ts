// The per-partition idempotence rules (KIP-360, as Java applies them), one step at a time.
import { describe, expect, it } from 'vitest';
import { ProducerBatch } from '../../src/producer/accumulator.js';
import { PartitionState } from '../../src/producer/partition-state.js';
import { ProducerIdManager } from '../../src/producer/producer-id.js';

function batch(n: number): ProducerBatch {
  const b = new ProducerBatch('t', 0, 0);
  for (let i = 0; i < n; i++) b.tryAppend({ key: null, value: Buffer.from('v'), headers: undefined, slot: { resolveRun: () => undefined, reject: () => undefined }, index: i }, 0, 10, 1 << 20);
  return b;
}

function setup() {
  const ids = new ProducerIdManager(null, 60_000);
  ids.producerId = 7n;
  ids.epoch = 0;
  return { ids, ps: new PartitionState('t', 0, 0) };
}

describe('PartitionState', () => {
  it('hands out consecutive sequences, and takes back the last ones if the batch never left', () => {
    const { ids, ps } = setup();
    const a = batch(3);
    const b = batch(2);
    ps.assignSequence(a, ids);
    ps.assignSequence(b, ids);
    expect([a.baseSequence, b.baseSequence, ps.nextSequence]).toEqual([0, 3, 5]);
    ps.unassignSequence(b);
    expect([b.baseSequence, ps.nextSequence, ps.unacked]).toEqual([-1, 3, [a]]);
  });

  it('a failed batch leaves the partition unresolved until the batches after it settle; acknowledged ones close the gap', () => {
    const { ids, ps } = setup();
    const [a, b] = [batch(1), batch(1)];
    ps.assignSequence(a, ids);
    ps.assignSequence(b, ids);
    ps.failed(a);
    expect(ps.maySequenceNew(ids)).toBe(false);
    expect(ps.resolve()).toBe('pending');
    // b written after a: a must have been written too (the broker takes sequences in order).
    ps.acked(b);
    expect(ps.resolve()).toBe('clean');
    expect(ps.maySequenceNew(ids)).toBe(true);
  });

  it('a failed last batch is a gap; a new epoch starts the partition at sequence 0', () => {
    const { ids, ps } = setup();
    const a = batch(2);
    ps.assignSequence(a, ids);
    ps.failed(a);
    expect(ps.resolve()).toBe('gap');
    ids.bumpLocally();
    const next = batch(1);
    ps.assignSequence(next, ids);
    expect([next.producerEpoch, next.baseSequence]).toEqual([1, 0]);
  });

  it('never moves to a new epoch with a batch in flight, nor gives new sequences to one that may be in the log', () => {
    const { ids, ps } = setup();
    const [a, b] = [batch(1), batch(1)];
    ps.assignSequence(a, ids);
    ps.assignSequence(b, ids);
    a.maybeWritten = true;
    ps.queue.push(a, b);
    ids.bumpLocally();
    ps.inFlight = 1;
    expect(ps.moveToEpoch(ids)).toBe(false);
    ps.inFlight = 0;
    expect(ps.moveToEpoch(ids)).toBe(false);
    expect([a.producerEpoch, a.baseSequence, b.producerEpoch, b.baseSequence]).toEqual([0, 0, 0, 1]);
    // New batches wait while older-epoch batches are pending.
    expect(ps.maySequenceNew(ids)).toBe(false);
    // Without a batch that may be in the log, the pending ones are renumbered from 0 in the new epoch.
    a.maybeWritten = false;
    expect(ps.moveToEpoch(ids)).toBe(true);
    expect([a.producerEpoch, a.baseSequence, b.producerEpoch, b.baseSequence, ps.nextSequence]).toEqual([1, 0, 1, 1, 2]);
  });

  it('OUT_OF_ORDER_SEQUENCE_NUMBER proves a gap only for the next expected batch, or the one after a failed batch', () => {
    const { ids, ps } = setup();
    const [a, b, c] = [batch(1), batch(1), batch(1)];
    for (const x of [a, b, c]) ps.assignSequence(x, ids);
    expect(ps.provesGap(b)).toBe(false);
    expect(ps.provesGap(a)).toBe(true);
    ps.failed(a);
    expect(ps.provesGap(b)).toBe(true);
    expect(ps.provesGap(c)).toBe(false);
  });
});
