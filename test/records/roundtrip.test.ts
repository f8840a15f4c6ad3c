import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Writer } from '../../src/codec/writer.js';
import { KafkaConfigError } from '../../src/errors.js';
import { getCodec, lz4Codec, registerCodec, zstdAvailable, type CompressionCodec } from '../../src/records/compression/index.js';
import {
  decodeRecordBatch,
  decodeRecords,
  encodeRecordBatch,
  openRecordBatch,
  type EncodeRecordBatchOptions,
  type KafkaRecord,
  type RecordColumns,
  type RecordInput,
} from '../../src/records/index.js';
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from '../../src/records/varint.js';

const bytes = (maxLength: number): fc.Arbitrary<Uint8Array | null> => fc.option(fc.uint8Array({ maxLength }), { nil: null });

/** Timestamps: realistic ones, small ones, and any safe integer within ±2^51 (so deltas stay safe). */
const timestamp = fc.oneof(
  fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 }),
  fc.integer({ min: -1, max: 2 ** 31 }),
  fc.integer({ min: -(2 ** 51), max: 2 ** 51 }),
);

const header = fc.record({ key: fc.string({ unit: 'binary', maxLength: 12 }), value: bytes(24) });

const recordArb = fc.record(
  { key: bytes(40), value: bytes(300), headers: fc.array(header, { maxLength: 4 }), timestamp, gap: fc.nat(1000) },
  { requiredKeys: ['key', 'value', 'timestamp', 'gap'] },
);

const batchArb = fc.record({
  records: fc.array(recordArb, { minLength: 1, maxLength: 25 }),
  explicitOffsets: fc.boolean(),
  options: fc.record({
    baseOffset: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    partitionLeaderEpoch: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    producerId: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    producerEpoch: fc.integer({ min: -(2 ** 15), max: 2 ** 15 - 1 }),
    baseSequence: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    transactional: fc.boolean(),
    timestampType: fc.constantFrom('create' as const, 'log-append' as const),
  }),
});

type BatchCase = { records: RecordInput[]; options: EncodeRecordBatchOptions };

type BatchArb = typeof batchArb extends fc.Arbitrary<infer T> ? T : never;

function toCase(c: BatchArb): BatchCase {
  let offset = 0;
  const records = c.records.map((r, i): RecordInput => {
    if (i > 0) offset += 1 + r.gap;
    const input: RecordInput = { key: r.key, value: r.value, timestamp: r.timestamp };
    if (r.headers !== undefined) input.headers = r.headers;
    if (c.explicitOffsets) input.offsetDelta = offset;
    return input;
  });
  return { records, options: c.options };
}

const hexOf = (b: Uint8Array | null | undefined): string | null => (b === null || b === undefined ? null : Buffer.from(b).toString('hex'));

function expectSameRecords(got: readonly KafkaRecord[], want: readonly RecordInput[], logAppendTime: number | undefined, first = 0): void {
  expect(got).toHaveLength(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    expect(g.offsetDelta).toBe(w.offsetDelta ?? first + i);
    expect(g.timestamp).toBe(logAppendTime ?? w.timestamp);
    expect(hexOf(g.key)).toBe(hexOf(w.key));
    expect(hexOf(g.value)).toBe(hexOf(w.value));
    expect(g.headers.map((h) => [h.key, hexOf(h.value)])).toEqual((w.headers ?? []).map((h) => [h.key, hexOf(h.value)]));
  }
}

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

describe('v2 batches survive encode → decode', () => {
  for (const compression of CODECS) {
    const skip = compression === 'zstd' && !zstdAvailable();
    const title = `${compression}${skip ? ` (skipped: node:zlib on ${process.version} has no zstd)` : ''}`;
    it.skipIf(skip)(title, () => {
      fc.assert(
        fc.property(batchArb, (arb) => {
          const { records, options } = toCase(arb);
          const bytes = encodeRecordBatch(records, { ...options, compression });
          const batch = decodeRecordBatch(bytes);
          if (batch.control) throw new Error('a data batch decoded as a control batch');
          const timestamps = records.map((r) => r.timestamp!);
          const maxTimestamp = Math.max(-1, ...timestamps);
          expect(batch).toMatchObject({
            ...options,
            magic: 2,
            sizeInBytes: bytes.length,
            compression: CODECS.indexOf(compression),
            control: false,
            baseTimestamp: timestamps[0],
            maxTimestamp,
            lastOffsetDelta: records[records.length - 1]!.offsetDelta ?? records.length - 1,
            recordCount: records.length,
          });
          expectSameRecords(batch.records, records, options.timestampType === 'log-append' ? maxTimestamp : undefined);
          if (options.timestampType === 'create') {
            // What was decoded encodes to the same bytes.
            const again = encodeRecordBatch(batch.records as RecordInput[], { ...options, compression });
            expect(again.equals(bytes)).toBe(true);
          }
        }),
        { numRuns: compression === 'none' ? 300 : 80 },
      );
    });
  }

  it('two batches in one record set decode in order, without truncation', () => {
    fc.assert(
      fc.property(batchArb, batchArb, fc.constantFrom('none' as const, 'gzip' as const, 'lz4' as const), (a, b, compression) => {
        const first = toCase(a);
        const second = toCase(b);
        const set = Buffer.concat([
          encodeRecordBatch(first.records, { ...first.options, compression }),
          encodeRecordBatch(second.records, { ...second.options, compression: 'snappy' }),
        ]);
        const { batches, truncated } = decodeRecords(set);
        expect(truncated).toBe(false);
        expect(batches.map((x) => x.baseOffset)).toEqual([first.options.baseOffset, second.options.baseOffset]);
        expect(batches.map((x) => x.records.length)).toEqual([first.records.length, second.records.length]);
      }),
      { numRuns: 50 },
    );
  });
});

describe('records given as columns', () => {
  it('encode to the same bytes as the same records given as objects, with or without key and header columns', () => {
    fc.assert(
      fc.property(batchArb, fc.boolean(), (arb, keysAsColumn) => {
        const { records, options } = toCase(arb);
        const anyKey = records.some((r) => r.key !== null && r.key !== undefined);
        const anyHeaders = records.some((r) => (r.headers?.length ?? 0) > 0);
        // A producer batch leaves out a column nothing fills; a column of nulls must mean the same.
        const columns: RecordColumns = {
          keys: anyKey || keysAsColumn ? records.map((r) => r.key ?? null) : undefined,
          values: records.map((r) => r.value ?? null),
          headers: anyHeaders ? records.map((r) => r.headers) : undefined,
          timestamps: records.map((r) => r.timestamp!),
          offsetDeltas: records.some((r) => r.offsetDelta !== undefined) ? records.map((r, i) => r.offsetDelta ?? i) : undefined,
        };
        const fromColumns = encodeRecordBatch(columns, options);
        expect(fromColumns.equals(encodeRecordBatch(records, options))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('buffers the built-in codecs reuse between batches', () => {
  it('leave every batch with its own bytes', () => {
    const codecs = CODECS.filter((c) => c !== 'none' && (c !== 'zstd' || zstdAvailable()));
    fc.assert(
      fc.property(batchArb, batchArb, fc.constantFrom(...codecs), (a, b, compression) => {
        const first = toCase(a);
        const second = toCase(b);
        const bytes = encodeRecordBatch(first.records, { ...first.options, compression });
        const before = Buffer.from(bytes);
        encodeRecordBatch(second.records, { ...second.options, compression });
        expect(bytes.equals(before)).toBe(true);
        const log = first.options.timestampType === 'log-append' ? Math.max(-1, ...first.records.map((r) => r.timestamp!)) : undefined;
        const batch = decodeRecordBatch(bytes);
        if (batch.control) throw new Error('a data batch decoded as a control batch');
        expectSameRecords(batch.records, first.records, log);
      }),
      { numRuns: 100 },
    );
  });

  it('are not lent to a codec of the user\'s, even one copied from a built-in codec', () => {
    const kept: Uint8Array[] = [];
    const copy: CompressionCodec = { ...lz4Codec, compress: (data) => (kept.push(data), lz4Codec.compress(data)) };
    const previous = registerCodec(copy);
    try {
      expect(getCodec('lz4')).toBe(copy);
      encodeRecordBatch([{ value: Buffer.from('first batch') }], { compression: 'lz4' });
      encodeRecordBatch([{ value: Buffer.from('second one') }], { compression: 'lz4' });
      // Each call got its own input, which the second batch did not overwrite.
      expect(kept).toHaveLength(2);
      expect(Buffer.from(kept[0]!).includes('first batch')).toBe(true);
      expect(Buffer.from(kept[1]!).includes('second one')).toBe(true);
    } finally {
      registerCodec(previous!);
    }
  });
});

describe('lazy reading', () => {
  it('skipBelow skips exactly the records below an offset delta, the rest read as usual', () => {
    fc.assert(
      fc.property(batchArb, fc.nat(30_000), fc.constantFrom('none' as const, 'gzip' as const), (arb, target, compression) => {
        const { records, options } = toCase(arb);
        const bytes = encodeRecordBatch(records, { ...options, timestampType: 'create', compression });
        const { header, records: reader } = openRecordBatch(bytes);
        expect(header.recordCount).toBe(records.length);
        const deltas = records.map((r, i) => r.offsetDelta ?? i);
        const below = deltas.filter((d) => d < target).length;
        expect(reader.skipBelow(target)).toBe(below);
        expect(reader.remaining).toBe(records.length - below);
        expectSameRecords([...reader], records.slice(below), undefined, below);
        expect(reader.read()).toBeUndefined();
        expect(reader.skip()).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it('skip and peekOffsetDelta walk the records without decoding them', () => {
    const records: RecordInput[] = [0, 5, 9].map((offsetDelta) => ({ value: Buffer.from([offsetDelta]), offsetDelta, timestamp: 10 }));
    const { records: reader } = openRecordBatch(encodeRecordBatch(records));
    expect(reader.peekOffsetDelta()).toBe(0);
    expect(reader.peekOffsetDelta()).toBe(0);
    expect(reader.skip()).toBe(true);
    expect(reader.peekOffsetDelta()).toBe(5);
    expect(reader.read()?.value?.[0]).toBe(5);
    expect(reader.peekOffsetDelta()).toBe(9);
    expect(reader.skip()).toBe(true);
    expect(reader.peekOffsetDelta()).toBeUndefined();
    expect(reader.remaining).toBe(0);
  });
});

describe('number varints', () => {
  it('varlong: the same bytes as the BigInt writer, for any safe integer', () => {
    const buf = Buffer.alloc(10);
    fc.assert(
      fc.property(fc.oneof(fc.maxSafeInteger(), fc.integer(), fc.integer({ min: -(2 ** 40), max: 2 ** 40 })), (v) => {
        const w = new Writer(16);
        w.varlong(BigInt(v));
        const end = writeVarlong(buf, 0, v);
        expect(buf.subarray(0, end).toString('hex')).toBe(w.finish().toString('hex'));
        expect(sizeOfVarlong(v)).toBe(end);
      }),
      { numRuns: 2000 },
    );
    for (const v of [0, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53) + 1, 2 ** 35, 2 ** 49]) {
      const w = new Writer(16);
      w.varlong(BigInt(v));
      expect(buf.subarray(0, writeVarlong(buf, 0, v)).toString('hex'), String(v)).toBe(w.finish().toString('hex'));
    }
  });

  it('varint: the same bytes as the Writer, for any int32', () => {
    const buf = Buffer.alloc(5);
    fc.assert(
      fc.property(fc.integer(), (v) => {
        const w = new Writer(8);
        w.varint(v);
        const end = writeVarint(buf, 0, v);
        expect(buf.subarray(0, end).toString('hex')).toBe(w.finish().toString('hex'));
        expect(sizeOfVarint(v)).toBe(end);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('varlong decoding', () => {
  it('reads any int64 timestamp delta: exactly within ±2^53, to the nearest few ulps beyond', () => {
    const template = encodeRecordBatch([{ value: null, timestamp: 0 }]);
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (delta) => {
        const body = new Writer(16);
        body.int8(0);
        body.varlong(delta);
        body.varint(0); // offsetDelta
        body.varint(-1); // key
        body.varint(-1); // value
        body.varint(0); // headers
        const rec = new Writer(16);
        rec.varint(body.offset);
        rec.raw(body.finish());
        const batch = Buffer.concat([template.subarray(0, 61), rec.finish()]);
        batch.writeInt32BE(batch.length - 12, 8);
        const got = decodeRecordBatch(batch, 0, { verifyCrc: false }).records[0]!.timestamp;
        const want = Number(delta);
        if (delta >= -(2n ** 53n) && delta <= 2n ** 53n) expect(got).toBe(want);
        else expect(Math.abs(got - want)).toBeLessThanOrEqual(Math.abs(want) * 2 ** -50);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('encoder input checks', () => {
  it('refuses what cannot be encoded with a KafkaConfigError naming it', () => {
    const bad: [RecordInput[], EncodeRecordBatchOptions, RegExp][] = [
      [[{ value: 'text' as unknown as Uint8Array }], {}, /record 0: value must be a Uint8Array/],
      [[{ value: null }, { key: [1, 2] as unknown as Uint8Array }], {}, /record 1: key must be a Uint8Array/],
      [[{ value: null, timestamp: 1.5 }], {}, /timestamp 1.5 is not a safe integer/],
      [[{ value: null, timestamp: 0 }, { value: null, timestamp: 2 ** 53 }], {}, /record 1: timestamp/],
      [[{ value: null, offsetDelta: 2 ** 31 }], {}, /offsetDelta 2147483648 is not an int32/],
      [[{ value: null, headers: [{ key: 7 as unknown as string, value: null }] }], {}, /header 0 key must be a string/],
      [[{ value: null }], { baseOffset: 2n ** 63n }, /baseOffset must be an int64/],
      [[{ value: null }], { producerEpoch: 40000 }, /producerEpoch must be an integer/],
    ];
    for (const [records, options, message] of bad) {
      expect(() => encodeRecordBatch(records, options), String(message)).toThrow(KafkaConfigError);
      expect(() => encodeRecordBatch(records, options)).toThrow(message);
    }
  });

  it('records without a timestamp or offset delta get the default timestamp and their index', () => {
    const batch = decodeRecordBatch(encodeRecordBatch([{ value: null }, { value: null }], { defaultTimestamp: 1234 }));
    expect(batch.records.map((r) => [r.offsetDelta, r.timestamp])).toEqual([
      [0, 1234],
      [1, 1234],
    ]);
    expect(batch).toMatchObject({ baseTimestamp: 1234, maxTimestamp: 1234, lastOffsetDelta: 1 });
  });
});
