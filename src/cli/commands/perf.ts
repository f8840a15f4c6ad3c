// kafkawire perf produce: the producer benchmark of kafka-producer-perf-test,
// with the same options and summary fields.
import { randomBytes } from 'node:crypto';
import { applyProperties, emptySettings, keyValues } from '../config.js';
import { UsageError, type Cli, type Command } from '../cli.js';
import { EXIT } from '../exit-codes.js';
import { PERF_CONSUME_OPTIONS, perfConsume } from './perf-consume.js';

export interface PerfSummary {
  records: number;
  failed: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  elapsedMs: number;
}

/** Percentile of sorted values (nearest rank, as the Java tool's sampled percentiles). */
export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** Holds the rate at `perSec` (negative: unlimited), like the Java tool's throttler. */
export class Throttle {
  private readonly start = performance.now();
  constructor(private readonly perSec: number) {}
  /** Milliseconds to wait before sending record number `sent` (0-based). */
  waitMs(sent: number): number {
    if (this.perSec <= 0) return 0;
    const due = this.start + (sent / this.perSec) * 1000;
    return Math.max(0, due - performance.now());
  }
}

export const perf: Command = {
  name: 'perf',
  summary: 'benchmark producing to and consuming from your cluster (like kafka-producer-perf-test and kafka-consumer-perf-test)',
  usage: [
    'perf produce --topic <t> --num-records <n> --record-size <bytes> [--throughput <records/s>] [--producer-props k=v...]',
    'perf consume --topic <t> --messages <n> [--group <id>] [--from earliest|latest] [--timeout <ms>] [--consumer-props k=v...]',
  ],
  options: {
    topic: { type: 'string', valueName: 't', description: 'topic to write to' },
    'num-records': { type: 'string', valueName: 'n', description: 'records to send' },
    'record-size': { type: 'string', valueName: 'bytes', description: 'value size of each record' },
    throughput: { type: 'string', valueName: 'n', description: 'records per second at most; -1 for no limit (default -1)' },
    'producer-props': { type: 'string', variadic: true, valueName: 'k=v', description: 'producer properties, Java names, as many as follow it (acks=1 linger.ms=10 compression.type=lz4 ...)' },
    'reporting-interval': { type: 'string', valueName: 'ms', description: 'progress line interval on a terminal (default 5000)' },
    ...PERF_CONSUME_OPTIONS,
  },
  notes:
    'produce summary (stdout): records sent, records/s, MB/s, average and max latency, 50th/95th/99th/99.9th percentile latency in ms;\n' +
    'with --json, one object with those fields. Latency is from send() to the broker\'s acknowledgement.\n' +
    'consume summary (stdout): the Java tool\'s columns (start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg,\n' +
    'nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec); with --json {startTime, endTime, records, mb, mbPerSec,\n' +
    'recordsPerSec, elapsedMs, rebalanceMs, fetchMs, fetchMbPerSec, fetchRecordsPerSec}. MB counts key and value bytes (MiB).\n' +
    'Consumer properties also come from --config. Exit code 1 when fewer than --messages records came before --timeout.',
  async run(cli: Cli): Promise<number> {
    const sub = cli.arg(0, 'a subcommand (produce or consume)');
    cli.expectArgs(1);
    if (sub === 'consume') return perfConsume(cli);
    if (sub !== 'produce') throw new UsageError(`unknown subcommand perf ${sub}; expected produce or consume`);
    const topic = cli.str('topic');
    if (!topic) throw new UsageError('perf produce needs --topic');
    const n = cli.int('num-records');
    const size = cli.int('record-size');
    if (n === undefined || n <= 0) throw new UsageError('perf produce needs --num-records > 0');
    if (size === undefined || size < 0) throw new UsageError('perf produce needs --record-size ≥ 0');
    const throughput = Number(cli.str('throughput') ?? '-1');
    if (!Number.isFinite(throughput)) throw new UsageError('--throughput: expected a number of records per second, or -1');
    const extra = emptySettings();
    applyProperties(extra, keyValues(cli.list('producer-props'), '--producer-props'), '--producer-props');
    for (const w of extra.warnings) cli.warn(w);
    if (extra.bootstrapServers) cli.settings.bootstrapServers = extra.bootstrapServers;
    if (extra.sasl) cli.settings.sasl = extra.sasl;
    if (extra.tls) cli.settings.tls = extra.tls;

    await cli.admin();
    const producer = await cli.producer({ ...extra.producer, ...('clientId' in extra.producer ? {} : { clientId: 'kafkawire-perf' }) });
    // Random uppercase letters, as the Java tool's payload.
    const payload = Buffer.from(randomBytes(size).map((b) => 65 + (b % 26)));
    const latencies = new Float64Array(n);
    let done = 0;
    let failed = 0;
    let firstError: Error | null = null;
    const throttle = new Throttle(throughput);
    const interval = cli.int('reporting-interval', 5000)!;
    const t0 = performance.now();
    let lastReport = t0;
    let windowCount = 0;
    const inflight = new Set<Promise<void>>();
    for (let i = 0; i < n; i++) {
      const wait = throttle.waitMs(i);
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const sentAt = performance.now();
      const p: Promise<void> = producer.send({ topic, value: payload }).then(
        () => {
          latencies[done++] = performance.now() - sentAt;
          windowCount++;
        },
        (e: Error) => {
          failed++;
          firstError ??= e;
        },
      );
      inflight.add(p);
      p.finally(() => inflight.delete(p)).catch(() => undefined);
      // Keep the loop from running far ahead of the producer's buffer; also lets timers and I/O run.
      if (inflight.size >= 10_000) await Promise.race(inflight);
      const now = performance.now();
      if (now - lastReport >= interval) {
        const secs = (now - lastReport) / 1000;
        cli.progress(`${windowCount} records sent, ${(windowCount / secs).toFixed(1)} records/sec (${((windowCount * size) / secs / 1048576).toFixed(2)} MB/sec)`);
        lastReport = now;
        windowCount = 0;
      }
    }
    await Promise.allSettled([...inflight]);
    await producer.flush().catch(() => undefined);
    const elapsedMs = performance.now() - t0;
    cli.endProgress();
    const sorted = latencies.subarray(0, done).sort();
    const secs = elapsedMs / 1000;
    const sum = sorted.reduce((a, b) => a + b, 0);
    const summary: PerfSummary = {
      records: done,
      failed,
      recordsPerSec: done / secs,
      mbPerSec: (done * size) / secs / 1048576,
      avgLatencyMs: done ? sum / done : 0,
      maxLatencyMs: done ? sorted[done - 1]! : 0,
      p50Ms: percentile(sorted, 0.5),
      p95Ms: percentile(sorted, 0.95),
      p99Ms: percentile(sorted, 0.99),
      p999Ms: percentile(sorted, 0.999),
      elapsedMs,
    };
    if (cli.json) cli.printJson(summary);
    else {
      const f = (x: number) => x.toFixed(2);
      cli.print(
        `${summary.records} records sent, ${f(summary.recordsPerSec)} records/sec (${f(summary.mbPerSec)} MB/sec), ${f(summary.avgLatencyMs)} ms avg latency, ${f(summary.maxLatencyMs)} ms max latency, ` +
          `${f(summary.p50Ms)} ms 50th, ${f(summary.p95Ms)} ms 95th, ${f(summary.p99Ms)} ms 99th, ${f(summary.p999Ms)} ms 99.9th.`,
      );
    }
    if (failed > 0) {
      cli.warn(`${failed} record(s) failed; the first: ${(firstError as Error | null)?.message}`);
      return EXIT.FAILED;
    }
    return EXIT.OK;
  },
};
