import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/codec/crc32.js';
import { Writer } from '../../src/codec/writer.js';
import { CorruptRecordError, KafkaError, KafkaProtocolError } from '../../src/errors.js';
import { lz4Codec } from '../../src/records/compression/index.js';
import { decodeLegacyEntry, decodeRecords, encodeRecordBatch, type RecordBatch } from '../../src/records/index.js';
import { JAVA_RECORD_SETS, THREE_RECORDS } from './java-fixtures.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const text = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('utf8'));

function thrown(fn: () => unknown): unknown {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err;
  }
}

/** One legacy entry: offset, size, crc, magic, attributes, [timestamp], key, value. */
function message(offset: bigint, magic: 0 | 1, attributes: number, timestamp: number, key: string | Buffer | null, value: string | Buffer | null): Buffer {
  const w = new Writer(64);
  w.int64(offset);
  w.int32(0); // size, set below
  w.uint32(0); // crc, set below
  w.int8(magic);
  w.int8(attributes);
  if (magic === 1) w.int64(BigInt(timestamp));
  w.bytes(typeof key === 'string' ? Buffer.from(key) : key);
  w.bytes(typeof value === 'string' ? Buffer.from(value) : value);
  const buf = Buffer.from(w.finish());
  buf.writeInt32BE(buf.length - 12, 8);
  buf.writeUInt32BE(crc32(buf, 16), 12);
  return buf;
}

/** Absolute offsets of every record, in order. */
const offsets = (batches: RecordBatch[]): bigint[] => batches.flatMap((b) => b.records.map((r) => b.baseOffset + BigInt(r.offsetDelta)));

describe('legacy fixtures from the Java client', () => {
  for (const magic of [0, 1] as const) {
    for (const codec of ['none', 'gzip', 'snappy', 'lz4'] as const) {
      const name = `v${magic}_${codec}`;
      it(`${name} decodes`, () => {
        const { batches, truncated } = decodeRecords(hex(JAVA_RECORD_SETS[name]!), { topic: 't', partition: 0 });
        expect(truncated).toBe(false);
        // Uncompressed: one entry per message; compressed: one wrapper.
        expect(batches).toHaveLength(codec === 'none' ? 3 : 1);
        for (const b of batches) expect(b).toMatchObject({ magic, compression: ['none', 'gzip', 'snappy', 'lz4'].indexOf(codec), control: false, producerId: -1n });
        expect(offsets(batches)).toEqual([100n, 101n, 102n]);
        const records = batches.flatMap((b) => (b.control ? [] : b.records));
        expect(records.map((r) => [text(r.key), text(r.value), r.timestamp, r.headers.length])).toEqual(
          THREE_RECORDS.map((r) => [r.key, r.value, magic === 0 ? -1 : r.timestamp, 0]),
        );
        expect(batches[0]!.timestampType).toBe(magic === 0 ? 'none' : 'create');
      });
    }
  }

  it('v0_lz4 uses the old frame header checksum, which the standard LZ4 reader refuses', () => {
    const set = hex(JAVA_RECORD_SETS.v0_lz4!);
    // The wrapper's value: after offset, size, crc, magic, attributes, a null key and the value length.
    const value = set.subarray(26);
    expect(thrown(() => lz4Codec.decompress(value, 1 << 20))).toBeInstanceOf(KafkaError);
    expect(decodeRecords(set).batches[0]!.records).toHaveLength(3);
  });

  it('v1_gzip_log_append gives every inner record the wrapper timestamp', () => {
    const { batches } = decodeRecords(hex(JAVA_RECORD_SETS.v1_gzip_log_append!));
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({ timestampType: 'log-append', maxTimestamp: 1700000009000 });
    expect(offsets(batches)).toEqual([200n, 201n]);
    expect(batches[0]!.records.map((r) => r.timestamp)).toEqual([1700000009000, 1700000009000]);
  });

  it('a record set mixing magic 1, magic 2 and magic 0 entries decodes each by its magic', () => {
    const set = Buffer.concat([hex(JAVA_RECORD_SETS.v1_none!), hex(JAVA_RECORD_SETS.v2_none!), hex(JAVA_RECORD_SETS.v0_gzip!)]);
    const { batches, truncated } = decodeRecords(set);
    expect(truncated).toBe(false);
    expect(batches.map((b) => b.magic)).toEqual([1, 1, 1, 2, 0]);
    expect(offsets(batches)).toEqual([100n, 101n, 102n, 42n, 43n, 44n, 100n, 101n, 102n]);
  });
});

describe('hand-built legacy message sets', () => {
  it('magic 1 gzip wrapper: inner offsets are relative to the wrapper (its offset is the last one)', () => {
    const inner = Buffer.concat([message(0n, 1, 0, 10, 'a', 'x'), message(1n, 1, 0, 20, null, 'y'), message(2n, 1, 0, 30, 'c', null)]);
    const wrapper = message(57n, 1, 1, 30, null, gzipSync(inner));
    const { batches } = decodeRecords(wrapper);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({ baseOffset: 55n, lastOffsetDelta: 2, magic: 1, compression: 1, timestampType: 'create', maxTimestamp: 30, recordCount: 3 });
    expect(offsets(batches)).toEqual([55n, 56n, 57n]);
    expect(batches[0]!.records.map((r) => [text(r.key), text(r.value), r.timestamp])).toEqual([
      ['a', 'x', 10],
      [null, 'y', 20],
      ['c', null, 30],
    ]);
  });

  it('magic 1 wrapper with log append time: every inner record takes the wrapper timestamp', () => {
    const inner = Buffer.concat([message(0n, 1, 0, 10, null, 'x'), message(1n, 1, 0, 20, null, 'y')]);
    const { batches } = decodeRecords(message(31n, 1, 1 | 8, 500, null, gzipSync(inner)));
    expect(batches[0]).toMatchObject({ timestampType: 'log-append', maxTimestamp: 500 });
    expect(batches[0]!.records.map((r) => r.timestamp)).toEqual([500, 500]);
    expect(offsets(batches)).toEqual([30n, 31n]);
  });

  it('magic 1 wrapper at offset 0 (as a producer sends it) keeps the inner offsets', () => {
    const inner = Buffer.concat([message(0n, 1, 0, 1, null, 'x'), message(1n, 1, 0, 2, null, 'y')]);
    expect(offsets(decodeRecords(message(0n, 1, 1, 2, null, gzipSync(inner))).batches)).toEqual([0n, 1n]);
  });

  it('magic 0 gzip wrapper: inner offsets are absolute; no timestamps', () => {
    const inner = Buffer.concat([message(7n, 0, 0, 0, 'a', 'x'), message(8n, 0, 0, 0, 'b', 'y'), message(9n, 0, 0, 0, null, 'z')]);
    const { batches } = decodeRecords(message(9n, 0, 1, 0, null, gzipSync(inner)));
    expect(batches[0]).toMatchObject({ magic: 0, timestampType: 'none', maxTimestamp: -1, baseTimestamp: -1 });
    expect(offsets(batches)).toEqual([7n, 8n, 9n]);
    expect(batches[0]!.records.map((r) => r.timestamp)).toEqual([-1, -1, -1]);
  });

  it('plain magic 0 and 1 messages, null key and value', () => {
    const { batches } = decodeRecords(Buffer.concat([message(3n, 0, 0, 0, null, null), message(4n, 1, 8, 99, 'k', 'v')]));
    expect(batches.map((b) => [b.magic, b.baseOffset, b.timestampType, b.records[0]!.timestamp, text(b.records[0]!.key), text(b.records[0]!.value)])).toEqual([
      [0, 3n, 'none', -1, null, null],
      [1, 4n, 'log-append', 99, 'k', 'v'],
    ]);
  });

  it('malformed wrappers are KafkaProtocolErrors', () => {
    const inner = message(0n, 1, 0, 1, null, 'x');
    const cases: [Buffer, RegExp][] = [
      [message(0n, 1, 1, 0, null, null), /null value/],
      [message(5n, 1, 1, 0, null, gzipSync(Buffer.alloc(0))), /empty/],
      [message(5n, 1, 1, 0, null, gzipSync(message(0n, 1, 1, 0, null, gzipSync(inner)))), /compressed too/],
      [message(0n, 1, 4, 0, null, Buffer.from('28b52ffd', 'hex')), /zstd is not allowed/],
      [message(1n, 1, 1, 0, null, gzipSync(Buffer.concat([inner, message(5n, 1, 0, 1, null, 'y')]))), /below the last inner offset/],
      [message(5n, 1, 1, 0, null, gzipSync(inner.subarray(0, inner.length - 1))), /runs past/],
      [message(5n, 1, 2, 0, null, Buffer.from('garbage')), /decompress/],
    ];
    for (const [bytes, msg] of cases) {
      const err = thrown(() => decodeRecords(bytes, { topic: 't', partition: 2 }));
      expect(err, String(msg)).toBeInstanceOf(KafkaProtocolError);
      expect((err as Error).message).toMatch(msg);
    }
    expect(thrown(() => decodeLegacyEntry(encodeRecordBatch([{ value: null, timestamp: 0 }])))).toBeInstanceOf(KafkaProtocolError);
  });

  it('a bad inner CRC is caught even when the wrapper CRC is right', () => {
    const inner = message(0n, 1, 0, 1, null, 'x');
    inner[inner.length - 1] = inner[inner.length - 1]! ^ 1;
    const err = thrown(() => decodeRecords(message(9n, 1, 1, 0, null, gzipSync(inner)), { topic: 't', partition: 1 }));
    expect(err).toBeInstanceOf(CorruptRecordError);
    expect((err as CorruptRecordError).context).toMatchObject({ topic: 't', partition: 1, offset: 9n });
  });
});

describe('legacy corruption and truncation', () => {
  for (const name of ['v1_gzip', 'v0_lz4', 'v1_none'] as const) {
    it(`${name}: a flipped byte from the CRC on (magic aside) gives CorruptRecordError; others decode or give a KafkaError`, () => {
      const set = hex(JAVA_RECORD_SETS[name]!);
      const firstSize = set.readInt32BE(8) + 12;
      for (let i = 0; i < set.length; i++) {
        const bad = Buffer.from(set);
        bad[i] = bad[i]! ^ 0x41;
        const err = thrown(() => decodeRecords(bad));
        const inFirstMessage = i >= 12 && i < firstSize && i !== 16;
        if (inFirstMessage) expect(err, `byte ${i}`).toBeInstanceOf(CorruptRecordError);
        else if (err !== undefined) expect(err, `byte ${i}`).toBeInstanceOf(KafkaError);
      }
    });
  }

  it('CRC check off: random corruption gives a result or a KafkaError, nothing else', () => {
    const set = Buffer.concat(['v1_gzip', 'v0_snappy', 'v1_lz4', 'v0_lz4'].map((n) => hex(JAVA_RECORD_SETS[n]!)));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(set.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (flips) => {
        const bad = Buffer.from(set);
        for (const [at, mask] of flips) bad[at] = bad[at]! ^ mask;
        const err = thrown(() => decodeRecords(bad, { verifyCrc: false, maxDecompressedBytes: 1 << 20 }));
        if (err !== undefined) expect(err).toBeInstanceOf(KafkaError);
      }),
      { numRuns: 500 },
    );
  });

  it('cut at every byte: complete entries decode, a partial last one sets truncated', () => {
    const a = hex(JAVA_RECORD_SETS.v1_gzip!);
    const b = hex(JAVA_RECORD_SETS.v0_none!);
    const set = Buffer.concat([a, b]);
    const ends = [a.length];
    for (let pos = a.length; pos < set.length; pos += set.readInt32BE(pos + 8) + 12) ends.push(pos + set.readInt32BE(pos + 8) + 12);
    for (let cut = 0; cut <= set.length; cut++) {
      const { batches, truncated } = decodeRecords(set.subarray(0, cut));
      const complete = ends.filter((e) => e <= cut).length;
      expect(batches, `cut at ${cut}`).toHaveLength(complete);
      expect(truncated, `cut at ${cut}`).toBe(cut !== 0 && !ends.includes(cut));
    }
  });
});
