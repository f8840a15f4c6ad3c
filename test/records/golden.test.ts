import { describe, expect, it } from 'vitest';
import {
  decodeRecordBatch,
  decodeRecords,
  encodeRecordBatch,
  type ControlRecordBatch,
  type DataRecordBatch,
  type RecordBatch,
  type RecordInput,
} from '../../src/records/index.js';
import { zstdAvailable } from '../../src/records/compression/index.js';
import { JAVA_RECORD_SETS, THREE_RECORDS, TRANSACTIONAL_RECORDS, type FixtureRecord } from './java-fixtures.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const utf8 = (s: string | null): Buffer | null => (s === null ? null : Buffer.from(s, 'utf8'));
/** Hex with a `# comment` on each line. */
const annotatedHex = (s: string): Buffer => hex(s.split('\n').map((line) => line.split('#')[0]).join(''));
const text = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('utf8'));

/**
 * Worked out by hand from the format description; the CRC was computed with
 * a separate bit-by-bit CRC-32C (polynomial 0x82F63B78) over bytes 21..81.
 */
const GOLDEN = annotatedHex(`
  0000000000000005  # baseOffset 5
  00000046          # batchLength 70 (82 bytes - 12)
  00000000          # partitionLeaderEpoch 0
  02                # magic 2
  e017e494          # crc: CRC-32C of the 61 bytes from attributes to the end
  0000              # attributes: no compression, create time, not transactional, not control
  00000001          # lastOffsetDelta 1
  00000000000003e8  # baseTimestamp 1000
  00000000000003e9  # maxTimestamp 1001
  ffffffffffffffff  # producerId -1
  ffff              # producerEpoch -1
  ffffffff          # baseSequence -1
  00000002          # 2 records
  10                # record 0: length 8 (zig-zag 16)
    00 00 00        # attributes 0, timestampDelta 0, offsetDelta 0
    02 6b           # key: length 1, "k"
    02 76           # value: length 1, "v"
    00              # 0 headers
  16                # record 1: length 11 (zig-zag 22)
    00 02 02        # attributes 0, timestampDelta 1, offsetDelta 1
    01              # key: length -1 (null)
    04 6869         # value: length 2, "hi"
    02              # 1 header
    02 68 01        # key: length 1, "h"; value: length -1 (null)
`);

describe('golden batch (hand-computed)', () => {
  it('encodes byte for byte', () => {
    const records: RecordInput[] = [
      { key: utf8('k'), value: utf8('v'), timestamp: 1000 },
      { key: null, value: utf8('hi'), timestamp: 1001, headers: [{ key: 'h', value: null }] },
    ];
    const bytes = encodeRecordBatch(records, { baseOffset: 5n, partitionLeaderEpoch: 0 });
    expect(bytes.length).toBe(82);
    expect(bytes.toString('hex')).toBe(GOLDEN.toString('hex'));
  });

  it('decodes every field', () => {
    const batch = decodeRecordBatch(GOLDEN) as DataRecordBatch;
    expect(batch).toMatchObject({
      baseOffset: 5n,
      sizeInBytes: 82,
      partitionLeaderEpoch: 0,
      magic: 2,
      crc: 0xe017e494,
      compression: 0,
      timestampType: 'create',
      transactional: false,
      control: false,
      lastOffsetDelta: 1,
      baseTimestamp: 1000,
      maxTimestamp: 1001,
      producerId: -1n,
      producerEpoch: -1,
      baseSequence: -1,
      recordCount: 2,
    });
    expect(batch.records.map((r) => [r.offsetDelta, r.timestamp, text(r.key), text(r.value), r.headers.length])).toEqual([
      [0, 1000, 'k', 'v', 0],
      [1, 1001, null, 'hi', 1],
    ]);
    expect(batch.records[1]!.headers[0]).toEqual({ key: 'h', value: null });
    // Zero copy: the value is a view of the input.
    expect(batch.records[1]!.value!.buffer).toBe(GOLDEN.buffer);
  });
});

function fixtureInputs(records: readonly FixtureRecord[]): RecordInput[] {
  return records.map((r) => ({
    key: utf8(r.key),
    value: utf8(r.value),
    timestamp: r.timestamp,
    headers: r.headers.map(([key, value]) => ({ key, value: utf8(value) })),
  }));
}

function expectRecords(batch: RecordBatch, expected: readonly FixtureRecord[], withHeaders: boolean): void {
  expect(batch.control).toBe(false);
  const got = (batch as DataRecordBatch).records.map((r) => ({
    key: text(r.key),
    value: text(r.value),
    timestamp: r.timestamp,
    headers: r.headers.map((h) => [h.key, text(h.value)]),
  }));
  expect(got).toEqual(expected.map((r) => ({ ...r, headers: withHeaders ? r.headers : [] })));
}

describe('Java client fixtures, v2', () => {
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const name = `v2_${codec}`;
    it.skipIf(codec === 'zstd' && !zstdAvailable())(`${name} decodes (zstd needs Node.js 22.15+)`, () => {
      const { batches, truncated } = decodeRecords(hex(JAVA_RECORD_SETS[name]!));
      expect(truncated).toBe(false);
      expect(batches).toHaveLength(1);
      const batch = batches[0]!;
      expect(batch).toMatchObject({ baseOffset: 42n, partitionLeaderEpoch: 7, compression: [0, 1, 2, 3, 4][['none', 'gzip', 'snappy', 'lz4', 'zstd'].indexOf(codec)], lastOffsetDelta: 2 });
      expect(batch.records.map((r) => r.offsetDelta)).toEqual([0, 1, 2]);
      expectRecords(batch, THREE_RECORDS, true);
    });
  }

  it('v2_none is what kafkawire encodes for the same records', () => {
    const bytes = encodeRecordBatch(fixtureInputs(THREE_RECORDS), { baseOffset: 42n, partitionLeaderEpoch: 7 });
    expect(bytes.toString('hex')).toBe(JAVA_RECORD_SETS.v2_none);
  });

  it('v2_transactional decodes (timestamp deltas beyond 32 bits) and encodes byte for byte', () => {
    const batch = decodeRecordBatch(hex(JAVA_RECORD_SETS.v2_transactional!));
    expect(batch).toMatchObject({ baseOffset: 1000n, transactional: true, producerId: 1234567890123n, producerEpoch: 5, baseSequence: 17, partitionLeaderEpoch: 3, maxTimestamp: 4102444800000 });
    expectRecords(batch, TRANSACTIONAL_RECORDS, false);
    const bytes = encodeRecordBatch(fixtureInputs(TRANSACTIONAL_RECORDS), {
      baseOffset: 1000n,
      partitionLeaderEpoch: 3,
      transactional: true,
      producerId: 1234567890123n,
      producerEpoch: 5,
      baseSequence: 17,
    });
    expect(bytes.toString('hex')).toBe(JAVA_RECORD_SETS.v2_transactional);
  });

  it('v2_log_append gives every record the log append time, and encodes byte for byte', () => {
    const batch = decodeRecordBatch(hex(JAVA_RECORD_SETS.v2_log_append!));
    expect(batch.timestampType).toBe('log-append');
    expect(batch.maxTimestamp).toBe(1700000001000);
    expect(batch.records.map((r) => r.timestamp)).toEqual([1700000001000, 1700000001000]);
    const bytes = encodeRecordBatch(
      [
        { value: utf8('x'), timestamp: 1700000000000 },
        { value: utf8('y'), timestamp: 1700000000500 },
      ],
      { baseOffset: 5n, partitionLeaderEpoch: 0, timestampType: 'log-append', maxTimestamp: 1700000001000 },
    );
    expect(bytes.toString('hex')).toBe(JAVA_RECORD_SETS.v2_log_append);
  });

  for (const [name, type, epoch, offset] of [
    ['v2_commit', 'commit', 9, 1003n],
    ['v2_abort', 'abort', 11, 1004n],
  ] as const) {
    it(`${name} is a control batch with a ${type} marker, and encodes byte for byte`, () => {
      const batch = decodeRecordBatch(hex(JAVA_RECORD_SETS[name]!)) as ControlRecordBatch;
      expect(batch).toMatchObject({ control: true, transactional: true, baseOffset: offset, producerId: 1234567890123n });
      expect(batch.records).toHaveLength(1);
      expect(batch.records[0]).toMatchObject({ type, typeId: type === 'commit' ? 1 : 0, version: 0, coordinatorEpoch: epoch, offsetDelta: 0 });
      const marker = batch.records[0]!;
      const bytes = encodeRecordBatch([{ key: marker.key, value: marker.value, timestamp: marker.timestamp }], {
        baseOffset: offset,
        partitionLeaderEpoch: 3,
        control: true,
        transactional: true,
        producerId: 1234567890123n,
        producerEpoch: 5,
      });
      expect(bytes.toString('hex')).toBe(JAVA_RECORD_SETS[name]);
    });
  }

  it('a Fetch-like record set of several Java batches decodes in order', () => {
    const set = Buffer.concat(['v2_transactional', 'v2_commit', 'v2_abort'].map((n) => hex(JAVA_RECORD_SETS[n]!)));
    const { batches, truncated } = decodeRecords(set);
    expect(truncated).toBe(false);
    expect(batches.map((b) => [b.baseOffset, b.control])).toEqual([
      [1000n, false],
      [1003n, true],
      [1004n, true],
    ]);
  });
});
