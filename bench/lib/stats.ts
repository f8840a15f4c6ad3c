// Median, min and max of repeated runs, and kafkawire's ratio to a peer.
import type { Row, Sample, Stat } from './types.js';

/** (a + b) / 2, without overflowing to Infinity when both are near the largest double. */
function midpoint(a: number, b: number): number {
  const m = (a + b) / 2;
  return Number.isFinite(m) ? m : a / 2 + b / 2;
}

export function stat(values: number[]): Stat {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid]! : midpoint(s[mid - 1]!, s[mid]!);
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

/** Folds the samples of one client and workload into a row's figures (status stays the caller's). */
export function summarize(samples: Sample[]): Pick<Row, 'recordsPerSec' | 'mbPerSec' | 'cpuSeconds' | 'peakRssMb' | 'p50Ms' | 'p99Ms' | 'runs'> {
  const pick = (f: (s: Sample) => number | undefined): Stat | undefined => {
    const v = samples.map(f).filter((x): x is number => x !== undefined && Number.isFinite(x));
    return v.length > 0 ? stat(v) : undefined;
  };
  return {
    runs: samples.length,
    recordsPerSec: pick((s) => s.recordsPerSec),
    mbPerSec: pick((s) => s.mbPerSec),
    cpuSeconds: pick((s) => s.cpuSeconds),
    peakRssMb: pick((s) => s.peakRssMb),
    p50Ms: pick((s) => s.p50Ms),
    p99Ms: pick((s) => s.p99Ms),
  };
}

/** The figure each ratio compares, per round: p50 where the samples have one (awaited sends), records/s otherwise. */
export function roundFigures(byRound: Array<Sample | undefined>): Array<number | null> {
  return byRound.map((s) => (s === undefined ? null : (s.p50Ms ?? s.recordsPerSec)));
}

/**
 * kafkawire's row over a peer's, so that above 1 always means kafkawire did
 * better: records/s over records/s, and for awaited sends (C) the peer's p50
 * over kafkawire's. Undefined when either side has no figure.
 *
 * Where both rows have per-round figures, it is the median of the rounds'
 * ratios: the two runs of a round ran minutes closer together than runs of
 * different rounds, so the machine's drift (which moved every client's speed
 * by up to 2x between rounds here) cancels out of each round's ratio.
 */
export function ratio(ours: Row | undefined, peer: Row | undefined): number | undefined {
  if (!ours || !peer || ours.status !== 'ok' || peer.status !== 'ok') return undefined;
  const paired = pairedRatios(ours, peer);
  if (paired.length > 0) return stat(paired).median;
  if (ours.p50Ms && peer.p50Ms) return ours.p50Ms.median > 0 ? peer.p50Ms.median / ours.p50Ms.median : undefined;
  if (ours.recordsPerSec && peer.recordsPerSec && peer.recordsPerSec.median > 0) return ours.recordsPerSec.median / peer.recordsPerSec.median;
  return undefined;
}

/** Each round's ratio (as ratio() orients it), over the rounds where both rows have a figure. */
export function pairedRatios(ours: Row | undefined, peer: Row | undefined): number[] {
  const a = ours?.byRound;
  const b = peer?.byRound;
  if (!a || !b || ours?.status !== 'ok' || peer?.status !== 'ok') return [];
  // As in ratio(): awaited sends (C) compare p50, where lower is better.
  const latency = ours.p50Ms !== undefined && peer.p50Ms !== undefined;
  const rs: number[] = [];
  for (let r = 0; r < Math.min(a.length, b.length); r++) {
    const x = a[r] ?? 0;
    const y = b[r] ?? 0;
    if (x > 0 && y > 0) rs.push(latency ? y / x : x / y);
  }
  return rs;
}
