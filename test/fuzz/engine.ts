// The fuzz loop, shared by the long runner (run.ts) and the CI test: makes
// inputs (random, truncated, mutated valid encodings), decodes each, and
// checks the contract. A decoder may return a value or throw/reject with a
// KafkaError; it must finish each input within slowMs, and its value must stay
// in proportion to its input. Memory is sampled as the run goes.
import v8 from 'node:v8';
import { KafkaError } from '../../src/errors.js';
import { collectGarbage } from '../memory.js';
import { mutate, randomBytes, Rng } from './mutate.js';
import { allTargets, picker, type Target, type TargetSet } from './targets.js';

export interface FuzzOptions {
  runs: number;
  seed: number;
  /** Slowest acceptable decode of one input (after two retries, to forgive a GC or a busy machine). */
  slowMs?: number;
  /** Stop after this many failures. */
  maxFailures?: number;
  /** Only targets whose name contains this. */
  only?: string;
  /** Called before each decode with the input (the long runner mirrors it for its hang watchdog). */
  onInput?: (index: number, target: number, input: Buffer) => void;
  /** Called every `progressEvery` inputs. */
  onProgress?: (p: FuzzProgress) => void;
  progressEvery?: number;
}

export interface FuzzFailure {
  target: string;
  /** 'unreached': a SASL target's input never reached the client (the rounds before it failed), so it fuzzed nothing. */
  how: 'wrong error' | 'slow' | 'disproportionate' | 'unreached';
  detail: string;
  /** The input, hex. */
  input: string;
}

export interface FuzzProgress {
  inputs: number;
  valuesReturned: number;
  typedErrors: number;
  elapsedMs: number;
  /** Largest V8 heap in use seen so far, bytes. */
  peakHeapUsed: number;
  /** Largest resident set size seen so far, bytes. */
  peakRss: number;
  /** Largest external memory (buffers outside the V8 heap, array buffers included) seen so far, bytes. */
  peakExternal: number;
  slowestMs: number;
  slowestTarget: string;
  perGroup: Record<string, number>;
}

export interface FuzzResult extends FuzzProgress {
  failures: FuzzFailure[];
  targets: number;
}

/**
 * Walks a decoded value and reports a part out of proportion to the input: an
 * array with more elements, or a byte field longer than the input, or far more
 * objects than bytes. A forged count that slipped past the reader shows here.
 */
export function disproportion(value: unknown, inputLength: number): string | null {
  let nodes = 0;
  const limit = 16 * inputLength + 256;
  const stack: unknown[] = [value];
  while (stack.length) {
    const x = stack.pop();
    if (++nodes > limit) return `more than ${limit} parts decoded from ${inputLength} bytes`;
    if (x === null || typeof x !== 'object') {
      if (typeof x === 'string' && x.length > 2 * inputLength + 64) return `a string of ${x.length} chars from ${inputLength} bytes`;
      continue;
    }
    if (x instanceof Uint8Array) {
      if (x.length > inputLength) return `${x.length} bytes decoded from ${inputLength}`;
      continue;
    }
    if (Array.isArray(x)) {
      if (x.length > inputLength) return `an array of ${x.length} elements from ${inputLength} bytes`;
      for (const e of x) stack.push(e);
      continue;
    }
    for (const v of Object.values(x)) stack.push(v);
  }
  return null;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

async function runOnce(t: Target, input: Buffer): Promise<{ outcome: Outcome; ms: number }> {
  const started = performance.now();
  let outcome: Outcome;
  try {
    let value = t.decode(input);
    if (value instanceof Promise) value = await value;
    outcome = { ok: true, value };
  } catch (error) {
    outcome = { ok: false, error };
  }
  return { outcome, ms: performance.now() - started };
}

/** Seeds per target, made on first use, so a short run does not pay for every target's. */
class SeedCache {
  private readonly cache = new Map<number, Buffer[]>();

  constructor(
    private readonly set: TargetSet,
    private readonly seed: number,
  ) {}

  get(i: number): Buffer[] {
    let s = this.cache.get(i);
    if (!s) {
      s = this.set.targets[i]!.seeds((this.seed ^ Math.imul(i + 1, 0x9e3779b1)) | 0, 12);
      this.cache.set(i, s);
    }
    return s;
  }
}

/** Makes one input for target i: random bytes (1 in 5), else a seed mutated 1-4 times (a cut is one of the mutations). */
function makeInput(rng: Rng, t: Target, seeds: Buffer[]): Buffer {
  if (seeds.length === 0 || rng.chance(0.2)) return randomBytes(rng, 512);
  const base = rng.pick(seeds);
  // A seed must be copied: fixups write in place.
  const out = mutate(rng, base).out;
  return t.fixup ? t.fixup(out === base ? Buffer.from(base) : out) : out;
}

export async function fuzz(opts: FuzzOptions, set: TargetSet = allTargets()): Promise<FuzzResult> {
  const { runs, seed, slowMs = 250, maxFailures = 20, progressEvery = 10_000 } = opts;
  const targets = opts.only ? set.targets.filter((t) => t.name.includes(opts.only!)) : set.targets;
  if (targets.length === 0) throw new Error(`no fuzz target matches ${JSON.stringify(opts.only)}`);
  const filtered: TargetSet = { targets, weights: set.weights };
  const pick = picker(filtered);
  const seeds = new SeedCache(filtered, seed);
  const rng = new Rng(seed);
  const failures: FuzzFailure[] = [];
  const p: FuzzProgress = {
    inputs: 0, valuesReturned: 0, typedErrors: 0, elapsedMs: 0, peakHeapUsed: 0, peakRss: 0, peakExternal: 0,
    slowestMs: 0, slowestTarget: '', perGroup: {},
  };
  const started = performance.now();
  // After a full collection, so the peak is what was still referenced, not garbage V8 had yet to reach.
  const sample = () => {
    collectGarbage();
    const h = v8.getHeapStatistics();
    const m = process.memoryUsage();
    p.peakHeapUsed = Math.max(p.peakHeapUsed, h.used_heap_size);
    p.peakRss = Math.max(p.peakRss, m.rss);
    p.peakExternal = Math.max(p.peakExternal, m.external);
  };
  const fail = (t: Target, how: FuzzFailure['how'], detail: string, input: Buffer) => failures.push({ target: t.name, how, detail, input: input.toString('hex') });
  // Counters of the SASL targets at the start, so a set used for more than one run is judged on this one.
  const roundsAtStart = targets.map((t) => (t.rounds ? { ...t.rounds } : null));

  for (let i = 0; i < runs && failures.length < maxFailures; i++) {
    const ti = pick(rng);
    const t = targets[ti]!;
    const input = makeInput(rng, t, seeds.get(ti));
    opts.onInput?.(i, ti, input);
    let { outcome, ms } = await runOnce(t, input);
    // A GC or a busy machine can stall one call; slow input is slow every time.
    const limit = t.slowMs ?? slowMs;
    for (let retry = 0; retry < 2 && ms > limit; retry++) ms = Math.min(ms, (await runOnce(t, input)).ms);
    p.inputs++;
    p.perGroup[t.group] = (p.perGroup[t.group] ?? 0) + 1;
    if (ms > p.slowestMs) {
      p.slowestMs = ms;
      p.slowestTarget = t.name;
    }
    if (ms > limit) fail(t, 'slow', `one decode took ${ms.toFixed(0)} ms (limit ${limit})`, input);
    if (outcome.ok) {
      p.valuesReturned++;
      if (t.proportional) {
        const why = disproportion(outcome.value, input.length);
        if (why) fail(t, 'disproportionate', why, input);
      }
    } else if (outcome.error instanceof KafkaError) {
      p.typedErrors++;
    } else {
      const e = outcome.error as Error;
      fail(t, 'wrong error', `${e?.constructor?.name ?? typeof e}: ${e?.message}\n${e?.stack?.split('\n').slice(1, 6).join('\n') ?? ''}`, input);
    }
    if ((i & 255) === 0) {
      // A turn of the event loop: without one, a loop of awaits never lets Node run its nextTick and
      // close callbacks (zlib releases a failed stream's buffers in one), and memory only looks leaked.
      await new Promise<void>((r) => setImmediate(r));
      sample();
    }
    if (opts.onProgress && (i + 1) % progressEvery === 0) {
      p.elapsedMs = performance.now() - started;
      opts.onProgress({ ...p, perGroup: { ...p.perGroup } });
    }
  }
  targets.forEach((t, i) => {
    const start = roundsAtStart[i];
    if (!t.rounds || !start) return;
    const runs = t.rounds.runs - start.runs;
    const reached = t.rounds.reachedFuzzed - start.reachedFuzzed;
    if (runs > reached) fail(t, 'unreached', `${runs - reached} of ${runs} exchanges stopped before the round the input replaces, so the input never reached the client`, Buffer.alloc(0));
  });
  sample();
  p.elapsedMs = performance.now() - started;
  return { ...p, failures, targets: targets.length };
}
