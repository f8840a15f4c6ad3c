// In-memory standard streams for running the CLI's main() in a test.
import { PassThrough } from 'node:stream';

/** Streams for main(): what it writes is read back with out() and err(); stdin holds `input`. */
export function io(opts: { input?: string; stdoutTTY?: boolean; stderrTTY?: boolean } = {}) {
  const stdout = Object.assign(new PassThrough(), { isTTY: opts.stdoutTTY });
  const stderr = Object.assign(new PassThrough(), { isTTY: opts.stderrTTY });
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const stdin = new PassThrough();
  stdin.end(opts.input ?? '');
  return { io: { stdout, stderr, stdin, env: {} }, out: () => out, err: () => err };
}
