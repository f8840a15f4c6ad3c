// `npm run bench [-- --quick] [-- --runs N --nodes 1,3 --workloads A,D --clients kcat,Java]`:
// every client on the same workloads in one run, against a local cluster the
// bench starts (one node, then three) or KAFKA_BOOTSTRAP. Prints one table and
// writes bench/RESULTS.md and bench/results.svg. See bench/lib/workloads.ts
// for the counts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchClient } from './clients/client.js';
import { javaClient } from './clients/java.js';
import { kcatClient, kcatVersion } from './clients/kcat.js';
import { nodeClient } from './clients/node.js';
import { cpuModel, javaVersion, kafkaJarVersion, loadAverage, node24, packageVersion } from './lib/env.js';
import { createTopics, deleteTopic, kafkaLibs, preload, repoRoot, startBenchCluster, type BenchCluster } from './lib/kafka.js';
import { runMicro } from './lib/micro.js';
import { checkTimeBinary, isShuttingDown, killChildren, shutDown } from './lib/proc.js';
import { roundFigures, summarize } from './lib/stats.js';
import { FLOOR, KW20, KW24, type BenchResults, type Row, type Sample, type Workload } from './lib/types.js';
import { plan, title } from './lib/workloads.js';
import { resultsMarkdown } from './report/markdown.js';
import { resultsSvg } from './report/svg.js';
import { resultsTable } from './report/table.js';

const here = fileURLToPath(import.meta.url);
const root = repoRoot(path.dirname(here));
const benchDir = path.join(root, 'bench');
const PARTITIONS = 6;
// A bound on the fresh-cluster warm-up runs, should a workload be very quick (the time bound is the plan's).
const MAX_WARM_UP_RUNS = 50;
// Below Linux's ephemeral range (32768+), where a client socket's local port can take a listener's port first; apart
// from the test harness's 19092.
const BASE_PORT = Number(process.env.BENCH_PORT ?? 29092);

const USAGE = `Usage: npm run bench [-- options]
  --quick              small counts, one run, one node (within 3 minutes)
  --runs <n>           runs per figure (default 3)
  --nodes <list>       cluster sizes, e.g. "1" (default "1,3")
  --workloads <list>   e.g. "A,B none,D" (default all)
  --clients <list>     e.g. "kafkawire node 24,kcat" (default all)
  --no-write           print the table only; leave bench/RESULTS.md and results.svg alone
  --scale <x>          multiply every count (to try the harness out)
KAFKA_BOOTSTRAP=host:port uses that cluster instead of starting one.`;

let parsed: ReturnType<typeof parseOptions>;
try {
  parsed = parseOptions();
} catch (e) {
  console.error(`${(e as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (parsed.help) {
  console.log(USAGE);
  process.exit(0);
}
const args = parsed;

function parseOptions() {
  return parseArgs({
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      nodes: { type: 'string' },
      workloads: { type: 'string' },
      clients: { type: 'string' },
      'no-write': { type: 'boolean', default: false },
      /** Multiplies every count (for trying the harness out with tiny runs). */
      scale: { type: 'string' },
    },
  }).values;
}

const log = (m: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}`);
let cluster: BenchCluster | null = null;
let seq = 0;
const unique = (what: string) => `bench-${what}-${Date.now().toString(36)}-${++seq}`;

async function stopCluster(): Promise<void> {
  const c = cluster;
  cluster = null;
  if (c) {
    log(`stopping the ${c.nodes}-node cluster`);
    await c.stop();
  }
}

function onSignal(sig: NodeJS.Signals): void {
  log(`${sig}: stopping every client and the cluster`);
  shutDown();
  stopCluster().finally(() => process.exit(130)).catch(() => process.exit(130));
}

async function runWorkload(w: Workload, clients: BenchClient[], bootstrap: string, nodes: number, runs: number, timeoutMs: number, tmp: string, dataTopic: () => Promise<string>, freshWarmUpMs: number | null): Promise<Row[]> {
  const active = clients.filter((c) => c.missing === null && c.unsupported(w) === null);
  const topics = new Map<string, string>();
  const slug = w.id.replace(/\W+/g, '');
  if (w.kind === 'produce' || w.kind === 'awaited') {
    for (const c of active) for (let r = 0; r < runs; r++) topics.set(`${c.label}#${r}`, unique(slug));
    if (topics.size > 0) await createTopics(bootstrap, nodes, [...topics.values()], PARTITIONS);
  }
  const shared = w.kind === 'consume' || w.kind === 'group' ? await dataTopic() : null;
  const drop = async (topic: string): Promise<void> => {
    const why = await deleteTopic(bootstrap, topic);
    if (why !== null) log(`${w.id}: could not delete ${topic} after the run (${why}); its data stays`);
  };
  const warmer = active[0];
  if (warmer !== undefined) {
    // On a fresh broker, the runs of the first seconds measured up to 3x slower than later ones, whichever client
    // went first (kcat too, when put first); kafkawire, first in the list, took that in every workload's first
    // round. So one client first runs the workload unmeasured: a quarter of it before each workload, and on a fresh
    // cluster the whole workload again and again for freshWarmUpMs: after one whole run, every client's first-round
    // runs of A still measured 0.5-0.7x its third-round ones, as the broker went on warming up for about a minute.
    // Its topic is its own (produce, a new one each time) or the shared one (consume).
    const fresh = freshWarmUpMs !== null;
    const warm = { ...w, count: fresh ? w.count : Math.ceil(w.count / 4) };
    const until = Date.now() + (freshWarmUpMs ?? 0);
    for (let n = 1; ; n++) {
      const topic = shared ?? unique(`${slug}-warmup`);
      let ok = true;
      try {
        if (shared === null) await createTopics(bootstrap, nodes, [topic], PARTITIONS);
        await warmer.run(warm, { bootstrap, topic, partitions: PARTITIONS, groupId: unique('group'), tmp, timeoutMs });
      } catch (e) {
        if (isShuttingDown()) throw e;
        log(`${w.id} ${nodes}n warm-up with ${warmer.label} failed (the runs go on): ${(e as Error).message}`);
        ok = false;
      }
      if (shared === null) await drop(topic);
      if (ok && fresh && Date.now() < until && n < MAX_WARM_UP_RUNS) continue;
      if (ok && fresh) log(`${w.id} ${nodes}n warm-up: ${n} unmeasured run(s) with ${warmer.label}`);
      break;
    }
  }
  // Each client's samples by round (undefined where a run is missing): the paired ratios (lib/stats.ts) need the rounds.
  const byRound = new Map<string, Array<Sample | undefined>>();
  const samplesOf = (label: string): Sample[] => (byRound.get(label) ?? []).filter((s): s is Sample => s !== undefined);
  const failures = new Map<string, string>();
  for (let r = 0; r < runs; r++) {
    // Each run starts with another client, so no client always follows the same one.
    const order = active.map((_, i) => active[(i + r) % active.length]!);
    for (const c of order) {
      if (failures.has(c.label)) continue;
      const topic = shared ?? topics.get(`${c.label}#${r}`)!;
      try {
        const s = await c.run(w, { bootstrap, topic, partitions: PARTITIONS, groupId: unique('group'), tmp, timeoutMs });
        const rounds = byRound.get(c.label) ?? new Array<Sample | undefined>(runs).fill(undefined);
        rounds[r] = s;
        byRound.set(c.label, rounds);
        log(`${w.id} ${nodes}n run ${r + 1}/${runs} ${c.label}: ${Math.round(s.recordsPerSec).toLocaleString('en-US')} rec/s, ${s.cpuSeconds.toFixed(2)} CPU s${s.p50Ms !== undefined ? `, p50 ${s.p50Ms.toFixed(2)} ms` : ''}`);
      } catch (e) {
        if (isShuttingDown()) throw e;
        failures.set(c.label, (e as Error).message);
        log(`${w.id} ${nodes}n ${c.label} FAILED: ${(e as Error).message}`);
      }
      if (shared === null) await drop(topic);
    }
  }
  return clients.map((c): Row => {
    const base = { workload: w.id, title: title(w), nodes, client: c.label };
    if (c.missing !== null) return { ...base, status: 'not installed', note: c.missing, runs: 0 };
    const why = c.unsupported(w);
    if (why !== null) return { ...base, status: 'n/a', note: why, runs: 0 };
    const f = failures.get(c.label);
    if (f !== undefined) return { ...base, status: 'failed', note: f, runs: samplesOf(c.label).length };
    const note = c.note?.(w);
    return { ...base, status: 'ok', ...(note ? { note } : {}), ...summarize(samplesOf(c.label)), byRound: roundFigures(byRound.get(c.label) ?? []) };
  });
}

async function main(): Promise<void> {
  const started = Date.now();
  const quick = args.quick ?? false;
  const p = plan(quick);
  const runs = args.runs ? Number(args.runs) : p.runs;
  const fromEnv = process.env.KAFKA_BOOTSTRAP;
  const nodeCounts = fromEnv ? [fromEnv.split(',').length] : args.nodes ? args.nodes.split(',').map(Number) : p.nodes;
  const only = args.workloads?.split(',').map((s) => s.trim());
  const scale = args.scale ? Number(args.scale) : 1;
  const workloads = p.workloads
    .filter((w) => !only || only.some((o) => w.id === o || w.id.startsWith(`${o} `)))
    .map((w) => ({ ...w, count: Math.max(1, Math.round(w.count * scale)) }));
  checkTimeBinary();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const loadAtStart = loadAverage();
  log(`${quick ? '--quick: small counts, 1 node, 1 run (a smoke test, not a measurement)' : `full run: ${runs} runs per figure on ${nodeCounts.join(' and ')} node(s)`}`);
  const libs = await kafkaLibs(root);
  log('finding Node 24 (npx -y -p node@24)');
  const n24 = node24();
  const kcat = kcatVersion();
  let clients: BenchClient[] = [
    nodeClient(KW20, 'kafkawire', process.execPath, process.version),
    nodeClient(KW24, 'kafkawire', n24?.bin ?? null, n24?.version ?? 'none'),
    nodeClient(`KafkaJS (Node ${process.versions.node.split('.')[0]})`, 'kafkajs', process.execPath, process.version),
    nodeClient('platformatic (Node 24)', 'platformatic', n24?.bin ?? null, n24?.version ?? 'none'),
    nodeClient(FLOOR, 'floor', n24?.bin ?? null, n24?.version ?? 'none'),
    javaClient(libs),
    kcatClient(kcat),
  ];
  const pick = args.clients?.split(',').map((s) => s.trim().toLowerCase());
  if (pick) clients = clients.filter((c) => pick.some((x) => c.label.toLowerCase().includes(x)));
  const versions: Record<string, string> = {
    'Node (kafkawire, KafkaJS)': process.version,
    'Node 24 (kafkawire, platformatic)': n24?.version ?? 'not found',
    kafkawire: (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version,
    KafkaJS: packageVersion(root, 'kafkajs') ?? 'not installed',
    '@platformatic/kafka': packageVersion(root, '@platformatic/kafka') ?? 'not installed',
    'Java client (ProducerPerformance, ConsumerPerformance)': `${kafkaJarVersion(libs)} on Java ${javaVersion()}`,
    kcat: kcat ?? 'not installed',
  };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kafkawire-bench-data-'));
  const rows: Row[] = [];
  const clusterText: string[] = [];
  try {
    for (const nodes of nodeCounts) {
      let bootstrap = fromEnv;
      if (!bootstrap) {
        log(`starting a ${nodes}-node cluster on port base ${BASE_PORT}`);
        cluster = await startBenchCluster(root, nodes, BASE_PORT);
        bootstrap = cluster.bootstrap;
        clusterText.push(`${nodes} KRaft node(s) of Kafka ${kafkaJarVersion(libs)} started by the bench on this machine (each broker + controller, -Xmx512m), replication factor ${Math.min(3, nodes)}`);
      } else clusterText.push(`KAFKA_BOOTSTRAP ${bootstrap} (${nodes} node(s), replication factor ${Math.min(3, nodes)})`);
      let data: Promise<string> | null = null;
      const dataTopic = () => {
        data ??= (async () => {
          const consumeCount = Math.max(...workloads.filter((w) => w.kind === 'consume' || w.kind === 'group').map((w) => w.count));
          const t = unique('data');
          await createTopics(bootstrap!, nodes, [t], PARTITIONS);
          log(`preloading ${consumeCount.toLocaleString('en-US')} × 100 B into ${t} with ProducerPerformance`);
          await preload(libs, bootstrap!, t, consumeCount, 100);
          return t;
        })();
        return data;
      };
      for (const [i, w] of workloads.entries()) {
        rows.push(...(await runWorkload(w, clients, bootstrap, nodes, runs, p.timeoutMs, tmp, dataTopic, i === 0 && !fromEnv ? p.freshWarmUpMs : null)));
      }
      await stopCluster();
    }
    const micro = only && !only.includes('F') ? [] : await runMicro([{ runtime: process.version, bin: process.execPath }, ...(n24 ? [{ runtime: n24.version, bin: n24.bin }] : [])], runs, p.microMs, log);
    const res: BenchResults = {
      meta: {
        date: new Date(started).toISOString().replace(/\.\d+Z$/, 'Z'),
        cpuModel: cpuModel(),
        cores: os.availableParallelism(),
        loadAverage: loadAtStart,
        quick,
        runs,
        clusters: clusterText.join('; '),
        versions,
        scaled: args.runs || args.nodes || only || pick || args.scale ? [...p.scaled, `this run was narrowed on the command line: ${process.argv.slice(2).join(' ')}`] : p.scaled,
        freshWarmUpSeconds: p.freshWarmUpMs / 1000,
        durationSeconds: (Date.now() - started) / 1000,
      },
      clients: clients.map((c) => c.label),
      rows,
      micro,
    };
    console.log(quick ? '\n--quick: small counts, one node, one run per figure: a smoke test of the harness, not a measurement.\n' : `\nMedian (min–max) of ${runs} runs.\n`);
    console.log(resultsTable(res));
    if (!args['no-write']) {
      const file = path.join(benchDir, 'RESULTS.md');
      const previous = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
      fs.writeFileSync(file, resultsMarkdown(res, previous));
      fs.writeFileSync(path.join(benchDir, 'results.svg'), resultsSvg(res));
      log(`wrote bench/RESULTS.md and bench/results.svg (${Math.round(res.meta.durationSeconds)} s in all)`);
    }
  } finally {
    killChildren();
    await stopCluster();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  if (isShuttingDown()) return; // the signal handler stops the cluster and exits
  console.error(e);
  shutDown();
  stopCluster().finally(() => process.exit(1)).catch(() => process.exit(1));
});
