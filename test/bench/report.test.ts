// The bench's report writers (bench/report/*) with made-up results: no cluster needed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pairedRatios, ratio, roundFigures, stat, summarize } from '../../bench/lib/stats.js';
import { FLOOR, KW20, KW24, type BenchResults, type Row } from '../../bench/lib/types.js';
import { DETAIL_MARKER, keptDetail, resultsMarkdown } from '../../bench/report/markdown.js';
import { bars, resultsSvg } from '../../bench/report/svg.js';
import { resultsTable } from '../../bench/report/table.js';

const s = (median: number, min = median, max = median) => ({ median, min, max });

function row(workload: string, client: string, recordsPerSec: number, extra: Partial<Row> = {}): Row {
  return { workload, title: `${workload}: test`, nodes: 1, client, status: 'ok', runs: 3, recordsPerSec: s(recordsPerSec, recordsPerSec * 0.9, recordsPerSec * 1.1),
    mbPerSec: s(recordsPerSec / 10_000), cpuSeconds: s(1.5), peakRssMb: s(100), ...extra };
}

function fake(): BenchResults {
  return {
    meta: { date: '2026-12-02T10:00:00Z', cpuModel: 'Test CPU', cores: 2, loadAverage: '0.10 0.20 0.30', quick: false, runs: 3, clusters: '1 test node',
      versions: { Node: 'v20.0.0', KafkaJS: '2.2.4' }, scaled: ['C: 2,000 sends'], freshWarmUpSeconds: 30, durationSeconds: 600 },
    clients: [KW20, KW24, 'KafkaJS', 'kcat'],
    rows: [
      row('A', KW20, 400_000),
      row('A', KW24, 500_000),
      row('A', 'KafkaJS', 100_000),
      row('A', 'kcat', 1_000_000),
      row('C', KW20, 500, { p50Ms: s(2), p99Ms: s(9) }),
      row('C', KW24, 500, { p50Ms: s(1), p99Ms: s(8) }),
      row('C', 'KafkaJS', 400, { p50Ms: s(3), p99Ms: s(10) }),
      { workload: 'C', title: 'C: test', nodes: 1, client: 'kcat', status: 'n/a', note: 'n/a (kcat cannot await one send before the next)', runs: 0 },
    ],
    micro: [{ op: 'murmur2, 100 B key', runtime: 'v20.0.0', bytes: 100, mbPerSec: s(1600), memcpyMbPerSec: s(3200), memcpyTimes: 2 }],
  };
}

describe('bench stats', () => {
  it('median lies between min and max, and is the middle value for an odd count', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 9 }), (xs) => {
        const st = stat(xs);
        expect(st.min).toBe(Math.min(...xs));
        expect(st.max).toBe(Math.max(...xs));
        expect(st.median).toBeGreaterThanOrEqual(st.min);
        expect(st.median).toBeLessThanOrEqual(st.max);
        if (xs.length % 2 === 1) expect(xs).toContain(st.median);
      }),
    );
    expect(stat([3, 1, 2]).median).toBe(2);
    expect(stat([4, 1, 2, 3]).median).toBe(2.5);
    // The midpoint of two doubles near the largest one must not overflow to Infinity.
    expect(stat([Number.MAX_VALUE, Number.MAX_VALUE]).median).toBe(Number.MAX_VALUE);
    expect(stat([1.6e308, 1.7e308]).median).toBeCloseTo(1.65e308, -300);
  });

  it('summarize keeps latency only where samples have it', () => {
    const sum = summarize([{ recordsPerSec: 1, mbPerSec: 1, cpuSeconds: 1, peakRssMb: 1 }, { recordsPerSec: 3, mbPerSec: 1, cpuSeconds: 2, peakRssMb: 1 }]);
    expect(sum.recordsPerSec).toEqual({ median: 2, min: 1, max: 3 });
    expect(sum.p50Ms).toBeUndefined();
    expect(sum.runs).toBe(2);
  });

  it('ratio is above 1 when kafkawire does better: more records/s, or a lower p50 for awaited sends', () => {
    const r = fake().rows;
    expect(ratio(r[1], r[2])).toBeCloseTo(5);
    expect(ratio(r[1], r[3])).toBeCloseTo(0.5);
    expect(ratio(r[5], r[6])).toBeCloseTo(3);
    expect(ratio(r[5], r[7])).toBeUndefined();
  });

  // Per-round figures: a positive figure, or null for a missing run.
  const rounds = fc.array(fc.option(fc.double({ min: 1, max: 1e7, noNaN: true }), { nil: null }), { minLength: 1, maxLength: 7 });

  it('with per-round figures, a ratio is the median of the rounds\' ratios, skipping rounds where either run is missing', () => {
    fc.assert(
      fc.property(rounds, rounds, fc.boolean(), (a, b, latency) => {
        const extra = (byRound: Array<number | null>) => (latency ? { byRound, p50Ms: s(1) } : { byRound });
        const ours = row('A', KW24, 1, extra(a));
        const peer = row('A', 'kcat', 1, extra(b));
        const expected: number[] = [];
        for (let i = 0; i < Math.min(a.length, b.length); i++) {
          const x = a[i];
          const y = b[i];
          if (x !== null && x !== undefined && y !== null && y !== undefined) expected.push(latency ? y / x : x / y);
        }
        expect(pairedRatios(ours, peer)).toEqual(expected);
        // With no round in common, the ratio of the medians stands in (both medians are 1 here).
        expect(ratio(ours, peer)).toBe(expected.length > 0 ? stat(expected).median : 1);
      }),
    );
  });

  it('a slow or fast round moves both clients of the round alike and leaves the ratio where it was', () => {
    const positive = fc.double({ min: 1, max: 1e6, noNaN: true });
    fc.assert(
      fc.property(fc.array(fc.tuple(positive, positive, fc.double({ min: 0.25, max: 4, noNaN: true })), { minLength: 1, maxLength: 7 }), (runs) => {
        const steady = ratio(row('A', KW24, 1, { byRound: runs.map(([x]) => x) }), row('A', 'kcat', 1, { byRound: runs.map(([, y]) => y) }))!;
        const drifted = ratio(row('A', KW24, 1, { byRound: runs.map(([x, , d]) => x * d) }), row('A', 'kcat', 1, { byRound: runs.map(([, y, d]) => y * d) }))!;
        expect(drifted).toBeCloseTo(steady, 9);
      }),
    );
    // A ratio of medians has no such property: here it would say 1 (median 2 over median 2); the rounds say 2, 0.5 and 3.
    expect(ratio(row('A', KW24, 2, { byRound: [2, 1, 6] }), row('A', 'kcat', 2, { byRound: [1, 2, 2] }))).toBe(2);
  });

  it('roundFigures takes p50 for awaited sends, records/s otherwise, and null for a missing run', () => {
    const sample = { recordsPerSec: 10, mbPerSec: 1, cpuSeconds: 1, peakRssMb: 1 };
    expect(roundFigures([sample, undefined, { ...sample, p50Ms: 0.5 }])).toEqual([10, null, 0.5]);
  });
});

describe('bench table and RESULTS.md', () => {
  it('prints every row with median (min–max), both kafkawire ratios, n/a reasons and the micro rows', () => {
    const t = resultsTable(fake());
    const lines = t.split('\n');
    expect(lines).toHaveLength(2 + 8 + 1);
    const kafkajsA = lines.find((l) => l.startsWith('| A: test | 1 | KafkaJS |'))!;
    expect(kafkajsA).toContain('100,000 (90,000–110,000)');
    expect(kafkajsA).toContain('| 4.00× | 5.00× |');
    expect(lines.find((l) => l.includes('| kcat |') && l.startsWith('| C:'))).toContain('n/a (kcat cannot await one send before the next)');
    expect(lines.find((l) => l.startsWith('| C: test | 1 | KafkaJS |'))).toContain('3.00 (3.00–3.00) / 10.00 (10.00–10.00)');
    expect(t).toContain('one op = 2.0 memcpys');
    // With per-round figures, the ratio cell gives the rounds' range too.
    const paired = fake();
    paired.rows[1] = { ...paired.rows[1]!, byRound: [500, 400, 600] };
    paired.rows[2] = { ...paired.rows[2]!, byRound: [100, 100, 200] };
    expect(resultsTable(paired).split('\n').find((l) => l.startsWith('| A: test | 1 | KafkaJS |'))).toContain('| 4.00× | 4.00× (3.00–5.00) |');
  });

  it('writes the run facts and keeps the detail below the marker', () => {
    const first = resultsMarkdown(fake(), '# Benchmark results\n\nold intro\n\n## Producer end to end\n\nold numbers\n');
    expect(first).toContain('Test CPU, 2 cores, load average at start 0.10 0.20 0.30');
    expect(first).toContain('KafkaJS 2.2.4');
    expect(first).toContain('  - C: 2,000 sends');
    expect(first).toContain('median of 3 runs');
    expect(first).toContain('again and again for 30 s');
    const detail = first.slice(first.indexOf(DETAIL_MARKER));
    expect(detail).toContain('### Producer end to end');
    expect(detail).toContain('old numbers');
    // A second run keeps exactly what was below the marker.
    const second = resultsMarkdown({ ...fake(), meta: { ...fake().meta, cpuModel: 'Other CPU' } }, first);
    expect(second).toContain('Other CPU');
    expect(second).not.toContain('Test CPU');
    expect(keptDetail(second)).toBe(keptDetail(first));
    expect(second.split(DETAIL_MARKER)).toHaveLength(2);
  });
});

describe('bench SVG', () => {
  it('draws one bar per peer and workload with the Node 24 ratio, n/a where a side is missing', () => {
    const b = bars(fake());
    expect(b.map((x) => [x.group, x.peer, x.value === undefined ? undefined : Number(x.value.toFixed(2))])).toEqual([
      ['A: test, 1 node', 'KafkaJS', 5],
      ['A: test, 1 node', 'kcat', 0.5],
      ['C: test, 1 node', 'KafkaJS', 3],
      ['C: test, 1 node', 'kcat', undefined],
    ]);
    const svg = resultsSvg(fake());
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<rect x=/g)).toHaveLength(3);
    expect(svg).toContain('>5.00×<');
    expect(svg).toContain('>0.50×<');
    expect(svg).toContain('>n/a<');
    // Every element that opens closes (a cheap well-formedness check).
    const opens = (svg.match(/<(rect|text|svg|title)[\s>]/g) ?? []).length;
    const closes = (svg.match(/<\/(rect|text|svg|title)>/g) ?? []).length + (svg.match(/<rect [^>]*\/>/g) ?? []).length;
    expect(closes).toBe(opens);
  });

  it('leaves the wire floor out of the chart, while the table keeps its row and ratio', () => {
    const res = fake();
    res.clients.push(FLOOR);
    res.rows.push(row('A', FLOOR, 2_000_000));
    expect(bars(res).map((x) => x.peer)).not.toContain(FLOOR);
    expect(bars(res)).toHaveLength(bars(fake()).length);
    expect(resultsTable(res).split('\n').find((l) => l.startsWith(`| A: test | 1 | ${FLOOR} |`))).toContain('| 0.25× |');
  });
});
