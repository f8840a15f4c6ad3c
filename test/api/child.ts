// Runs an ES module script in a child `node` that can import the TypeScript
// sources (through ts-hooks.mjs), and reports how the child ended. For tests
// about the process as a whole: that it exits by itself (nothing keeps the
// event loop alive), or that no unhandled rejection ends it.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A file: URL for a module under the repository root, for `import()` in a child script. */
export const srcUrl = (rel: string): string => pathToFileURL(path.join(repoRoot, rel)).href;

export interface ChildOutcome {
  /** Exit code, or null when the child was killed at a deadline. */
  code: number | null;
  /** True when a deadline passed and the child was killed: it did not exit by itself. */
  killed: boolean;
  stdout: string;
  stderr: string;
}

export interface ChildDeadlines {
  /** Kill the child if it has not exited this long after it started (loading the sources is slow on a busy machine). */
  totalMs: number;
  /** With `marker`: kill the child if it has not exited this long after printing that line. */
  afterMarkerMs?: number;
  marker?: string;
}

/** Runs `script` (ESM source) in a child node; kills it at the first deadline that passes. */
export function runChild(script: string, deadlines: ChildDeadlines, env: NodeJS.ProcessEnv = {}): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(path.join(repoRoot, 'test/api/ts-hooks.mjs')).href, '--input-type=module', '-e', script], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    const kill = () => {
      killed = true;
      child.kill('SIGKILL');
    };
    const timers = [setTimeout(kill, deadlines.totalMs)];
    child.stdout.on('data', (c: Buffer) => {
      const seen = deadlines.marker !== undefined && stdout.includes(deadlines.marker);
      stdout += c.toString();
      if (!seen && deadlines.marker !== undefined && stdout.includes(deadlines.marker)) timers.push(setTimeout(kill, deadlines.afterMarkerMs ?? 10_000));
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => {
      for (const t of timers) clearTimeout(t);
      resolve({ code: killed ? null : code, killed, stdout, stderr });
    });
  });
}
