/** Small assertions shared by the compression tests. */
import { expect } from 'vitest';

/** Runs `fn`, which must throw, and returns what it threw. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw, but it returned');
}

/** Asserts that `fn` throws an instance of `type` whose message matches `message`. */
export function expectThrow<T extends Error>(
  fn: () => unknown,
  type: abstract new (...args: never[]) => T,
  message?: RegExp,
): T {
  const err = thrownBy(fn);
  expect(err).toBeInstanceOf(type);
  if (message !== undefined) expect((err as Error).message).toMatch(message);
  return err as T;
}

export function fromHex(hex: string): Buffer {
  return Buffer.from(hex, 'hex');
}
