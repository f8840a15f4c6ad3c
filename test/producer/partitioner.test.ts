import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultPartitioner, partitionForKey, StickyPartitioner } from '../../src/producer/partitioner.js';

describe('keyed partitioning', () => {
  it('is in range and the same for the same key, whatever container or partitioner instance', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 1, max: 10_000 }), (key, n) => {
        const p = partitionForKey(key, n);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThan(n);
        expect(partitionForKey(Buffer.from(key), n)).toBe(p);
        expect(defaultPartitioner({ topic: 't', key, partitionCount: n, availablePartitions: [] })).toBe(p);
      }),
    );
  });

  it('is the same in another Node.js process', () => {
    const keys = fc.sample(fc.string({ maxLength: 20 }), { numRuns: 300, seed: 7 });
    const here = keys.map((k) => partitionForKey(Buffer.from(k), 12));
    // The child runs the same source, transpiled here, in a fresh process.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafkawire-murmur-'));
    const src = fs.readFileSync(new URL('../../src/codec/murmur2.ts', import.meta.url), 'utf8');
    fs.writeFileSync(path.join(dir, 'murmur2.mjs'), ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
    const child = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `const { murmur2, toPositive } = await import(${JSON.stringify(path.join(dir, 'murmur2.mjs'))});
        const keys = JSON.parse(process.argv[1]);
        console.log(JSON.stringify(keys.map((k) => toPositive(murmur2(Buffer.from(k))) % 12)));`, JSON.stringify(keys)],
      { encoding: 'utf8' },
    );
    fs.rmSync(dir, { recursive: true, force: true });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual(here);
  });

  it('spreads random keys near uniformly (chi-square)', () => {
    const n = 12;
    const counts = new Array<number>(n).fill(0);
    const keys = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 32 }), { numRuns: 24_000, seed: 3 });
    for (const k of keys) counts[partitionForKey(k, n)]!++;
    const expected = keys.length / n;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // 11 degrees of freedom: P(chi2 > 31.3) ≈ 0.001.
    expect(chi2).toBeLessThan(31.3);
  });

  it('leaves keyless records to the sticky partitioner', () => {
    expect(defaultPartitioner({ topic: 't', key: null, partitionCount: 6, availablePartitions: [0, 1, 2, 3, 4, 5] })).toBeUndefined();
  });
});

describe('sticky partitioner (KIP-794)', () => {
  it('stays on one partition until about batchSize bytes went to it, then moves to an available one', () => {
    const s = new StickyPartitioner(1000, () => 0.5);
    const first = s.partition('t', 100, 6, [0, 1, 2, 3, 4, 5]);
    for (let i = 0; i < 9; i++) expect(s.partition('t', 100, 6, [0, 1, 2, 3, 4, 5])).toBe(first);
    const next = s.partition('t', 100, 6, [0, 1, 2, 3, 4, 5]);
    expect(next).not.toBe(first);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 5000 }), (avail, bytes) => {
        const uniq = [...new Set(avail)];
        const st = new StickyPartitioner(1000);
        for (let i = 0; i < 20; i++) expect(uniq).toContain(st.partition('x', bytes, 8, uniq));
      }),
    );
  });

  it('prefers partitions with less queued data', () => {
    const s = new StickyPartitioner(1000);
    const hits = new Array<number>(3).fill(0);
    for (let i = 0; i < 3000; i++) hits[s.partition(`t${i}`, 10, 3, [0, 1, 2], (p) => (p === 0 ? 50_000 : 0))]!++;
    expect(hits[0]!).toBeLessThan(hits[1]! / 5);
  });
});
