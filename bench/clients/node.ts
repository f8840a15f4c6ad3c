// Runs a Node client (kafkawire, KafkaJS, @platformatic/kafka) through
// bench/clients/worker.js under a given Node binary.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure, tailOf } from '../lib/proc.js';
import type { NodeClientKind, Sample, Workload, WorkerJob, WorkerResult } from '../lib/types.js';
import { ClientFailure, rate, type BenchClient, type RunContext } from './client.js';

const FLOOR_NOTE = 'not a client: ~1 MB batches encoded before the clock, one per request, 5 in flight per broker; the fastest any client could go here (its CPU s and RSS include the encoding)';

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.js');

/** zstd in node:zlib: Node 22.15+ (and 23.8+). */
export function nodeHasZstd(version: string): boolean {
  const [maj = 0, min = 0] = version.replace(/^v/, '').split('.').map(Number);
  return maj >= 24 || (maj === 23 && min >= 8) || (maj === 22 && min >= 15);
}

export function nodeClient(label: string, kind: NodeClientKind, nodeBin: string | null, nodeVersion: string): BenchClient {
  return {
    label,
    missing: nodeBin === null ? 'not installed (no Node 24: npx -y -p node@24 failed)' : null,
    unsupported(w) {
      if (kind === 'floor' && w.kind !== 'produce') return 'n/a (a produce workload\'s limit only)';
      if (w.compression === 'zstd' && kind !== 'kafkajs' && !nodeHasZstd(nodeVersion)) return `n/a (zstd needs Node 22.15+; this is ${nodeVersion})`;
      if (kind === 'kafkajs' && w.compression !== 'none') return `n/a (no built-in ${w.compression} codec)`;
      return null;
    },
    note(w) {
      if (kind === 'floor') return FLOOR_NOTE;
      if (w.kind === 'produce') return kind === 'kafkawire' ? 'sendBatch() calls of 1000 records, 5 in flight' : 'calls of 1000 records, 5 in flight';
      if (w.kind === 'group') return `${w.consumers} consumers in one process`;
      return undefined;
    },
    async run(w: Workload, ctx: RunContext): Promise<Sample> {
      const job: WorkerJob = { client: kind, workload: w, bootstrap: ctx.bootstrap, topic: ctx.topic, partitions: ctx.partitions, groupId: ctx.groupId };
      const r = await measure(nodeBin!, [worker, JSON.stringify(job)], { timeoutMs: ctx.timeoutMs }).done;
      if (r.code !== 0) throw new ClientFailure(tailOf(r));
      const line = r.stdout.trim().split('\n').pop() ?? '';
      const res = JSON.parse(line) as WorkerResult;
      return { ...rate(res.records, res.bytes, res.seconds), cpuSeconds: r.cpuSeconds, peakRssMb: r.peakRssMb, p50Ms: res.p50Ms, p99Ms: res.p99Ms };
    },
  };
}
