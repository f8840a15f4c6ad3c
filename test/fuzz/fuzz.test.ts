// The CI form of the long fuzzer (npm run fuzz): the same inputs and checks,
// a small count, and a fresh seed each run that the failure message names.
// test/messages/fuzz.test.ts sweeps the message codecs systematically; this
// one reaches the rest (record sets, decompressors, SASL) and mixes them.
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { KafkaError, KafkaProtocolError } from '../../src/errors.js';
import { disproportion, fuzz } from './engine.js';
import { mutate, Rng } from './mutate.js';
import { allTargets, type TargetSet } from './targets.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 20_000);
const SEED = Number(process.env.FUZZ_SEED ?? (Date.now() % 2 ** 31));
/**
 * Most the V8 heap in use may grow over the run, above where it stood before
 * it: the peak the long runner reports (peakHeapUsed), minus that start. Each
 * input is at most a few KB and each decompressor stops at 4 MB, and nothing
 * is kept from one input to the next, so growth is garbage not yet collected;
 * a decoder that keeps what it decoded, or allocates a forged count up front,
 * goes far past this.
 */
const HEAP_GROWTH_BUDGET = 128 * 1024 * 1024;
/** The same for memory outside the V8 heap (Buffers, zlib), which the decompressors use. */
const EXTERNAL_GROWTH_BUDGET = 64 * 1024 * 1024;

describe('fuzz (CI form)', () => {
  it(`${RUNS} inputs over every target: a value or a KafkaError, fast, in proportion, in bounded memory (seed ${SEED})`, async () => {
    const set = allTargets();
    const heapBefore = v8.getHeapStatistics().used_heap_size;
    const externalBefore = process.memoryUsage().external;
    const r = await fuzz({ runs: RUNS, seed: SEED, slowMs: 1000 }, set);
    const shown = r.failures.slice(0, 5).map((f) => `${f.target}: ${f.how}: ${f.detail}\n  input ${f.input.slice(0, 400)}`);
    expect(shown, `replay with FUZZ_SEED=${SEED}`).toEqual([]);
    expect(r.inputs).toBe(RUNS);
    // Both outcomes happen: the inputs reach past the first check and also break things.
    expect(r.valuesReturned).toBeGreaterThan(RUNS / 50);
    expect(r.typedErrors).toBeGreaterThan(RUNS / 10);
    for (const g of ['body', 'frame', 'records', 'codec', 'sasl']) expect(r.perGroup[g], g).toBeGreaterThan(0);
    const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
    const heapGrowth = r.peakHeapUsed - heapBefore;
    const externalGrowth = r.peakExternal - externalBefore;
    console.log(`fuzz CI form: ${r.inputs} inputs in ${(r.elapsedMs / 1000).toFixed(1)} s; peak heap ${mb(r.peakHeapUsed)} (+${mb(heapGrowth)}), peak external ${mb(r.peakExternal)} (+${mb(externalGrowth)}), peak rss ${mb(r.peakRss)}`);
    expect(heapGrowth, `peak heap growth ${mb(heapGrowth)} over a budget of ${mb(HEAP_GROWTH_BUDGET)}`).toBeLessThan(HEAP_GROWTH_BUDGET);
    expect(externalGrowth, `peak external growth ${mb(externalGrowth)} over a budget of ${mb(EXTERNAL_GROWTH_BUDGET)}`).toBeLessThan(EXTERNAL_GROWTH_BUDGET);
    // Every SASL input was fed to the client: the rounds before the fuzzed one were accepted.
    for (const t of set.targets.filter((x) => x.rounds && x.rounds.runs > 0)) expect(t.rounds!.reachedFuzzed, `${t.name}: exchanges that reached the fuzzed round`).toBe(t.rounds!.runs);
  });

  // A SASL target whose earlier rounds the client refuses never sees its input (SCRAM-SHA-512 server-final once had
  // an empty server-first, so it fuzzed nothing).
  it('every SASL target reaches the round it fuzzes', async () => {
    const sasl = allTargets().targets.filter((t) => t.group === 'sasl');
    expect(sasl.map((t) => t.name)).toEqual(expect.arrayContaining(['SASL SCRAM-SHA-256 server-final', 'SASL SCRAM-SHA-512 server-final']));
    for (const t of sasl) {
      expect(t.rounds, t.name).toBeDefined();
      for (const s of t.seeds(1, 2)) {
        const before = t.rounds!.reachedFuzzed;
        const outcome = await Promise.resolve(t.decode(s)).then(() => null, (e: unknown) => e);
        expect(outcome === null || outcome instanceof KafkaError, `${t.name}: ${String(outcome)}`).toBe(true);
        expect(t.rounds!.reachedFuzzed - before, `${t.name}: the exchange stopped before the fuzzed round: ${String(outcome)}`).toBe(1);
      }
      // A damaged answer in the fuzzed round still reaches it (the rounds before are not the input).
      const before = t.rounds!.reachedFuzzed;
      await Promise.resolve(t.decode(Buffer.from('garbage,,=='))).catch(() => undefined);
      expect(t.rounds!.reachedFuzzed - before, t.name).toBe(1);
    }
  });

  it('every target decodes its own seeds to a value', async () => {
    const set = allTargets();
    for (const t of set.targets) {
      for (const s of t.seeds(1, 2)) {
        let v = t.decode(t.fixup ? t.fixup(Buffer.from(s)) : s);
        if (v instanceof Promise) v = await v.catch((e: unknown) => e);
        // The SASL targets' seeds are valid server messages that still fail (no real password, a wrong verifier).
        if (t.group !== 'sasl') expect(v instanceof Error ? `${t.name}: ${v.message}` : 'ok').toBe('ok');
      }
    }
  });
});

describe('the fuzzer itself', () => {
  // A harness that cannot see a broken decoder proves nothing.
  const target = (decode: (b: Buffer) => unknown, proportional = true): TargetSet => ({
    targets: [{ name: 'broken', group: 'body', proportional, decode, seeds: () => [Buffer.from('00000003616263', 'hex')] }],
    weights: { body: 1, frame: 0, records: 0, codec: 0, sasl: 0 },
  });

  it('reports an error that is not a KafkaError', async () => {
    const r = await fuzz({ runs: 50, seed: 1 }, target((b) => b.readInt32BE(b.length)));
    expect(r.failures[0]).toMatchObject({ how: 'wrong error', detail: expect.stringMatching(/RangeError/) });
  });

  it('accepts a KafkaError, sync or async', async () => {
    const r = await fuzz({ runs: 50, seed: 1 }, target(async () => Promise.reject(new KafkaProtocolError('bad'))));
    expect(r.failures).toEqual([]);
    expect(r.typedErrors).toBe(50);
  });

  it('reports a slow decode', async () => {
    const r = await fuzz({ runs: 3, seed: 1, slowMs: 20 }, target(() => {
      const until = performance.now() + 40;
      while (performance.now() < until);
    }));
    expect(r.failures[0]?.how).toBe('slow');
  });

  it('reports a value out of proportion to its input', async () => {
    const r = await fuzz({ runs: 5, seed: 1 }, target((b) => new Array(b.length + 1).fill(0)));
    expect(r.failures[0]?.how).toBe('disproportionate');
    expect(disproportion({ a: [1, 2] }, 2)).toBeNull();
    expect(disproportion(Buffer.alloc(3), 2)).toMatch(/3 bytes/);
  });

  it('reports a SASL-like target whose input never reaches the client', async () => {
    const rounds = { runs: 0, reachedFuzzed: 0 };
    const set: TargetSet = {
      targets: [{
        name: 'stops early', group: 'sasl', proportional: false, rounds,
        // The exchange fails before the fuzzed round, as SCRAM-SHA-512 server-final once did on its empty round 0.
        decode: () => {
          rounds.runs++;
          throw new KafkaProtocolError('round 0 refused');
        },
        seeds: () => [Buffer.from('x')],
      }],
      weights: { body: 0, frame: 0, records: 0, codec: 0, sasl: 1 },
    };
    const r = await fuzz({ runs: 10, seed: 1 }, set);
    expect(r.typedErrors).toBe(10);
    expect(r.failures).toEqual([expect.objectContaining({ target: 'stops early', how: 'unreached', detail: expect.stringMatching(/^10 of 10 exchanges/) })]);
  });

  it('the same seed makes the same inputs', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const base = Buffer.from('0102030405060708', 'hex');
    for (let i = 0; i < 100; i++) expect(mutate(a, base).out).toEqual(mutate(b, base).out);
  });
});
