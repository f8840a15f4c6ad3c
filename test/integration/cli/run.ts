// Runs the kafkawire CLI as a child process, as users run it: the package is
// built once per test file as `npm run build` builds it (into a scratch folder
// under node_modules/.cache), and bin/kafkawire.mjs starts it.
import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { buildPackage } from '../../build-package.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let built: Promise<string> | null = null;

/** Builds the package once (tsc, then the bundle); resolves to the bin path. */
export function buildCli(): Promise<string> {
  built ??= (async () => {
    const dir = path.join(root, 'node_modules', '.cache', 'kafkawire-cli-test', `${process.pid}-${randomBytes(3).toString('hex')}`);
    fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
    // Inside node_modules a folder has no package scope: say that these files are ES modules.
    fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    fs.copyFileSync(path.join(root, 'bin', 'kafkawire.mjs'), path.join(dir, 'bin', 'kafkawire.mjs'));
    await buildPackage(path.join(dir, 'dist'), ['--declaration', 'false', '--sourceMap', 'false']);
    return path.join(dir, 'bin', 'kafkawire.mjs');
  })();
  return built;
}

/** Removes the scratch build. */
export async function cleanCli(): Promise<void> {
  if (!built) return;
  const bin = await built.catch(() => null);
  if (bin) fs.rmSync(path.dirname(path.dirname(bin)), { recursive: true, force: true });
  built = null;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `kafkawire ...args`; stdin gets `input` (then closes). Rejects only if the child outlives timeoutMs. */
export async function kafkawire(args: string[], opts: { input?: string; env?: Record<string, string | undefined>; timeoutMs?: number; closeStdout?: boolean; stdoutFd?: number } = {}): Promise<CliResult> {
  const bin = await buildCli();
  const env: NodeJS.ProcessEnv = { ...process.env, KAFKA_BOOTSTRAP: undefined, DEBUG: undefined, ...opts.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return new Promise((resolve, reject) => {
    // stdoutFd: the child writes there (a file, /dev/full) instead of to us.
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['pipe', opts.stdoutFd ?? 'pipe', 'pipe'] }) as ChildProcessByStdio<Writable, Readable | null, Readable>;
    let stdout = '';
    let stderr = '';
    // closeStdout: the reader is gone from the start, as with `| head -0`.
    if (opts.closeStdout) child.stdout?.destroy();
    else child.stdout?.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kafkawire ${args.join(' ')} did not exit within ${opts.timeoutMs ?? 90_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

export interface RunningCli {
  /** What the command printed so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Sends a signal (SIGINT: Ctrl-C). */
  kill(signal: NodeJS.Signals): void;
  /** Closes the reading end of its stdout, as `| head` does once it has read enough. */
  closeStdout(): void;
  /** Resolves when it exits; SIGKILLs it and rejects after timeoutMs. */
  exited(timeoutMs?: number): Promise<CliResult>;
}

/** Starts `kafkawire ...args` and leaves it running (a consumer in a group, ...). */
export async function startKafkawire(args: string[], opts: { env?: Record<string, string | undefined> } = {}): Promise<RunningCli> {
  const bin = await buildCli();
  const env: NodeJS.ProcessEnv = { ...process.env, KAFKA_BOOTSTRAP: undefined, DEBUG: undefined, ...opts.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.on('error', () => undefined);
  const closed = new Promise<number | null>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return {
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    closeStdout: () => child.stdout.destroy(),
    exited: async (timeoutMs = 60_000) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`kafkawire ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
        }, timeoutMs);
      });
      try {
        const code = await Promise.race([closed, timeout]);
        return { code, stdout, stderr };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
