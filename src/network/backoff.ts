/**
 * Exponential backoff with jitter, as the Java client computes it for
 * reconnects and retries: base × 2^(failures − 1), capped at max, then
 * spread ±20% so that many clients do not retry in lock step.
 */
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
