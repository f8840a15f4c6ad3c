// The buffered view of one partition's fetched bytes: what reaches the
// application (aborted transactions, control records, positions, legacy
// formats, errors), checked against a model of the log.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/codec/crc32.js';
import { Writer } from '../../src/codec/writer.js';
import { CompletedFetch, type ConsumerRecord, type DecodeSettings } from '../../src/consumer/completed-fetch.js';
import { bytesDeserializer, stringDeserializer } from '../../src/consumer/deserializers.js';
import { encodeRecordBatch } from '../../src/records/batch.js';
import { scanRecords } from '../../src/records/legacy.js';

const settings = (readCommitted: boolean, extra: Partial<DecodeSettings> = {}): DecodeSettings => ({
  checkCrcs: true,
  readCommitted,
  keyDeserializer: bytesDeserializer,
  valueDeserializer: stringDeserializer,
  ...extra,
});

function control(offset: bigint, pid: bigint, commit: boolean): Buffer {
  const key = Buffer.from([0, 0, 0, commit ? 1 : 0]);
  const value = Buffer.from([0, 0, 0, 0, 0, 5]);
  return encodeRecordBatch([{ key, value }], { baseOffset: offset, control: true, transactional: true, producerId: pid, producerEpoch: 0 });
}

/** Takes everything from `from`, `step` records at a time. */
function drain(cf: CompletedFetch, from: bigint, step: number): { records: ConsumerRecord<unknown, unknown>[]; next: bigint } {
  const records: ConsumerRecord<unknown, unknown>[] = [];
  let next = from;
  for (let guard = 0; !cf.done && guard < 10_000; guard++) {
    const out: ConsumerRecord<unknown, unknown>[] = [];
    const r = cf.take(next, step, out);
    expect(r.error).toBeNull();
    next = r.nextOffset;
    records.push(...out);
  }
  return { records, next };
}

type Op = { pid: number; kind: 'data'; n: number } | { pid: number; kind: 'end'; commit: boolean } | { kind: 'plain'; n: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ pid: fc.integer({ min: 1, max: 3 }), kind: fc.constant('data' as const), n: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ pid: fc.integer({ min: 1, max: 3 }), kind: fc.constant('end' as const), commit: fc.boolean() }),
  fc.record({ kind: fc.constant('plain' as const), n: fc.integer({ min: 1, max: 3 }) }),
);

/** Writes a log as a broker would, and the aborted-transaction list it would return. */
function buildLog(ops: Op[], closeCommit: boolean[]) {
  const parts: Buffer[] = [];
  const aborted: Array<{ producerId: bigint; firstOffset: bigint }> = [];
  const all: Array<{ offset: bigint; value: string; pid: number | null }> = [];
  const open = new Map<number, { first: bigint; offsets: bigint[] }>();
  const abortedOffsets = new Set<bigint>();
  let offset = 0n;
  const end = (pid: number, commit: boolean) => {
    const t = open.get(pid);
    if (!t) return;
    parts.push(control(offset, BigInt(pid), commit));
    offset += 1n;
    if (!commit) {
      aborted.push({ producerId: BigInt(pid), firstOffset: t.first });
      for (const o of t.offsets) abortedOffsets.add(o);
    }
    open.delete(pid);
  };
  for (const op of ops) {
    if (op.kind === 'end') {
      end(op.pid, op.commit);
      continue;
    }
    const pid = op.kind === 'data' ? op.pid : null;
    const values = Array.from({ length: op.n }, (_, i) => `v${offset + BigInt(i)}`);
    parts.push(encodeRecordBatch(values.map((v) => ({ value: Buffer.from(v) })), { baseOffset: offset, transactional: pid !== null, producerId: pid === null ? -1n : BigInt(pid), producerEpoch: pid === null ? -1 : 0 }));
    if (pid !== null) {
      const t = open.get(pid) ?? { first: offset, offsets: [] };
      open.set(pid, t);
      for (let i = 0; i < op.n; i++) t.offsets.push(offset + BigInt(i));
    }
    values.forEach((value, i) => all.push({ offset: offset + BigInt(i), value, pid }));
    offset += BigInt(op.n);
  }
  [...open.keys()].forEach((pid, i) => end(pid, closeCommit[i] ?? true));
  return { data: Buffer.concat(parts), aborted, all, abortedOffsets, end: offset };
}

describe('CompletedFetch', () => {
  it('read_committed drops exactly the aborted transactions; read_uncommitted keeps all data; control records never appear; any take size', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 25 }), fc.array(fc.boolean(), { maxLength: 3 }), fc.integer({ min: 1, max: 7 }), fc.nat(), (ops, closing, step, fromSeed) => {
        const log = buildLog(ops, closing);
        const { entries } = scanRecords(log.data);
        const from = log.end === 0n ? 0n : BigInt(fromSeed) % (log.end + 1n);
        for (const readCommitted of [true, false]) {
          const cf = new CompletedFetch('t', 0, log.data, entries, log.aborted.map((a) => ({ ...a })), settings(readCommitted));
          const { records, next } = drain(cf, from, step);
          const expected = log.all.filter((r) => r.offset >= from && !(readCommitted && log.abortedOffsets.has(r.offset)));
          expect(records.map((r) => r.value)).toEqual(expected.map((r) => r.value));
          expect(records.map((r) => r.offset)).toEqual(expected.map((r) => r.offset));
          // The position ends past everything, control records included.
          expect(next).toBe(log.end > from ? log.end : from);
          expect(cf.bytes).toBe(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('skips records below the position without handing them out, and reports the bytes it releases', () => {
    const data = Buffer.concat([
      encodeRecordBatch(['a', 'b', 'c'].map((v) => ({ value: Buffer.from(v) })), { baseOffset: 10n, partitionLeaderEpoch: 4 }),
      encodeRecordBatch(['d', 'e'].map((v) => ({ value: Buffer.from(v) })), { baseOffset: 13n, partitionLeaderEpoch: 5 }),
    ]);
    const { entries } = scanRecords(data);
    const cf = new CompletedFetch('t', 3, data, entries, null, settings(false));
    expect(cf.bytes).toBe(data.length);
    const out: ConsumerRecord<unknown, unknown>[] = [];
    const r1 = cf.take(11n, 2, out);
    expect(out.map((r) => [r.offset, r.value, r.leaderEpoch, r.partition])).toEqual([
      [11n, 'b', 4, 3],
      [12n, 'c', 4, 3],
    ]);
    expect(r1).toMatchObject({ nextOffset: 13n, lastEpoch: 4, released: entries[0]!.sizeInBytes, error: null });
    const out2: ConsumerRecord<unknown, unknown>[] = [];
    const r2 = cf.take(13n, 10, out2);
    expect(out2.map((r) => r.value)).toEqual(['d', 'e']);
    expect(r2).toMatchObject({ nextOffset: 15n, lastEpoch: 5, released: entries[1]!.sizeInBytes });
    expect(cf.done).toBe(true);
  });

  it('reads legacy magic 0 and 1 messages mixed with v2 batches', () => {
    const legacy = (offset: bigint, magic: 0 | 1, value: string): Buffer => {
      const w = new Writer(64);
      w.int64(offset);
      w.int32(0);
      w.uint32(0);
      w.int8(magic);
      w.int8(0);
      if (magic === 1) w.int64(1_700_000_000_000n);
      w.bytes(null);
      w.bytes(Buffer.from(value));
      const buf = Buffer.from(w.finish());
      buf.writeInt32BE(buf.length - 12, 8);
      buf.writeUInt32BE(crc32(buf, 16), 12);
      return buf;
    };
    const data = Buffer.concat([legacy(0n, 0, 'm0'), legacy(1n, 1, 'm1'), encodeRecordBatch([{ value: Buffer.from('v2') }], { baseOffset: 2n })]);
    const cf = new CompletedFetch('t', 0, data, scanRecords(data).entries, null, settings(false));
    const { records, next } = drain(cf, 0n, 10);
    expect(records.map((r) => [r.offset, r.value, r.timestampType, r.timestamp])).toEqual([
      [0n, 'm0', 'none', -1],
      [1n, 'm1', 'create', 1_700_000_000_000],
      [2n, 'v2', 'create', records[2]!.timestamp],
    ]);
    expect(next).toBe(3n);
  });

  it('a throwing deserializer stops at its record, naming it; records before it are kept', () => {
    const data = encodeRecordBatch(['ok', 'bad', 'ok2'].map((v) => ({ value: Buffer.from(v) })), { baseOffset: 0n });
    const cf = new CompletedFetch('topic-x', 2, data, scanRecords(data).entries, null, settings(false, {
      valueDeserializer: (d) => {
        if (d?.toString() === 'bad') throw new Error('cannot parse');
        return d?.toString();
      },
    }));
    const out: ConsumerRecord<unknown, unknown>[] = [];
    const r = cf.take(0n, 10, out);
    expect(out.map((x) => x.value)).toEqual(['ok']);
    expect(r.nextOffset).toBe(1n);
    expect(r.error?.message).toMatch(/offset 1 of topic-x-2: cannot parse/);
  });
});
