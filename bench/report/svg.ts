// bench/results.svg: kafkawire's ratio to each peer per workload and cluster
// size, as horizontal bars on a log scale around 1× (right of the line:
// kafkawire did better). Hand-written SVG text, no dependency.
import { ratio } from '../lib/stats.js';
import { FLOOR, KW20, KW24, type BenchResults, type Row } from '../lib/types.js';

const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2'];
const MIN = 0.1;
const MAX = 10;

export interface Bar {
  group: string;
  peer: string;
  /** kafkawire ÷ peer; undefined when one side has no figure (drawn as "n/a"). */
  value: number | undefined;
  /** Which kafkawire row the ratio uses. */
  ours: string;
}

/** One bar per workload, cluster size and peer; kafkawire under Node 24 is the reference, Node 20 where 24 has no figure. */
export function bars(res: BenchResults): Bar[] {
  // The wire floor is no peer: the table gives kafkawire's share of it.
  const peers = res.clients.filter((c) => c !== KW20 && c !== KW24 && c !== FLOOR);
  const out: Bar[] = [];
  const groups = new Map<string, Row[]>();
  for (const r of res.rows) {
    const key = `${r.title}, ${r.nodes} node${r.nodes === 1 ? '' : 's'}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  for (const [group, rows] of groups) {
    const kw24 = rows.find((r) => r.client === KW24);
    const kw20 = rows.find((r) => r.client === KW20);
    const ours = kw24?.status === 'ok' ? kw24 : kw20;
    for (const peer of peers) {
      const p = rows.find((r) => r.client === peer);
      if (!p) continue;
      out.push({ group, peer, value: ratio(ours, p), ours: ours?.client ?? KW24 });
    }
  }
  return out;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function resultsSvg(res: BenchResults): string {
  const all = bars(res);
  const peers = [...new Set(all.map((b) => b.peer))];
  const groups = [...new Set(all.map((b) => b.group))];
  const left = 200;
  const plot = 600;
  const barH = 12;
  const top = 70;
  const x = (v: number) => left + (plot * (Math.log10(Math.min(MAX, Math.max(MIN, v))) - Math.log10(MIN))) / (Math.log10(MAX) - Math.log10(MIN));
  const parts: string[] = [];
  let y = top;
  for (const g of groups) {
    const gb = all.filter((b) => b.group === g);
    parts.push(`<text x="10" y="${y + 10}" font-weight="bold">${esc(g)}</text>`);
    y += 14;
    for (const b of gb) {
      const color = COLORS[peers.indexOf(b.peer) % COLORS.length]!;
      parts.push(`<text x="${left - 8}" y="${y + 10}" text-anchor="end">${esc(b.peer)}</text>`);
      if (b.value === undefined) {
        parts.push(`<text x="${x(1) + 4}" y="${y + 10}" fill="#888">n/a</text>`);
      } else {
        const x0 = Math.min(x(1), x(b.value));
        const w = Math.max(1, Math.abs(x(b.value) - x(1)));
        parts.push(`<rect x="${x0.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${color}"><title>${esc(`${b.ours} ÷ ${b.peer}: ${b.value.toFixed(2)}×`)}</title></rect>`);
        const tx = b.value >= 1 ? x(b.value) + 4 : x(b.value) - 4;
        parts.push(`<text x="${tx.toFixed(1)}" y="${y + 10}" text-anchor="${b.value >= 1 ? 'start' : 'end'}">${b.value.toFixed(2)}×</text>`);
      }
      y += barH + 4;
    }
    y += 8;
  }
  const height = y + 30;
  const ticks = [0.1, 0.2, 0.5, 1, 2, 5, 10]
    .map((t) => `<line x1="${x(t).toFixed(1)}" y1="${top - 6}" x2="${x(t).toFixed(1)}" y2="${y}" stroke="${t === 1 ? '#000' : '#ddd'}"/>` +
      `<text x="${x(t).toFixed(1)}" y="${y + 14}" text-anchor="middle">${t}×</text>`)
    .join('\n');
  const title = `kafkawire ÷ each peer (records/s; awaited sends: the peer's p50 ÷ kafkawire's) — right of 1×: kafkawire better`;
  const sub = `${res.meta.date}, ${res.meta.cpuModel}, ${res.meta.cores} cores${res.meta.quick ? ', --quick (small counts, 1 run)' : `, median of ${res.meta.runs} runs`}; kafkawire on Node 24 (Node 20 where 24 has no figure)`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + plot + 80}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<text x="10" y="38" fill="#555">${esc(sub)}</text>`,
    ticks,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
