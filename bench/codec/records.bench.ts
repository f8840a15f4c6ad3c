/**
 * Record-layer benchmarks: v2 record batches encoded and decoded with every
 * codec, a Fetch-sized record set decoded by decodeRecords, and the CRC-32C
 * that every batch carries.
 *
 * Run: npx vitest bench --run --config bench/vitest.bench.config.ts bench/codec/records.bench.ts
 * zstd needs a Node.js whose node:zlib has it (22.15+); on Node 20 it is skipped with a note.
 *
 * The data imitates Kafka's ProducerPerformance tool: null keys, values of
 * random capital letters A-Z drawn from a seeded generator, so every run sees
 * the same bytes. Each record gets its own draw; letters carry log2(26) = 4.7
 * bits per byte, so an entropy coder can shrink them to about 1/1.7 of their
 * size and no further, and an LZ-only codec finds almost nothing to match.
 *
 * Each batch shape is one group. It starts with a Buffer.copy of the batch as
 * it is without compression (the bytes an application hands over or gets
 * back), and ends with that copy measured again, to show how much the
 * machine drifted while the group ran. Every bench prints one line from the
 * median timed call: batches/s, records/s, MB/s of record payload (the value
 * bytes) and MB/s of batch bytes (as stored: compressed, for a codec), and
 * Buffer.copy/this, which is the time of one op divided by the time of one
 * copy of the uncompressed batch. IQR is the spread of the middle half of
 * the timed calls relative to the median; on a busy machine it grows.
 * Decoding always checks the CRC, as a consumer does by default; the CRC
 * group at the end shows its share.
 */
import os from 'node:os';
import { bench, describe } from 'vitest';
import { crc32c, crc32cJs } from '../../src/codec/crc32c.js';
import { lz4FrameCompress, lz4FrameCompressJs } from '../../src/records/compression/lz4.js';
import { BATCH_HEADER_SIZE, decodeRecordBatch, encodeRecordBatch, openRecordBatch } from '../../src/records/batch.js';
import { ZSTD_NODE_REQUIREMENT, zstdAvailable, type CompressionTypeName } from '../../src/records/compression/index.js';
import { decodeRecords } from '../../src/records/legacy.js';
import type { RecordInput } from '../../src/records/record.js';

const TIME_MS = 1000;
const MB = 1e6;
const GB = 1e9;

const loadavg = (): string => os.loadavg().map((x) => x.toFixed(2)).join(' ');

console.log(
  [
    `machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} CPUs (nproc), ${os.platform()} ${os.release()}`,
    `node: ${process.version}, date: ${new Date().toISOString()}, load average at start: ${loadavg()}`,
  ].join('\n'),
);

const HAS_ZSTD = zstdAvailable();
const CODECS: CompressionTypeName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
if (!HAS_ZSTD) {
  console.log(`zstd: SKIPPED in every group: node:zlib of Node.js ${process.version} has no zstd (it needs ${ZSTD_NODE_REQUIREMENT})`);
}

// ------------------------------------------------------------- harness

/** Seconds per op of each group's first baseline (groups run in order). */
const baselineSeconds = new Map<string, number>();

/** Timed calls of about this long keep the timer and loop overhead small. */
const TARGET_CALL_MS = 0.05;

/**
 * How many runs of op fill one timed call (worked out once, at load). The
 * warm-up is bounded by time as well as count, as a 1 MB gzip encode takes
 * tens of milliseconds.
 */
function repsFor(op: () => void): number {
  const warmUntil = performance.now() + 100;
  for (let i = 0; i < 50 && performance.now() < warmUntil; i++) op();
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < 20) {
    op();
    n++;
  }
  return Math.max(1, Math.round((TARGET_CALL_MS * n) / (performance.now() - started)));
}

/** The value a fraction q of the way through the sorted samples (nearest rank). */
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))]!;
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(1);
}

type Role = 'op' | 'baseline' | 'recheck';

/**
 * Registers a bench of `op` and prints its line when it is done. `rate`
 * turns the median seconds per op into the throughput part of the line.
 * A 'baseline' sets the group's reference time; a 'recheck' (the same copy
 * at the end of the group) reports how far it moved from that reference.
 */
function measured(group: string, name: string, op: () => void, rate: (seconds: number) => string, role: Role = 'op'): void {
  const reps = repsFor(op);
  const times: number[] = [];
  let recording = false;
  const timedCall = (): void => {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) op();
    if (recording) times.push(performance.now() - t0);
  };
  // All timedCall closures come from this one function, so V8 gives their
  // op() call a single shared feedback slot. Calling each once now lets that
  // slot see every op before any timing starts: otherwise the first bench
  // could run with its op inlined there and the later ones could not.
  timedCall();
  bench(
    `${name} [x${reps} per call]`,
    timedCall,
    {
      time: TIME_MS,
      setup: (_task, mode) => {
        recording = mode === 'run';
        times.length = 0;
      },
      teardown: (_task, mode) => {
        if (mode !== 'run' || times.length === 0) return;
        const sorted = [...times].sort((a, b) => a - b);
        const mid = quantile(sorted, 0.5);
        const seconds = mid / reps / 1000;
        // The middle half of the calls, as a share of the median: a rough noise gauge.
        const spread = (100 * (quantile(sorted, 0.75) - quantile(sorted, 0.25))) / mid;
        const base = baselineSeconds.get(group);
        let tail = '';
        if (role === 'baseline') baselineSeconds.set(group, seconds);
        else if (base !== undefined && role === 'recheck') {
          const drift = (100 * (seconds - base)) / base;
          tail = `; ${drift >= 0 ? '+' : ''}${drift.toFixed(0)}% vs the group's first copy; load average now ${loadavg()}`;
        } else if (base !== undefined) tail = `; Buffer.copy/this = ${(seconds / base).toFixed(1)}`;
        console.log(`${group} | ${name}: ${rate(seconds)} (median of ${times.length} calls, IQR ${spread.toFixed(0)}%)${tail}`);
      },
    },
  );
}

/** A Buffer.copy of `bytes` bytes into a preallocated target; role decides first baseline or recheck. */
function copyBench(group: string, bytes: number, role: 'baseline' | 'recheck', rate: (seconds: number) => string): void {
  const src = Buffer.alloc(bytes, 0x5a);
  const dst = Buffer.allocUnsafe(bytes);
  const name = `${role === 'baseline' ? 'baseline' : 'baseline again'}: Buffer.copy of ${bytes} bytes`;
  measured(group, name, () => void src.copy(dst), rate, role);
}

/** The throughput part of a record bench's line. */
function recordRate(batches: number, records: number, payloadBytes: number, batchBytes: number): (s: number) => string {
  return (s) =>
    `${fmt(batches / s)} batches/s, ${fmt(records / s)} records/s, ` +
    `payload ${(payloadBytes / MB / s).toFixed(1)} MB/s, batch ${(batchBytes / MB / s).toFixed(1)} MB/s`;
}

/** For a copy, payload and batch bytes are the same bytes. */
const copyRate = (bytes: number) => (s: number) => `${fmt(1 / s)} ops/s, ${(bytes / MB / s).toFixed(1)} MB/s`;

// ----------------------------------------------------------------- data

/** Cheap deterministic 32-bit numbers (a linear congruential generator). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

/** `count` values of `size` random capital letters; the LCG's high bits pick each letter. */
function letterValues(count: number, size: number, seed: number): Buffer[] {
  const next = lcg(seed);
  return Array.from({ length: count }, () => {
    const v = Buffer.allocUnsafe(size);
    for (let i = 0; i < size; i++) v[i] = 65 + Math.floor((next() / 2 ** 32) * 26);
    return v;
  });
}

/** One fixed timestamp keeps the encoded bytes the same from run to run. */
const TIMESTAMP = 1_700_000_000_000;

/** An idempotent producer's batch, as a modern Java producer writes by default. */
function encode(records: readonly RecordInput[], compression: CompressionTypeName, baseOffset = 0n): Buffer {
  return encodeRecordBatch(records, { compression, producerId: 4242n, producerEpoch: 0, baseSequence: 0, defaultTimestamp: TIMESTAMP, baseOffset });
}

/** Checks that `batch` decodes back to `values`, so no bench runs on wrong data. */
function checkRoundTrip(batch: Buffer, values: readonly Buffer[], what: string): void {
  const back = decodeRecordBatch(batch);
  const ok = back.records.length === values.length && back.records.every((r, i) => 'value' in r && r.value !== null && r.value.equals(values[i]!));
  if (!ok) throw new Error(`benchmark data is wrong: ${what} did not round-trip`);
}

let sink = 0;

// -------------------------------------------------------- single batches

interface Shape {
  label: string;
  count: number;
  valueSize: number;
}

const SHAPES: Shape[] = [
  { label: '16 KB batch: 150 records x 100 B', count: 150, valueSize: 100 },
  { label: '16 KB batch: 16 records x 1 KB', count: 16, valueSize: 1024 },
  { label: '1 MB batch: 1024 records x 1 KB', count: 1024, valueSize: 1024 },
];

for (const [shapeIndex, shape] of SHAPES.entries()) {
  const values = letterValues(shape.count, shape.valueSize, 1000 + shapeIndex);
  const records: RecordInput[] = values.map((value) => ({ key: null, value }));
  const payload = shape.count * shape.valueSize;
  const plain = encode(records, 'none');
  const g = shape.label;

  describe(`${g} (payload ${payload} B, uncompressed batch ${plain.length} B)`, () => {
    copyBench(g, plain.length, 'baseline', copyRate(plain.length));
    for (const codec of CODECS) {
      if (codec === 'zstd' && !HAS_ZSTD) {
        console.log(`${g} | zstd: skipped, node:zlib of ${process.version} has no zstd (needs ${ZSTD_NODE_REQUIREMENT})`);
        continue;
      }
      const batch = encode(records, codec);
      checkRoundTrip(batch, values, `${g}, ${codec}`);
      const ratio = (plain.length - BATCH_HEADER_SIZE) / (batch.length - BATCH_HEADER_SIZE);
      console.log(`${g} | ${codec}: batch of ${batch.length} bytes; records section compresses ${ratio.toFixed(2)}x`);
      const rate = recordRate(1, shape.count, payload, batch.length);

      measured(g, `${codec}: encode (encodeRecordBatch)`, () => void (sink += encode(records, codec).length), rate);
      measured(g, `${codec}: decode eager (decodeRecordBatch)`, () => void (sink += decodeRecordBatch(batch).records.length), rate);
      measured(
        g,
        `${codec}: decode lazy (openRecordBatch, read() every record)`,
        () => {
          const { records: reader } = openRecordBatch(batch);
          for (let r = reader.read(); r !== undefined; r = reader.read()) sink += r.value === null ? 0 : r.value.length;
        },
        rate,
      );
      measured(
        g,
        `${codec}: decode lazy, skip() every record`,
        () => {
          const { records: reader } = openRecordBatch(batch);
          while (reader.skip()) sink++;
        },
        rate,
      );
    }
    copyBench(g, plain.length, 'recheck', copyRate(plain.length));
  });
}

// ----------------------------------------------- a Fetch-sized record set

/**
 * 64 of the 16 KB batches of 100 B values back to back, about 1 MB: the
 * records of one partition in a Fetch response at the Java consumer's
 * default max.partition.fetch.bytes. decodeRecords finds the batches and
 * decodes every one eagerly.
 */
const SET_BATCHES = 64;
const SET_RECORDS = 150;
{
  const values = letterValues(SET_BATCHES * SET_RECORDS, 100, 7);
  const chunks = Array.from({ length: SET_BATCHES }, (_, b) =>
    values.slice(b * SET_RECORDS, (b + 1) * SET_RECORDS).map((value): RecordInput => ({ key: null, value })),
  );
  const setOf = (codec: CompressionTypeName): Buffer => Buffer.concat(chunks.map((c, b) => encode(c, codec, BigInt(b * SET_RECORDS))));
  const plainSet = setOf('none');
  const payload = values.length * 100;
  const g = `record set: ${SET_BATCHES} x 16 KB batches of 100 B records`;

  describe(`${g} (uncompressed ${plainSet.length} B)`, () => {
    copyBench(g, plainSet.length, 'baseline', copyRate(plainSet.length));
    for (const codec of CODECS) {
      if (codec === 'zstd' && !HAS_ZSTD) {
        console.log(`${g} | zstd: skipped, node:zlib of ${process.version} has no zstd (needs ${ZSTD_NODE_REQUIREMENT})`);
        continue;
      }
      const set = codec === 'none' ? plainSet : setOf(codec);
      const decoded = decodeRecords(set);
      const count = decoded.batches.reduce((n, b) => n + b.records.length, 0);
      if (decoded.truncated || decoded.batches.length !== SET_BATCHES || count !== values.length) {
        throw new Error(`benchmark data is wrong: record set, ${codec}`);
      }
      console.log(`${g} | ${codec}: record set of ${set.length} bytes`);
      measured(g, `${codec}: decodeRecords`, () => void (sink += decodeRecords(set).batches.length), recordRate(SET_BATCHES, values.length, payload, set.length));
    }
    copyBench(g, plainSet.length, 'recheck', copyRate(plainSet.length));
  });
}

// ---------------------------------------------------------------- CRC-32C

const gbRate = (bytes: number) => (s: number) => `${fmt(1 / s)} ops/s, ${(bytes / GB / s).toFixed(2)} GB/s`;

for (const size of [16 * 1024, 1024 * 1024]) {
  const next = lcg(99);
  const data = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) data[i] = next() >>> 24;
  const g = `crc32c, ${size / 1024} KiB`;
  describe(`CRC-32C over ${size} random bytes`, () => {
    copyBench(g, size, 'baseline', gbRate(size));
    measured(g, 'crc32c (whole buffer)', () => void (sink ^= crc32c(data)), gbRate(size));
    measured(g, 'crc32cJs (the JavaScript fallback)', () => void (sink ^= crc32cJs(data)), gbRate(size));
    copyBench(g, size, 'recheck', gbRate(size));
  });
}

// ---------------------------------------------------------------- lz4 block compressors

{
  // Record-like bytes: 1 KB values of random letters, each after a short header that repeats.
  const size = 256 * 1024;
  const next = lcg(7);
  const data = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) data[i] = i % 1010 < 10 ? i % 7 : 65 + ((next() >>> 24) % 26);
  const g = 'lz4 frame, 256 KiB record-like';
  describe('lz4 compression: WebAssembly and JavaScript block compressors', () => {
    copyBench(g, size, 'baseline', gbRate(size));
    measured(g, 'lz4FrameCompress (WebAssembly)', () => void (sink += lz4FrameCompress(data).length), gbRate(size));
    measured(g, 'lz4FrameCompressJs (the JavaScript fallback)', () => void (sink += lz4FrameCompressJs(data).length), gbRate(size));
    copyBench(g, size, 'recheck', gbRate(size));
  });
}

if (sink === 0.5) console.log(sink); // the ops' results are kept in sink, so none can be optimised away
