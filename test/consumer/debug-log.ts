// The consumer's debug lines, captured while a test runs; the debug settings
// the run had are restored afterwards.
import { format } from 'node:util';
import createDebug from 'debug';

/** Collects the `kafkawire:consumer` debug lines while `fn` runs (it sees them as they come); returns them all. */
export async function withConsumerLog(fn: (lines: string[]) => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const previous = createDebug.disable();
  const savedLog = createDebug.log;
  createDebug.enable('kafkawire:consumer');
  createDebug.log = (...args: unknown[]) => void lines.push(format(...args));
  try {
    await fn(lines);
  } finally {
    createDebug.log = savedLog;
    createDebug.enable(previous);
  }
  return lines;
}
