/**
 * Checks of user-given options, shared by the clients. Options often come from
 * untyped configuration (JSON, the environment), so any value must end in a
 * KafkaConfigError that names the option, never in a TypeError raised while
 * checking it or while writing the message.
 */
import { KafkaConfigError } from './errors.js';
import { MAX_DELAY_MS, systemClock, type Clock } from './network/clock.js';

export { MAX_DELAY_MS };

const MAX_SHOWN = 80;

/**
 * A value as an error message shows it. Never throws: a bigint does not
 * JSON.stringify, an object may be cyclic or have a throwing toString.
 */
export function describeValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return clip(JSON.stringify(v));
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(v);
    case 'bigint':
      return `${v.toString()}n (a bigint)`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      if (v === null) return 'null';
      try {
        const text = JSON.stringify(v);
        if (text !== undefined) return clip(text);
      } catch {
        // cyclic, a bigint inside, or a throwing toJSON: fall through
      }
      return Array.isArray(v) ? 'an array' : 'an object';
  }
}

function clip(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

/** An integer option from `min` to `max`. */
export function intOption(name: string, v: unknown, min: number, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    const range = max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new KafkaConfigError(`${name} must be an integer ${range}, got ${describeValue(v)}`);
  }
  return v;
}

/** A duration option in milliseconds: an integer from `min` to MAX_DELAY_MS (Java's int limit too). */
export function msOption(name: string, v: unknown, min: number): number {
  return intOption(name, v, min, MAX_DELAY_MS);
}

/**
 * The `timeoutMs` of a call's options object, or `fallback` when the call
 * passes none. A string, NaN or a negative number is refused: taken as is, it
 * would end the wait at once (close() would fail the records still buffered)
 * or never. Infinity and anything above MAX_DELAY_MS mean "as long as a timer
 * can wait".
 */
export function callTimeoutMs(call: string, opts: unknown, fallback: number): number {
  if (opts === undefined || opts === null) return fallback;
  if (typeof opts !== 'object') throw new KafkaConfigError(`${call}: the options must be an object such as { timeoutMs: 5000 }, got ${describeValue(opts)}`);
  const v = (opts as { timeoutMs?: unknown }).timeoutMs;
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0) throw new KafkaConfigError(`${call}: timeoutMs must be a number of milliseconds ≥ 0, got ${describeValue(v)}`);
  return Math.min(v, MAX_DELAY_MS);
}

/** A string option that must be one of `allowed`. */
export function oneOfOption<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !allowed.includes(v as T)) {
    throw new KafkaConfigError(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describeValue(v)}`);
  }
  return v as T;
}

/** connectionsMaxIdleMs: -1 (never close idle connections, as Infinity also does) or milliseconds ≥ 0. */
export function idleMsOption(v: unknown, dflt: number): number {
  const x = v ?? dflt;
  if (typeof x !== 'number' || !(x === -1 || x >= 0)) {
    throw new KafkaConfigError(`connectionsMaxIdleMs must be -1 or a number of milliseconds ≥ 0, got ${describeValue(v)}`);
  }
  return x;
}

/** The `clock` option (tests inject one): an object with now(), setTimeout() and clearTimeout(). */
export function clockOption(v: Clock | undefined): Clock {
  if (v === undefined) return systemClock;
  const c = v as unknown as Record<string, unknown> | null;
  if (typeof c !== 'object' || c === null || typeof c.now !== 'function' || typeof c.setTimeout !== 'function' || typeof c.clearTimeout !== 'function') {
    throw new KafkaConfigError(`clock must be an object with now(), setTimeout() and clearTimeout(), got ${describeValue(v)}`);
  }
  return v;
}
