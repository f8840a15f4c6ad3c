// The one results table (Markdown, also what the terminal shows): a row per
// workload, cluster size and client, then the micro-benchmarks (F).
import { pairedRatios, ratio, stat } from '../lib/stats.js';
import { KW20, KW24, type BenchResults, type MicroRow, type Row, type Stat } from '../lib/types.js';

/** 1234567 → "1,234,567"; small numbers keep `digits` decimals. */
export function num(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return '–';
  const d = Math.abs(n) >= 100 ? 0 : digits;
  return n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

/** "median (min–max)" over several runs, just the median for one. */
export function statText(s: Stat | undefined, digits = 0, runs = 1): string {
  if (!s) return '–';
  return runs > 1 ? `${num(s.median, digits)} (${num(s.min, digits)}–${num(s.max, digits)})` : num(s.median, digits);
}

/** "1.23×", with the range of the rounds' own ratios where there are several. */
function ratioText(ours: Row | undefined, peer: Row): string {
  const r = ratio(ours, peer);
  if (r === undefined) return '';
  const rounds = pairedRatios(ours, peer);
  if (rounds.length < 2) return `${r.toFixed(2)}×`;
  const { min, max } = stat(rounds);
  return `${r.toFixed(2)}× (${min.toFixed(2)}–${max.toFixed(2)})`;
}

function find(rows: Row[], like: Row, client: string): Row | undefined {
  return rows.find((r) => r.workload === like.workload && r.nodes === like.nodes && r.client === client);
}

export const TABLE_HEADER = ['workload', 'nodes', 'client', 'records/s', 'MB/s', 'CPU s', 'peak RSS MB', 'p50 / p99 ms', `${KW20} ÷ this`, `${KW24} ÷ this`, 'note'];

function rowCells(rows: Row[], r: Row): string[] {
  const base = [r.title, String(r.nodes), r.client];
  if (r.status !== 'ok') return [...base, r.status === 'failed' ? 'failed' : (r.note ?? r.status), '', '', '', '', '', '', r.status === 'failed' ? (r.note ?? '') : ''];
  const lat = r.p50Ms ? `${statText(r.p50Ms, 2, r.runs)} / ${statText(r.p99Ms, 2, r.runs)}` : '';
  const vs = (kw: string) => (r.client === kw ? '' : ratioText(find(rows, r, kw), r));
  return [...base, statText(r.recordsPerSec, 0, r.runs), statText(r.mbPerSec, 1, r.runs), statText(r.cpuSeconds, 2, r.runs),
    statText(r.peakRssMb, 0, r.runs), lat, vs(KW20), vs(KW24), r.note ?? ''];
}

function microCells(m: MicroRow, runs: number): string[] {
  return [`F ${m.op}`, '–', `kafkawire ${m.runtime}`, '', statText(m.mbPerSec, 1, runs), '', '', '', '', '',
    `memcpy of the same bytes ${num(m.memcpyMbPerSec.median)} MB/s: one op = ${m.memcpyTimes.toFixed(1)} memcpys`];
}

const escape = (s: string): string => s.replace(/\|/g, '\\|');

export function markdownTable(header: string[], body: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map(escape).join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...body.map(line)].join('\n');
}

export function resultsTable(res: BenchResults): string {
  const body = res.rows.map((r) => rowCells(res.rows, r));
  for (const m of res.micro) body.push(microCells(m, res.meta.runs));
  return markdownTable(TABLE_HEADER, body);
}
