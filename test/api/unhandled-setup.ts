// Loaded before every test file (vitest.config.ts, setupFiles). Vitest fails
// the run on an unhandled rejection while a file's worker is alive, but a
// worker ends as soon as its last test does, so a rejection from a timer or
// socket event just after that test would be lost with it. Waiting a moment
// after the last test lets such a rejection surface and fail the run.
import { afterAll } from 'vitest';

// Captured now: a test that installs fake timers must not stall this wait.
const realSetTimeout = globalThis.setTimeout;
const realSetImmediate = globalThis.setImmediate;

/** How long late rejections get to surface after a file's last test. */
export const LATE_REJECTION_GRACE_MS = 50;

afterAll(async () => {
  await new Promise((r) => realSetImmediate(r));
  await new Promise((r) => realSetTimeout(r, LATE_REJECTION_GRACE_MS));
});
