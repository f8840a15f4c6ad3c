// One partition's ShareFetch data: only acquired offsets are handed out, with
// their delivery counts; acquired offsets without a record become gap
// acknowledgements; a record the deserializer refuses is released.
import { describe, expect, it } from 'vitest';
import type { DecodeSettings } from '../../../src/consumer/completed-fetch.js';
import { stringDeserializer } from '../../../src/consumer/deserializers.js';
import { AcquiredFetch } from '../../../src/consumer/share/acquired.js';
import type { ShareConsumerRecord } from '../../../src/consumer/share/types.js';
import { encodeRecordBatch } from '../../../src/records/batch.js';

const settings = (over: Partial<DecodeSettings> = {}): DecodeSettings => ({ checkCrcs: true, readCommitted: false, keyDeserializer: stringDeserializer, valueDeserializer: stringDeserializer, ...over });

function batch(baseOffset: bigint, values: string[]): Buffer {
  return encodeRecordBatch(values.map((v) => ({ key: null, value: Buffer.from(v) })), { baseOffset });
}

function controlBatch(offset: bigint): Buffer {
  return encodeRecordBatch([{ key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 5]) }], { baseOffset: offset, control: true, transactional: true, producerId: 7n, producerEpoch: 0 });
}

function takeAll(f: AcquiredFetch, step: number) {
  const records: ShareConsumerRecord<unknown, unknown>[] = [];
  const settled: Array<[bigint, number]> = [];
  const errors: Error[] = [];
  for (let guard = 0; !f.done && guard < 100; guard++) {
    const out: ShareConsumerRecord<unknown, unknown>[] = [];
    const r = f.take(step, out, (o, c) => settled.push([o, c]));
    if (r.error) errors.push(r.error);
    expect(out.length).toBeLessThanOrEqual(step);
    records.push(...out);
  }
  return { records, settled, errors };
}

describe('AcquiredFetch', () => {
  const data = Buffer.concat([batch(0n, ['a', 'b', 'c', 'd', 'e']), controlBatch(5n), batch(6n, ['g', 'h'])]);
  const ranges = [
    { firstOffset: 1n, lastOffset: 2n, deliveryCount: 1 },
    { firstOffset: 4n, lastOffset: 6n, deliveryCount: 3 },
    { firstOffset: 7n, lastOffset: 8n, deliveryCount: 1 },
  ];

  for (const step of [1, 2, 500]) {
    it(`hands out only acquired records, with their delivery counts, ${step} at a time; acquired offsets without a record are gaps`, () => {
      const f = new AcquiredFetch('t', 'ID', 0, 1, data, ranges, settings());
      expect(f.pending).toBe(7);
      const { records, settled, errors } = takeAll(f, step);
      expect(errors).toEqual([]);
      expect(records.map((r) => [r.offset, r.value, r.deliveryCount])).toEqual([
        [1n, 'b', 1],
        [2n, 'c', 1],
        [4n, 'e', 3],
        [6n, 'g', 3],
        [7n, 'h', 1],
      ]);
      // 5 is the transaction marker, 8 is past the data the broker returned.
      expect(settled).toEqual([[5n, 0], [8n, 0]]);
      expect(f.done).toBe(true);
    });
  }

  it('releases a record whose value the deserializer refuses, reports the error, and goes on with the next', () => {
    const throwing = (d: Buffer | null) => {
      if (d?.toString() === 'c') throw new Error('not JSON');
      return d?.toString() ?? null;
    };
    const f = new AcquiredFetch('t', 'ID', 0, 1, data, ranges, settings({ valueDeserializer: throwing }));
    const { records, settled, errors } = takeAll(f, 500);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/not JSON/);
    expect(records.map((r) => r.offset)).toEqual([1n, 4n, 6n, 7n]);
    expect(settled).toEqual([[2n, 2], [5n, 0], [8n, 0]]);
  });

  it('owes a gap for every acquired offset when the broker sent no records', () => {
    const f = new AcquiredFetch('t', 'ID', 0, 1, null, [{ firstOffset: 3n, lastOffset: 4n, deliveryCount: 1 }], settings());
    const { records, settled } = takeAll(f, 10);
    expect(records).toEqual([]);
    expect(settled).toEqual([[3n, 0], [4n, 0]]);
  });

  it('drain() returns what is left to release, and nothing is settled twice', () => {
    const f = new AcquiredFetch('t', 'ID', 0, 1, data, ranges, settings());
    const out: ShareConsumerRecord<unknown, unknown>[] = [];
    const settled: bigint[] = [];
    f.take(2, out, (o) => settled.push(o));
    expect(out.map((r) => r.offset)).toEqual([1n, 2n]);
    expect(f.drain()).toEqual([4n, 5n, 6n, 7n, 8n]);
    expect(f.done).toBe(true);
    f.take(10, out, (o) => settled.push(o));
    expect(settled).toEqual([]);
  });
});
