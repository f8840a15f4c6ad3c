// Runs one client process under /usr/bin/time, so that CPU seconds and peak
// RSS are measured the same way for Node, Java and kcat: the kernel's
// accounting of that process (and its children), start-up included. Each
// child gets its own process group; every live group is remembered, so that
// Ctrl-C or an error kills them all (killChildren).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ChildRun {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Bytes the child wrote to stdout (kept or not). */
  stdoutBytes: number;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMb: number;
}

export interface MeasureOptions {
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Count stdout bytes but do not keep them (consumers printing a byte per record). */
  discardStdout?: boolean;
  onStdout?: (chunk: Buffer) => void;
}

export interface Measured {
  done: Promise<ChildRun>;
  /** Signals the whole process group (SIGINT lets kcat and the JVM finish cleanly; /usr/bin/time ignores it and still reports). */
  signal(sig: NodeJS.Signals): void;
}

const live = new Set<number>();
let stopping = false;

/** After Ctrl-C or a fatal error: kill every child and start no new one. */
export function shutDown(): void {
  stopping = true;
  killChildren();
}

export const isShuttingDown = (): boolean => stopping;
export const TIME_BIN = '/usr/bin/time';

export function checkTimeBinary(): void {
  if (!fs.existsSync(TIME_BIN)) throw new Error(`${TIME_BIN} is missing: the bench measures every client's CPU and RSS with GNU time (Debian/Ubuntu: apt-get install time)`);
}

function killGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    /* already gone */
  }
}

/** SIGKILLs every child process group still running. */
export function killChildren(): void {
  for (const pgid of live) killGroup(pgid, 'SIGKILL');
  live.clear();
}

export function measure(cmd: string, args: string[], opts: MeasureOptions): Measured {
  if (stopping) throw new Error('the bench is stopping');
  const timeFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kafkawire-bench-')), 'time');
  const child = spawn(TIME_BIN, ['-o', timeFile, '-f', '%U %S %M %e', cmd, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: opts.env ?? process.env,
    cwd: opts.cwd,
  });
  const pgid = child.pid;
  if (pgid !== undefined) live.add(pgid);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let stdoutBytes = 0;
  child.stdout.on('data', (d: Buffer) => {
    stdoutBytes += d.length;
    if (!opts.discardStdout) out.push(d);
    opts.onStdout?.(d);
  });
  child.stderr.on('data', (d: Buffer) => {
    err.push(d);
    // Keep only the tail of a chatty stderr (JVM logs).
    if (err.length > 2000) err.splice(0, 1000);
  });
  const started = process.hrtime.bigint();
  const done = new Promise<ChildRun>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (pgid !== undefined) killGroup(pgid, 'SIGKILL');
    }, opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      if (pgid !== undefined) live.delete(pgid);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (pgid !== undefined) live.delete(pgid);
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      let cpuSeconds = NaN;
      let peakRssMb = NaN;
      try {
        // The last line holds the figures; a killed child adds "Command terminated by signal" above it.
        const lines = fs.readFileSync(timeFile, 'utf8').trim().split('\n');
        const f = (lines[lines.length - 1] ?? '').split(' ').map(Number);
        cpuSeconds = (f[0] ?? NaN) + (f[1] ?? NaN);
        peakRssMb = (f[2] ?? NaN) / 1024;
      } catch {
        /* time did not write: the child was killed with its group */
      }
      fs.rmSync(path.dirname(timeFile), { recursive: true, force: true });
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({
        code: signal === null && code !== null ? code : null,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: (wallSeconds * 1000 >= opts.timeoutMs ? `timed out after ${opts.timeoutMs} ms\n` : '') + stderr,
        stdoutBytes,
        wallSeconds,
        cpuSeconds,
        peakRssMb,
      });
    });
  });
  return { done, signal: (sig) => pgid !== undefined && live.has(pgid) && killGroup(pgid, sig) };
}

/** The last few lines of a failed child's output, for the table's note. */
export function tailOf(r: ChildRun, lines = 3): string {
  const text = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  return `exit ${r.code ?? r.signal}: ${text.slice(-lines).join(' | ').slice(0, 400)}`;
}
