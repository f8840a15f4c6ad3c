// The Java client through the downloaded Kafka's own perf tools:
// ProducerPerformance for A, B and C, ConsumerPerformance for D and E (three
// processes in one group). CPU seconds and RSS include the JVM's start and JIT.
import path from 'node:path';
import { measure, tailOf, type ChildRun } from '../lib/proc.js';
import type { Sample, Workload } from '../lib/types.js';
import { ClientFailure, rate, type BenchClient, type RunContext } from './client.js';

/** Records per second ProducerPerformance is paced at for C (it cannot await one send before the next). */
export const JAVA_PACED_RATE = 1000;

const java = (libs: string, main: string, args: string[]) => ['-Xmx512m', '-cp', path.join(libs, '*'), main, ...args];

function producerArgs(libs: string, w: Workload, ctx: RunContext): string[] {
  const props = [`bootstrap.servers=${ctx.bootstrap}`, `acks=${w.acks}`, `enable.idempotence=${w.idempotent}`, `compression.type=${w.compression}`];
  return java(libs, 'org.apache.kafka.tools.ProducerPerformance', ['--topic', ctx.topic, '--num-records', String(w.count), '--record-size', String(w.size),
    '--throughput', w.kind === 'awaited' ? String(JAVA_PACED_RATE) : '-1', '--producer-props', ...props]);
}

async function produce(libs: string, w: Workload, ctx: RunContext): Promise<Sample> {
  const r = await measure('java', producerArgs(libs, w, ctx), { timeoutMs: ctx.timeoutMs }).done;
  const m = /(\d+) records sent, ([\d.]+) records\/sec \([\d.]+ MB\/sec\), [\d.]+ ms avg latency, [\d.]+ ms max latency, ([\d.]+) ms 50th, [\d.]+ ms 95th, ([\d.]+) ms 99th/.exec(r.stdout);
  if (r.code !== 0 || !m) throw new ClientFailure(tailOf(r));
  const recordsPerSec = Number(m[2]);
  return {
    recordsPerSec,
    mbPerSec: (recordsPerSec * w.size) / 1e6,
    cpuSeconds: r.cpuSeconds,
    peakRssMb: r.peakRssMb,
    ...(w.kind === 'awaited' ? { p50Ms: Number(m[3]), p99Ms: Number(m[4]) } : {}),
  };
}

/** start.time, end.time, MB, MB.sec, nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec */
function perfLine(r: ChildRun): string[] | null {
  const line = r.stdout.split('\n').find((l) => /^\d{4}-\d\d-\d\d [\d:]+, /.test(l));
  return line ? line.split(',').map((s) => s.trim()) : null;
}

/** "2026-12-02 10:01:02:345" (local time) → ms. */
function perfTime(s: string): number {
  const m = /^(\d+)-(\d+)-(\d+) (\d+):(\d+):(\d+):(\d+)$/.exec(s);
  if (!m) return NaN;
  const n = m.slice(1).map(Number) as [number, number, number, number, number, number, number];
  return new Date(n[0], n[1] - 1, n[2], n[3], n[4], n[5], n[6]).getTime();
}

function consumerArgs(libs: string, w: Workload, ctx: RunContext, idleMs: number): string[] {
  return java(libs, 'org.apache.kafka.tools.ConsumerPerformance', ['--bootstrap-server', ctx.bootstrap, '--topic', ctx.topic,
    '--num-records', String(w.count), '--group', ctx.groupId, '--timeout', String(idleMs)]);
}

async function consume(libs: string, w: Workload, ctx: RunContext): Promise<Sample> {
  const r = await measure('java', consumerArgs(libs, w, ctx, 60_000), { timeoutMs: ctx.timeoutMs }).done;
  const f = perfLine(r);
  if (r.code !== 0 || !f) throw new ClientFailure(tailOf(r));
  // fetch.nMsg.sec leaves out the group join, as the Node rows start at the first record.
  const recordsPerSec = Number(f[9]);
  return { recordsPerSec, mbPerSec: (recordsPerSec * w.size) / 1e6, cpuSeconds: r.cpuSeconds, peakRssMb: r.peakRssMb };
}

/** Idle time after which each ConsumerPerformance of the group gives up: its share never reaches the total it is asked for. */
export const GROUP_IDLE_MS = 5000;

async function group(libs: string, w: Workload, ctx: RunContext): Promise<Sample> {
  const runs = await Promise.all(Array.from({ length: w.consumers }, () => measure('java', consumerArgs(libs, w, ctx, GROUP_IDLE_MS), { timeoutMs: ctx.timeoutMs }).done));
  let records = 0;
  let from = Infinity;
  let to = 0;
  for (const r of runs) {
    const f = perfLine(r);
    if (r.code !== 0 || !f) throw new ClientFailure(tailOf(r));
    const n = Number(f[4]);
    if (n === 0) continue;
    records += n;
    // From its join to its last record: a process that read the whole count stopped at once, the others after the idle time.
    from = Math.min(from, perfTime(f[0]!) + Number(f[6]));
    to = Math.max(to, perfTime(f[1]!) - (n >= w.count ? 0 : GROUP_IDLE_MS));
  }
  if (records < w.count) throw new ClientFailure(`the group read ${records} of ${w.count} records`);
  return {
    ...rate(records, records * w.size, (to - from) / 1000),
    cpuSeconds: runs.reduce((s, r) => s + r.cpuSeconds, 0),
    peakRssMb: runs.reduce((s, r) => s + r.peakRssMb, 0),
  };
}

export function javaClient(libs: string): BenchClient {
  return {
    label: 'Java',
    missing: null,
    unsupported: () => null,
    note(w) {
      if (w.kind === 'awaited') return `ProducerPerformance paced at ${JAVA_PACED_RATE}/s (it cannot await each send)`;
      if (w.kind === 'consume') return 'fetch.nMsg.sec (group join left out)';
      if (w.kind === 'group') return `${w.consumers} ConsumerPerformance processes; window from the first join to the last record (the ${GROUP_IDLE_MS} ms idle exit taken off)`;
      return undefined;
    },
    run(w, ctx) {
      if (w.kind === 'consume') return consume(libs, w, ctx);
      if (w.kind === 'group') return group(libs, w, ctx);
      return produce(libs, w, ctx);
    },
  };
}
