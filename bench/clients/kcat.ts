// librdkafka through Debian's kcat, with librdkafka's own defaults (that is
// what a user of it gets). Producing reads a file of newline-separated values;
// consuming prints one byte per record, which the bench counts. Figures come
// from the process's wall time, start-up included.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { measure, tailOf, type Measured } from '../lib/proc.js';
import type { Sample, Workload } from '../lib/types.js';
import { payloads } from './adapter.js';
import { ClientFailure, rate, type BenchClient, type RunContext } from './client.js';

export function kcatVersion(): string | null {
  const r = spawnSync('kcat', ['-V'], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const m = /Version ([\d.]+).*librdkafka ([\d.]+)/.exec(r.stdout);
  return m ? `${m[1]} (librdkafka ${m[2]})` : r.stdout.split('\n')[0] ?? 'unknown';
}

/** The values as kcat -l reads them: one a line, written once per size and count. */
function valuesFile(w: Workload, tmp: string): string {
  const file = path.join(tmp, `kcat-${w.size}-${w.count}.txt`);
  if (!fs.existsSync(file)) {
    const lines = payloads(w.size).map((b) => b.toString('latin1'));
    const fd = fs.openSync(file, 'w');
    const chunk = 10_000;
    for (let i = 0; i < w.count; i += chunk) {
      const part: string[] = [];
      for (let j = i; j < Math.min(w.count, i + chunk); j++) part.push(lines[j % lines.length]!);
      fs.writeSync(fd, `${part.join('\n')}\n`);
    }
    fs.closeSync(fd);
  }
  return file;
}

async function produce(w: Workload, ctx: RunContext): Promise<Sample> {
  const args = ['-P', '-q', '-b', ctx.bootstrap, '-t', ctx.topic, '-l', valuesFile(w, ctx.tmp), '-X', `acks=${w.acks === 'all' ? -1 : 1}`,
    '-X', `enable.idempotence=${w.idempotent}`, '-X', `compression.codec=${w.compression}`];
  const r = await measure('kcat', args, { timeoutMs: ctx.timeoutMs }).done;
  if (r.code !== 0) throw new ClientFailure(tailOf(r));
  return { ...rate(w.count, w.count * w.size, r.wallSeconds), cpuSeconds: r.cpuSeconds, peakRssMb: r.peakRssMb };
}

async function consume(w: Workload, ctx: RunContext): Promise<Sample> {
  const args = ['-C', '-q', '-b', ctx.bootstrap, '-t', ctx.topic, '-o', 'beginning', '-e', '-c', String(w.count), '-f', 'x'];
  const r = await measure('kcat', args, { timeoutMs: ctx.timeoutMs, discardStdout: true }).done;
  if (r.code !== 0) throw new ClientFailure(tailOf(r));
  if (r.stdoutBytes < w.count) throw new ClientFailure(`read ${r.stdoutBytes} of ${w.count} records`);
  return { ...rate(w.count, w.count * w.size, r.wallSeconds), cpuSeconds: r.cpuSeconds, peakRssMb: r.peakRssMb };
}

/** Consumers of one group (kcat -G), stopped with SIGINT once together they printed the total. */
async function group(w: Workload, ctx: RunContext): Promise<Sample> {
  const args = ['-q', '-u', '-b', ctx.bootstrap, '-G', ctx.groupId, '-X', 'auto.offset.reset=earliest', '-f', 'x', ctx.topic];
  let seen = 0;
  let reached = 0n;
  const started = process.hrtime.bigint();
  const kids: Measured[] = [];
  const onStdout = (d: Buffer) => {
    seen += d.length;
    if (reached === 0n && seen >= w.count) {
      reached = process.hrtime.bigint();
      for (const k of kids) k.signal('SIGINT');
    }
  };
  for (let i = 0; i < w.consumers; i++) kids.push(measure('kcat', args, { timeoutMs: ctx.timeoutMs, discardStdout: true, onStdout }));
  const runs = await Promise.all(kids.map((k) => k.done));
  if (reached === 0n) throw new ClientFailure(`the group read ${seen} of ${w.count} records; ${tailOf(runs[0]!)}`);
  return {
    ...rate(w.count, w.count * w.size, Number(reached - started) / 1e9),
    cpuSeconds: runs.reduce((s, r) => s + r.cpuSeconds, 0),
    peakRssMb: runs.reduce((s, r) => s + r.peakRssMb, 0),
  };
}

export function kcatClient(version: string | null): BenchClient {
  return {
    label: 'kcat',
    missing: version === null ? 'not installed' : null,
    unsupported: (w) => (w.kind === 'awaited' ? 'n/a (kcat cannot await one send before the next)' : null),
    note(w) {
      if (w.kind === 'group') return `${w.consumers} kcat -G processes; clock from their start (group join included) to the last record`;
      return 'wall time of the process, start-up included';
    },
    run(w, ctx) {
      if (w.kind === 'consume') return consume(w, ctx);
      if (w.kind === 'group') return group(w, ctx);
      return produce(w, ctx);
    },
  };
}
