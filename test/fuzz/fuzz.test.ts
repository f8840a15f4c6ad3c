// The CI form of the long fuzzer (npm run fuzz): the same inputs and checks,
// a small count, and a fresh seed each run that the failure message names.
// test/messages/fuzz.test.ts sweeps the message codecs systematically; this
// one reaches the rest (record sets, decompressors, SASL) and mixes them.
import { describe, expect, it } from 'vitest';
import { KafkaProtocolError } from '../../src/errors.js';
import { disproportion, fuzz } from './engine.js';
import { mutate, Rng } from './mutate.js';
import { allTargets, type TargetSet } from './targets.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 20_000);
const SEED = Number(process.env.FUZZ_SEED ?? (Date.now() % 2 ** 31));

describe('fuzz (CI form)', () => {
  it(`${RUNS} inputs over every target: a value or a KafkaError, fast, in proportion (seed ${SEED})`, async () => {
    const r = await fuzz({ runs: RUNS, seed: SEED, slowMs: 1000 });
    const shown = r.failures.slice(0, 5).map((f) => `${f.target}: ${f.how}: ${f.detail}\n  input ${f.input.slice(0, 400)}`);
    expect(shown, `replay with FUZZ_SEED=${SEED}`).toEqual([]);
    expect(r.inputs).toBe(RUNS);
    // Both outcomes happen: the inputs reach past the first check and also break things.
    expect(r.valuesReturned).toBeGreaterThan(RUNS / 50);
    expect(r.typedErrors).toBeGreaterThan(RUNS / 10);
    for (const g of ['body', 'frame', 'records', 'codec', 'sasl']) expect(r.perGroup[g], g).toBeGreaterThan(0);
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

  it('the same seed makes the same inputs', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const base = Buffer.from('0102030405060708', 'hex');
    for (let i = 0; i < 100; i++) expect(mutate(a, base).out).toEqual(mutate(b, base).out);
  });
});
