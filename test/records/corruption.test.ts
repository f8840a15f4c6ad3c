import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../src/codec/crc32c.js';
import { CorruptRecordError, KafkaError, KafkaProtocolError, UnsupportedCompressionError } from '../../src/errors.js';
import { zstdAvailable } from '../../src/records/compression/index.js';
import {
  decodeRecordBatch,
  decodeRecords,
  encodeRecordBatch,
  openRecordBatch,
  parseControlRecord,
  scanRecords,
  type DecodeRecordsOptions,
  type RecordInput,
} from '../../src/records/index.js';

const RECORDS: RecordInput[] = [
  { key: Buffer.from('key-0'), value: Buffer.from('value-0 '.repeat(8)), timestamp: 1_700_000_000_000, headers: [{ key: 'h', value: Buffer.from('x') }] },
  { key: null, value: Buffer.from('value-1'), timestamp: 1_700_000_000_050 },
  { key: Buffer.from('k2'), value: null, timestamp: 1_699_999_999_000, headers: [{ key: 'trace', value: null }] },
];

const CODECS = ['none', 'gzip', 'snappy', 'lz4', ...(zstdAvailable() ? ['zstd' as const] : [])] as const;

/** Runs fn; returns what it threw, or undefined. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err;
  }
}

/**
 * Replaces the records section of an encoded batch (and, optionally, its
 * record count and attributes), fixing batchLength and the CRC, so the
 * decoder gets past the checksum and meets the forged content.
 */
function forge(template: Buffer, records: Buffer, count?: number, attributes?: number): Buffer {
  const out = Buffer.concat([template.subarray(0, 61), records]);
  out.writeInt32BE(out.length - 12, 8);
  if (count !== undefined) out.writeInt32BE(count, 57);
  if (attributes !== undefined) out.writeInt16BE(attributes, 21);
  out.writeUInt32BE(crc32c(out, 21), 17);
  return out;
}

describe('a flipped byte is caught', () => {
  for (const compression of CODECS) {
    it(`${compression}: any byte from the CRC on gives CorruptRecordError; earlier ones decode or give a KafkaError`, () => {
      const batch = encodeRecordBatch(RECORDS, { baseOffset: 100n, compression });
      for (let i = 0; i < batch.length; i++) {
        for (const mask of [0x01, 0x80, 0xff]) {
          const bad = Buffer.from(batch);
          bad[i] = bad[i]! ^ mask;
          const err = thrown(() => decodeRecords(bad, { topic: 't', partition: 3 }));
          if (i >= 17) {
            expect(err, `byte ${i} ^ ${mask}`).toBeInstanceOf(CorruptRecordError);
            expect((err as CorruptRecordError).context).toMatchObject({ topic: 't', partition: 3 });
          } else if (err !== undefined) {
            expect(err, `byte ${i} ^ ${mask}`).toBeInstanceOf(KafkaError);
          }
        }
      }
    });
  }

  it('the CRC error names topic, partition and the batch offset', () => {
    const bad = encodeRecordBatch(RECORDS, { baseOffset: 77n });
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 1;
    const err = thrown(() => decodeRecords(bad, { topic: 'orders', partition: 4 })) as CorruptRecordError;
    expect(err).toBeInstanceOf(CorruptRecordError);
    expect(err.context).toMatchObject({ topic: 'orders', partition: 4, offset: 77n });
    expect(err.message).toMatch(/orders.*partition 4.*offset 77/);
  });

  for (const compression of CODECS) {
    it(`${compression}, CRC check off: random corruption gives a result or a KafkaError, nothing else`, () => {
      const batch = encodeRecordBatch(RECORDS, { compression });
      const options: DecodeRecordsOptions = { verifyCrc: false, maxDecompressedBytes: 1 << 20 };
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(batch.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 }), (flips) => {
          const bad = Buffer.from(batch);
          for (const [at, mask] of flips) bad[at] = bad[at]! ^ mask;
          const err = thrown(() => decodeRecords(bad, options));
          if (err !== undefined) expect(err).toBeInstanceOf(KafkaError);
        }),
        { numRuns: 400 },
      );
    });
  }

  it('random bytes after a valid header prefix give a result or a KafkaError', () => {
    const template = encodeRecordBatch(RECORDS);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(1000), (records, count) => {
        const err = thrown(() => decodeRecords(forge(template, Buffer.from(records), count)));
        if (err !== undefined) expect(err).toBeInstanceOf(KafkaError);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('truncation', () => {
  for (const compression of CODECS) {
    it(`${compression}: a 2-batch record set cut at every byte gives both, the first + truncated, or none + truncated`, () => {
      const first = encodeRecordBatch(RECORDS, { baseOffset: 0n, compression });
      const second = encodeRecordBatch(RECORDS.slice(1), { baseOffset: 3n, compression });
      const set = Buffer.concat([first, second]);
      for (let cut = 0; cut <= set.length; cut++) {
        const { batches, truncated } = decodeRecords(set.subarray(0, cut));
        const expected = cut === set.length ? [0n, 3n] : cut >= first.length ? [0n] : [];
        expect(batches.map((b) => b.baseOffset), `cut at ${cut}`).toEqual(expected);
        expect(truncated, `cut at ${cut}`).toBe(cut !== 0 && cut !== first.length && cut !== set.length);
      }
    });
  }

  it('scanRecords finds entries without decoding them, and flags the partial one', () => {
    const a = encodeRecordBatch(RECORDS, { baseOffset: 10n });
    const b = encodeRecordBatch(RECORDS, { baseOffset: 13n, compression: 'gzip' });
    const { entries, truncated } = scanRecords(Buffer.concat([a, b.subarray(0, 40)]));
    expect(truncated).toBe(true);
    expect(entries).toEqual([{ position: 0, sizeInBytes: a.length, magic: 2, offset: 10n, lastOffset: 12n }]);
    expect(scanRecords(null)).toEqual({ entries: [], truncated: false });
    expect(decodeRecords(null)).toEqual({ batches: [], truncated: false });
  });

  it('a whole batch handed to openRecordBatch but cut short is a KafkaProtocolError, not a partial result', () => {
    const batch = encodeRecordBatch(RECORDS);
    for (const cut of [0, 20, 60, 61, batch.length - 1]) {
      expect(thrown(() => openRecordBatch(batch.subarray(0, cut))), `cut at ${cut}`).toBeInstanceOf(KafkaProtocolError);
    }
  });
});

describe('forged lengths and counts', () => {
  const template = encodeRecordBatch(RECORDS);
  const records = template.subarray(61);
  const expectProtocolError = (bytes: Buffer, message: RegExp, options?: DecodeRecordsOptions): void => {
    const err = thrown(() => decodeRecords(bytes, options));
    expect(err).toBeInstanceOf(KafkaProtocolError);
    expect((err as Error).message).toMatch(message);
  };

  it('a record count far above what the bytes can hold is refused before anything is allocated', () => {
    expectProtocolError(forge(template, records, 0x7fffffff), /record count 2147483647 cannot fit/);
    expectProtocolError(forge(template, records, -1), /record count -1 is negative/);
    const gz = forge(template, gzipSync(records), 0x7fffffff, 1);
    expectProtocolError(gz, /record count 2147483647 cannot fit/);
  });

  it('a count that does not match the records is an error either way', () => {
    expectProtocolError(forge(template, records, 2), /left after the batch's last record/);
    expectProtocolError(forge(template, records, 4), /no more records|runs past/);
    expectProtocolError(forge(template, Buffer.alloc(0), 1), /record count 1 cannot fit in 0 bytes/);
    expect(decodeRecords(forge(template, Buffer.alloc(0), 0)).batches[0]!.records).toEqual([]);
  });

  it('record, key, value and header lengths beyond the record are refused', () => {
    // length 6 (zig-zag 0c), attributes, ts 0, offset 0, key length given, ...
    expectProtocolError(forge(template, Buffer.from('0c000000feffffff0f0000', 'hex'), 1), /length|runs past/);
    expectProtocolError(forge(template, Buffer.from('1400000000026b0000', 'hex'), 1), /record length 10 does not fit the 8 bytes left/);
    expectProtocolError(forge(template, Buffer.from('0e000000146b6b6b', 'hex'), 1), /length 10 runs past the end of the record/);
    expectProtocolError(forge(template, Buffer.from('0e00000001030000', 'hex'), 1), /length -2 is negative/);
    // One record declaring a billion headers.
    expectProtocolError(forge(template, Buffer.from('14000000010180a8d6b90700000000', 'hex'), 1), /header count/);
    // A varint that never ends.
    expectProtocolError(forge(template, Buffer.from('ffffffffffffff', 'hex'), 1), /varint/);
    // Bytes left over inside a record.
    expectProtocolError(forge(template, Buffer.from('10000000010100ffff', 'hex'), 1), /left over in the record/);
  });

  it('decompression is bounded by maxDecompressedBytes', () => {
    const big = encodeRecordBatch([{ value: Buffer.alloc(4 << 20), timestamp: 0 }], { compression: 'gzip' });
    expect(big.length).toBeLessThan(10_000);
    expectProtocolError(big, /exceed the limit of 1048576/, { maxDecompressedBytes: 1 << 20 });
    expect(decodeRecords(big).batches[0]!.records[0]!.value!.length).toBe(4 << 20);
  });

  it('an unknown compression id is an UnsupportedCompressionError naming the batch', () => {
    const err = thrown(() => decodeRecords(forge(template, records, 3, 5), { topic: 't', partition: 0 }));
    expect(err).toBeInstanceOf(UnsupportedCompressionError);
    expect((err as KafkaError).context).toMatchObject({ topic: 't', partition: 0, offset: 0n });
  });

  it.skipIf(zstdAvailable())('zstd on a Node.js without it is an UnsupportedCompressionError', () => {
    expect(thrown(() => decodeRecords(forge(template, Buffer.from('28b52ffd', 'hex'), 1, 4)))).toBeInstanceOf(UnsupportedCompressionError);
  });

  it('malformed compressed data is a KafkaProtocolError naming the batch', () => {
    const err = thrown(() => decodeRecords(forge(template, Buffer.from('not gzip at all'), 1, 1), { topic: 't', partition: 1 }));
    expect(err).toBeInstanceOf(KafkaProtocolError);
    expect((err as KafkaError).context).toMatchObject({ topic: 't', partition: 1, offset: 0n });
  });

  it('entry lengths and magic bytes that cannot be right are KafkaProtocolErrors', () => {
    const short = Buffer.from(template);
    short.writeInt32BE(13, 8);
    expectProtocolError(short, /shorter than any message/);
    const v2short = Buffer.from(template);
    v2short.writeInt32BE(48, 8);
    expectProtocolError(v2short, /shorter than a magic 2 header/);
    const magic = Buffer.from(template);
    magic[16] = 3;
    expectProtocolError(magic, /magic 3 is not 0, 1 or 2/);
  });

  it('control records with a short key or marker value are refused', () => {
    const control = (key: Buffer | null, value: Buffer | null): unknown =>
      thrown(() => decodeRecordBatch(encodeRecordBatch([{ key, value, timestamp: 0 }], { control: true })));
    expect(control(Buffer.from('000000', 'hex'), null)).toBeInstanceOf(KafkaProtocolError);
    expect(control(Buffer.from('00000001', 'hex'), Buffer.from('0000', 'hex'))).toBeInstanceOf(KafkaProtocolError);
    expect(control(Buffer.from('ffff0001', 'hex'), Buffer.from('000000000009', 'hex'))).toBeInstanceOf(KafkaProtocolError);
    expect(control(Buffer.from('00000001', 'hex'), Buffer.from('000000000009', 'hex'))).toBeUndefined();
    const other = parseControlRecord({ offsetDelta: 0, timestamp: 0, key: Buffer.from('00010005', 'hex'), value: null, headers: [] });
    expect(other).toMatchObject({ type: 'unknown', typeId: 5, version: 1, coordinatorEpoch: -1 });
  });
});
