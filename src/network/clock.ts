/**
 * Time as the network layer sees it. Tests pass a fake clock so that idle
 * closing and backoff can be checked without waiting.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * The longest delay a Node.js timer takes (2^31 - 1 ms, about 24.8 days): a
 * longer one fires at once, so a huge timeout would act as none at all.
 */
export const MAX_DELAY_MS = 2_147_483_647;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, Math.min(ms, MAX_DELAY_MS));
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};
