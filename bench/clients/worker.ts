// One Node client on one workload, in its own process, so that CPU time and
// peak RSS belong to that client alone. Usage: node worker.js '<WorkerJob JSON>'.
// Prints one JSON line (WorkerResult) and exits.
import type { WorkerJob, WorkerResult } from '../lib/types.js';
import { Counter, payloads, type NodeAdapter } from './adapter.js';

// Only the client under test is loaded, so the process's CPU time holds no other client's start-up.
const ADAPTERS: Record<WorkerJob['client'], () => Promise<NodeAdapter>> = {
  kafkawire: async () => (await import('./kafkawire.js')).kafkawire,
  kafkajs: async () => (await import('./kafkajs.js')).kafkajs,
  platformatic: async () => (await import('./platformatic.js')).platformatic,
  floor: async () => (await import('./floor.js')).floor,
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function run(job: WorkerJob): Promise<WorkerResult> {
  const adapter = await ADAPTERS[job.client]();
  const w = job.workload;
  if (w.kind === 'consume' || w.kind === 'group') {
    const counter = new Counter(w.count);
    const close = await adapter.consume(job, counter);
    const result = { records: counter.records, bytes: counter.bytes, seconds: Number(counter.lastNs - counter.firstNs) / 1e9 };
    if (counter.records < w.count) throw new Error(`the consumers stopped after ${counter.records} of ${w.count} records`);
    // Close, but do not let a slow group leave hold the result back for long.
    await Promise.race([close(), new Promise((r) => setTimeout(r, 10_000).unref())]);
    return result;
  }
  const values = payloads(w.size);
  let t0 = 0n;
  const started = () => (t0 = process.hrtime.bigint());
  if (w.kind === 'awaited') {
    const lat = await adapter.awaited(job, values, started);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    lat.sort((a, b) => a - b);
    return { records: w.count, bytes: w.count * w.size, seconds, p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99) };
  }
  await adapter.produce(job, values, started);
  return { records: w.count, bytes: w.count * w.size, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

run(JSON.parse(process.argv[2] ?? '{}') as WorkerJob).then(
  (r) => {
    process.stdout.write(`${JSON.stringify(r)}\n`, () => process.exit(0));
  },
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
