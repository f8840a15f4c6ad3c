/**
 * Exponential backoff with jitter, as the Java client computes it for
 * reconnects and retries: base × 2^(failures − 1), capped at max, then
 * spread ±20% so that many clients do not retry in lock step. Every retry
 * loop of the client takes its delays from here (`backoffMs` for a loop that
 * keeps its own count, `retry` for one that only needs "try, wait, try
 * again until a deadline").
 */
import { KafkaError } from '../errors.js';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Fraction of spread either side (default 0.2). */
  jitter?: number;
  /** Source of randomness in [0, 1) (tests fix it). */
  random?: () => number;
}

export function backoffMs(failures: number, opts: BackoffOptions): number {
  if (failures <= 0) return 0;
  const { initialMs, maxMs, jitter = 0.2, random = Math.random } = opts;
  if (maxMs <= initialMs) return maxMs;
  const exp = Math.min(initialMs * 2 ** (failures - 1), maxMs);
  const spread = exp * jitter * (2 * random() - 1);
  return Math.max(0, Math.min(maxMs, Math.round(exp + spread)));
}

export interface RetryOptions extends BackoffOptions {
  /** Give up once this time (as `now()` reads it) has passed: the last error is thrown. */
  deadline: number;
  now?: () => number;
  /** Waits `ms` (tests pass a fake; default setTimeout). */
  sleep?: (ms: number) => Promise<void>;
  /** Whether an error is worth another try (default: a retriable KafkaError). */
  retriable?: (e: unknown) => boolean;
  /** Checked before each wait: true stops the loop with the last error (a client closing). */
  stopped?: () => boolean;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Whether an error says that trying again may succeed. */
export const isRetriable = (e: unknown): boolean => e instanceof KafkaError && e.retriable;

/**
 * Runs `op` until it resolves, waiting backoffMs(attempt) between tries
 * (never past the deadline); rethrows an error that is not retriable, or the
 * last error once the deadline has passed.
 */
export async function retry<T>(op: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? realSleep;
  const retriable = o.retriable ?? isRetriable;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op(attempt);
    } catch (e) {
      const left = o.deadline - now();
      if (!retriable(e) || left <= 0 || o.stopped?.()) throw e;
      await sleep(Math.min(left, backoffMs(attempt, o)));
    }
  }
}
