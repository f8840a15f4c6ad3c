/**
 * Protocol-layer benchmarks: whole messages (a large Metadata response, a
 * Produce request carrying 160 KB of records) and the primitives underneath
 * them (varints, strings).
 *
 * Run: npx vitest bench --run --config bench/vitest.bench.config.ts
 *
 * Each group starts with a baseline that copies the same number of bytes with
 * Buffer.copy, so a result can be read as "n times the cost of a memcpy" and
 * compared across machines. Besides vitest's own table (calls per second,
 * mean-based), every bench prints one line: ops/s (an op is one message
 * encoded or decoded, or one varint or string written or read), MB/s of wire
 * bytes, and Buffer.copy/this, the group's baseline MB/s divided by the
 * bench's. Those figures come from the median timed call.
 */
import os from 'node:os';
import { bench, describe } from 'vitest';
import { Reader } from '../../src/codec/reader.js';
import { Writer } from '../../src/codec/writer.js';
import { decodeRequestFrame, decodeResponseBody, encodeRequestFrame, encodeResponseFrame } from '../../src/messages/frame.js';
import { api, apiByKey } from '../../src/protocol.js';
import type { MetadataResponse, ProduceRequest } from '../../src/messages/generated/index.js';

const TIME_MS = 1000;
const MB = 1e6;

console.log(
  [
    `machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} CPUs (nproc), ${os.platform()} ${os.release()}`,
    `node: ${process.version}, date: ${new Date().toISOString()}, load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`,
  ].join('\n'),
);

/** MB/s of each group's baseline, filled in when the baseline finishes (groups run in order). */
const baselineMBps = new Map<string, number>();

/** Aim for calls of about this long, so timer and loop overhead stay below 1%. */
const TARGET_CALL_MS = 0.05;

/** How many times op must run to fill one call of about TARGET_CALL_MS (measured once, at load). */
function repsFor(op: () => void): number {
  for (let i = 0; i < 50; i++) op(); // let the JIT see it first
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < 20) {
    op();
    n++;
  }
  return Math.max(1, Math.round((TARGET_CALL_MS * n) / (performance.now() - started)));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Registers one benchmark of `op`, which handles `bytesPerOp` wire bytes and
 * `valuesPerOp` messages or values each time, and prints its throughput when
 * done. Each timed call runs op several times (see repsFor); the printed
 * figures use the median call, which a busy machine disturbs less than the
 * mean that vitest's table shows.
 */
function measured(group: string, name: string, bytesPerOp: number, valuesPerOp: number, op: () => void, baseline = false): void {
  const reps = repsFor(op);
  const times: number[] = [];
  let recording = false;
  bench(
    `${name} [x${reps} per call]`,
    () => {
      const started = performance.now();
      for (let i = 0; i < reps; i++) op();
      if (recording) times.push(performance.now() - started);
    },
    {
      time: TIME_MS,
      setup: (_task, mode) => {
        recording = mode === 'run';
        times.length = 0;
      },
      teardown: (_task, mode) => {
        if (mode !== 'run' || times.length === 0) return;
        const secondsPerOp = median(times) / reps / 1000;
        const mbps = bytesPerOp / MB / secondsPerOp;
        if (baseline) baselineMBps.set(group, mbps);
        const base = baselineMBps.get(group);
        const ratio = base === undefined || baseline ? '' : `; Buffer.copy/this = ${(base / mbps).toFixed(1)}`;
        console.log(`${group} | ${name}: ${fmt(valuesPerOp / secondsPerOp)} ops/s, ${mbps.toFixed(1)} MB/s (median of ${times.length} calls)${ratio}`);
      },
    },
  );
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(1);
}

/** Registers the Buffer.copy baseline of a group: the same byte count, source to a preallocated target. */
function baseline(group: string, bytes: number): void {
  const src = Buffer.alloc(bytes, 0x5a);
  const dst = Buffer.allocUnsafe(bytes);
  measured(group, `baseline: Buffer.copy of ${bytes} bytes`, bytes, 1, () => void src.copy(dst), true);
}

/** Cheap deterministic numbers, so every run benchmarks the same data. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

// ------------------------------------------------------------ Metadata

const metadata = api('Metadata');
const METADATA_VERSION = 12;

function bigMetadata(): MetadataResponse {
  const brokers = [1, 2, 3].map((id) => ({ nodeId: id, host: `broker-${id}.kafka.internal.example.com`, port: 9092, rack: `rack-${id}` }));
  const topics = Array.from({ length: 50 }, (_, t) => ({
    errorCode: 0,
    name: `service-${t}.events.v1`,
    topicId: Buffer.from(Array.from({ length: 16 }, (_, i) => (t * 31 + i) & 0xff)).toString('base64url'),
    isInternal: false,
    partitions: Array.from({ length: 12 }, (_, p) => {
      const replicas = [1, 2, 3].map((k) => ((p + k) % 3) + 1);
      return { errorCode: 0, partitionIndex: p, leaderId: replicas[0]!, leaderEpoch: 7, replicaNodes: replicas, isrNodes: replicas, offlineReplicas: [] };
    }),
    topicAuthorizedOperations: -2147483648,
  }));
  return { throttleTimeMs: 0, brokers, clusterId: 'bench-cluster-0001', controllerId: 1, topics, clusterAuthorizedOperations: -2147483648, errorCode: 0 };
}

const metadataValue = bigMetadata();
// The frame as the connection hands it over: without the size prefix.
const metadataFrame = Buffer.from(encodeResponseFrame(metadata, METADATA_VERSION, 1, metadataValue).subarray(4));
{
  const back = decodeResponseBody<MetadataResponse>(metadata, METADATA_VERSION, metadataFrame, true);
  const partitions = back.topics.reduce((n, t) => n + t.partitions.length, 0);
  if (back.topics.length !== 50 || partitions !== 600) throw new Error('benchmark data is wrong: Metadata did not round-trip');
}

describe(`Metadata response v${METADATA_VERSION}: 50 topics x 12 partitions x 3 replicas (${metadataFrame.length} bytes)`, () => {
  const g = 'metadata';
  baseline(g, metadataFrame.length);
  measured(g, 'decode (decodeResponseBody)', metadataFrame.length, 1, () => {
    decodeResponseBody(metadata, METADATA_VERSION, metadataFrame);
  });
  measured(g, 'encode (encodeResponseFrame, fresh Writer)', metadataFrame.length + 4, 1, () => {
    encodeResponseFrame(metadata, METADATA_VERSION, 1, metadataValue);
  });
});

// ------------------------------------------------------------- Produce

const produce = api('Produce');
const PRODUCE_VERSION = 9;
const BLOB = 16 * 1024;

function bigProduce(): ProduceRequest {
  const next = lcg(42);
  const partitionData = Array.from({ length: 10 }, (_, index) => {
    const records = Buffer.allocUnsafe(BLOB);
    for (let i = 0; i < BLOB; i++) records[i] = next() >>> 24;
    return { index, records };
  });
  return { transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{ name: 'service-1.events.v1', partitionData }] };
}

const produceValue = bigProduce();
const produceFrame = Buffer.from(encodeRequestFrame(produce, PRODUCE_VERSION, 1, 'bench-client', produceValue));
{
  const back = decodeRequestFrame(produceFrame.subarray(4), apiByKey).body as ProduceRequest;
  if (Buffer.compare(Buffer.from(back.topicData[0]!.partitionData[9]!.records!), Buffer.from(produceValue.topicData[0]!.partitionData[9]!.records!)) !== 0) {
    throw new Error('benchmark data is wrong: Produce did not round-trip');
  }
}

describe(`Produce request v${PRODUCE_VERSION}: 10 partitions x 16 KB records (${produceFrame.length} bytes)`, () => {
  const g = 'produce';
  baseline(g, produceFrame.length);
  measured(g, 'encode (encodeRequestFrame, fresh Writer growing from 512 B)', produceFrame.length, 1, () => {
    encodeRequestFrame(produce, PRODUCE_VERSION, 1, 'bench-client', produceValue);
  });
  const reused = new Writer(produceFrame.length);
  measured(g, 'encode (encodeRequestFrame, reused Writer)', produceFrame.length, 1, () => {
    reused.offset = 0;
    encodeRequestFrame(produce, PRODUCE_VERSION, 1, 'bench-client', produceValue, reused);
  });
  const body = produceFrame.subarray(4);
  measured(g, 'decode (decodeRequestFrame; records stay zero-copy)', body.length, 1, () => {
    decodeRequestFrame(body, apiByKey);
  });
});

// ------------------------------------------------------------- varints

const N = 1000;

/** N values whose encodings take `sizes` bytes, in turn, e.g. [1, 2, 3, 4, 5]. */
function varintValues(signed: boolean, sizes: number[]): number[] {
  const next = lcg(7);
  return Array.from({ length: N }, (_, i) => {
    const bytes = sizes[i % sizes.length]!;
    const lo = bytes === 1 ? 0 : 2 ** (7 * (bytes - 1));
    const hi = Math.min(2 ** (7 * bytes), 2 ** 32);
    const u = lo + (next() % (hi - lo));
    if (!signed) return u;
    // Zig-zag maps u back to a signed int32 of the same encoded length.
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  });
}

const VARINT_SETS: Array<[signed: boolean, sizes: number[], label: string]> = [
  [false, [1, 2, 3, 4, 5], 'uvarint, 1-5 bytes'],
  [false, [2], 'uvarint, 2 bytes (a length of 127 B to 16 KB)'],
  [true, [1, 2, 3, 4, 5], 'varint (zig-zag int32), 1-5 bytes'],
];

for (const [signed, sizes, label] of VARINT_SETS) {
  const values = varintValues(signed, sizes);
  const w = new Writer(N * 5);
  for (const v of values) signed ? w.varint(v) : w.uvarint(v);
  const encoded = Buffer.from(w.finish());
  if (encoded.length !== (N / sizes.length) * sizes.reduce((a, b) => a + b, 0)) throw new Error(`benchmark data is wrong: ${label}`);
  describe(`${label}: ${N} values (${encoded.length} bytes) per op batch`, () => {
    const g = label;
    baseline(g, encoded.length);
    const out = new Writer(N * 5);
    measured(g, `write ${N}`, encoded.length, N, () => {
      out.offset = 0;
      if (signed) for (let i = 0; i < N; i++) out.varint(values[i]!);
      else for (let i = 0; i < N; i++) out.uvarint(values[i]!);
    });
    let sink = 0;
    measured(g, `read ${N}`, encoded.length, N, () => {
      const r = new Reader(encoded);
      if (signed) for (let i = 0; i < N; i++) sink ^= r.varint();
      else for (let i = 0; i < N; i++) sink ^= r.uvarint();
    });
    if (sink === 0.5) console.log(sink); // keeps the reads from being optimised away
  });
}

// ------------------------------------------------------------- strings

const STRING_SETS: Array<[label: string, make: (i: number) => string]> = [
  ['ASCII, 24 bytes (topic-name-like)', (i) => `orders.eu-west.v2-p${String(i).padStart(5, '0')}`],
  ['non-ASCII, 13 chars / 17 bytes', (i) => `zähler-ü-${String(i % 1000).padStart(3, '0')}€`],
];

for (const [label, make] of STRING_SETS) {
  const strings = Array.from({ length: N }, (_, i) => make(i));
  for (const compact of [true, false]) {
    const w = new Writer(64 * N);
    for (const s of strings) compact ? w.compactString(s) : w.string(s);
    const encoded = Buffer.from(w.finish());
    const kind = `${compact ? 'compact string' : 'classic string'}, ${label}`;
    describe(`${kind}: ${N} strings (${encoded.length} bytes) per op batch`, () => {
      const g = kind;
      baseline(g, encoded.length);
      const out = new Writer(64 * N);
      measured(g, `write ${N}`, encoded.length, N, () => {
        out.offset = 0;
        if (compact) for (let i = 0; i < N; i++) out.compactString(strings[i]!);
        else for (let i = 0; i < N; i++) out.string(strings[i]!);
      });
      let sink = 0;
      measured(g, `read ${N}`, encoded.length, N, () => {
        const r = new Reader(encoded);
        if (compact) for (let i = 0; i < N; i++) sink += r.compactString().length;
        else for (let i = 0; i < N; i++) sink += r.string().length;
      });
      if (sink < 0) console.log(sink);
    });
  }
}
