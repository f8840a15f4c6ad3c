// bench/RESULTS.md: the run's facts (date, machine, versions, what was
// scaled), the table and the chart, above a marker; everything below the
// marker is hand-written detail from earlier, narrower benchmarks, kept as is.
import { FLOOR, type BenchResults } from '../lib/types.js';
import { resultsTable } from './table.js';

export const DETAIL_MARKER = '<!-- npm run bench rewrites everything above this line and keeps everything below it -->';

/** The detail part of an existing RESULTS.md: what follows the marker, or (first time) the whole old file under a "Detail" heading. */
export function keptDetail(previous: string | null): string {
  if (!previous) return '';
  const at = previous.indexOf(DETAIL_MARKER);
  if (at >= 0) return previous.slice(at + DETAIL_MARKER.length).replace(/^\n+/, '');
  const lines = previous.split('\n');
  if (lines[0]?.startsWith('# ')) lines.shift();
  const body = lines.map((l) => (/^#{1,5} /.test(l) ? `#${l}` : l)).join('\n').replace(/^\n+/, '');
  return `## Detail: earlier, narrower benchmarks\n\nMeasured before \`npm run bench\` existed, each with the command and date it names; kept for their detail\n(per-codec tables, profiles, before/after comparisons). Later changes may have moved their figures.\n\n${body}`;
}

export function resultsMarkdown(res: BenchResults, previous: string | null): string {
  const m = res.meta;
  const versions = Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join('; ');
  const out = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench${m.quick ? ' -- --quick' : ''}\` on ${m.date} in ${Math.round(m.durationSeconds)} s. Numbers from one machine: compare ratios, not absolute values, across machines.`,
    '',
    `- Machine: ${m.cpuModel}, ${m.cores} cores, load average at start ${m.loadAverage}.`,
    `- Clusters: ${m.clusters}.`,
    `- Versions: ${versions}.`,
    m.quick
      ? '- **--quick**: small counts, one node, one run per figure: a smoke test of the harness, not a measurement.'
      : `- Each figure: median of ${m.runs} runs, with (min–max).`,
    ...(m.scaled.length > 0 ? ['- Scaled from the issue\'s workloads to fit the time budget:', ...m.scaled.map((s) => `  - ${s}`)] : []),
    '',
    'How each figure is measured:',
    '',
    '- Every client runs in its own process (three for Java and kcat in E); **CPU s** and **peak RSS** are that process\'s, from',
    '  GNU time (`/usr/bin/time -f "%U %S %M"`), start-up included (for Java: the JVM\'s start and JIT); E sums its processes.',
    '- Node clients: records/s from the first send after connecting to the last acknowledgement, or from the first record',
    '  consumed to the last. Java: ProducerPerformance\'s own figure; ConsumerPerformance\'s fetch.nMsg.sec. kcat: the',
    '  process\'s wall time, start-up included (for E, from starting the three processes).',
    '- Each produce run writes a fresh 6-partition topic, deleted after the run (the bench\'s brokers delete files within a',
    '  second, so a run\'s data leaves the page cache before the kernel writes it back during later runs); D and E read one',
    '  preloaded topic per cluster, each client and run with a fresh group (kafkawire reads D with assign(), no group).',
    '- Before a workload\'s measured runs, its first client runs a quarter of it unmeasured. On a fresh cluster, the first',
    `  workload runs in full instead, again and again for ${m.freshWarmUpSeconds} s (at least once): on a fresh broker, whichever client went`,
    '  first measured up to 3× slower, and the broker went on getting faster for about a minute of load.',
    '- Ratios: kafkawire ÷ the peer, so above 1× kafkawire did better: records/s over records/s; for C (awaited sends) the',
    '  peer\'s p50 over kafkawire\'s. Each round of runs runs every client once, one after another; a ratio is the median of',
    '  the rounds\' own ratios, with their (min–max). This machine\'s speed drifted by up to 2× from one round to the next,',
    '  for every client alike, and a round\'s ratio cancels that out where a ratio of medians from different rounds does not.',
    '- A row\'s note says where a client was run differently. The Node clients produce A and B in calls of 1000 records, 5',
    '  calls in flight: KafkaJS\'s and platformatic\'s `send()` take an array, kafkawire\'s `sendBatch()` does. Java cannot',
    '  await each send, so C paces ProducerPerformance instead.',
    '- kafkawire with one `send()` per record (a promise each) is measured by `npm run bench:produce`.',
    `- **${FLOOR}** is no client: it sends A and B as requests encoded before its clock starts, each one batch of about`,
    '  1 MB (below the broker\'s default max.message.bytes), 5 in flight per broker. It is the most these brokers take over',
    '  this loopback, so "kafkawire ÷ this" is the share of it kafkawire reaches, and the time between the two is client work.',
    '',
    resultsTable(res),
    '',
    '![kafkawire ÷ each peer](results.svg)',
    '',
    DETAIL_MARKER,
    '',
    keptDetail(previous),
  ];
  return `${out.join('\n').trimEnd()}\n`;
}
