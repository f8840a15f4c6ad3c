// F: micro-benchmarks of the hot codec paths, each timed beside a memcpy
// (Buffer.copy) of the same number of bytes in the same process, so the
// ratio holds across machines and load. The fuller per-codec tables stay in
// bench/codec/*.bench.ts (npm run bench:codec). Usage: node worker.js <ms per op>.
// Prints one JSON line: MicroSample[].
import { crc32c, crc32cJs } from '../../src/codec/crc32c.js';
import { murmur2 } from '../../src/codec/murmur2.js';
import { decodeRecordBatch, encodeRecordBatch } from '../../src/records/batch.js';
import { payloads } from '../clients/adapter.js';

export interface MicroSample {
  op: string;
  bytes: number;
  mbPerSec: number;
  memcpyMbPerSec: number;
}

let sink = 0;

/** Median seconds per call of op, over timed slices of about 2 ms for budgetMs in all. */
function time(op: () => void, budgetMs: number): number {
  for (let i = 0; i < 20; i++) op();
  let reps = 1;
  for (;;) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) op();
    if (performance.now() - t >= 2 || reps > 1e7) break;
    reps *= 2;
  }
  const slices: number[] = [];
  const until = performance.now() + budgetMs;
  while (performance.now() < until || slices.length < 5) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) op();
    slices.push((performance.now() - t) / reps / 1000);
  }
  slices.sort((a, b) => a - b);
  return slices[slices.length >> 1]!;
}

function pair(op: string, bytes: number, f: () => void, budgetMs: number): MicroSample {
  // Source and target must not sit a multiple of 4 KiB apart: two buffers of a power-of-two size allocated one after the
  // other often do, and then the copy runs 10-20× slower (4K aliasing of loads and stores).
  const src = Buffer.alloc(bytes + 8192, 7).subarray(64, 64 + bytes);
  const dst = Buffer.alloc(bytes + 8192).subarray(2112, 2112 + bytes);
  const copy = time(() => {
    src.copy(dst);
  }, budgetMs / 2);
  const t = time(f, budgetMs);
  return { op, bytes, mbPerSec: bytes / t / 1e6, memcpyMbPerSec: bytes / copy / 1e6 };
}

function main(): void {
  const budgetMs = Number(process.argv[2] ?? 200);
  const key = payloads(100)[0]!;
  const records = payloads(100).slice(0, 160).map((value) => ({ value }));
  const batch = encodeRecordBatch(records, { defaultTimestamp: 1_700_000_000_000 });
  const big = Buffer.concat(payloads(1024).slice(0, 16));
  const out: MicroSample[] = [
    pair('murmur2, 100 B key', key.length, () => {
      sink ^= murmur2(key);
    }, budgetMs),
    pair('CRC-32C, 16 KiB', big.length, () => {
      sink ^= crc32c(big);
    }, budgetMs),
    pair('CRC-32C, 16 KiB, JavaScript fallback', big.length, () => {
      sink ^= crc32cJs(big);
    }, budgetMs),
    pair(`batch encode, 160 × 100 B (${batch.length} B)`, batch.length, () => {
      sink ^= encodeRecordBatch(records, { defaultTimestamp: 1_700_000_000_000 }).length;
    }, budgetMs),
    pair(`batch decode + CRC, 160 × 100 B (${batch.length} B)`, batch.length, () => {
      sink ^= decodeRecordBatch(batch).baseSequence;
    }, budgetMs),
  ];
  process.stdout.write(`${JSON.stringify(out)}\n`);
  if (sink === 0.5) console.error(sink);
}

main();
