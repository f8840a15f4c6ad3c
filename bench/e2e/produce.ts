// `npm run bench:produce`: producer throughput and latency of kafkawire, KafkaJS
// and the Java client (ProducerPerformance from the downloaded Kafka), the same
// workloads in the same run against the same local cluster, with kafkawire's
// ratio to each. Uses KAFKA_BOOTSTRAP if set, else starts a 3-node cluster.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConnectionPool } from '../../src/network/pool.js';
import type { CreateTopicsResponse } from '../../src/messages/generated/index.js';
import { zstdAvailable } from '../../src/records/compression/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'produce-worker.js');

interface Workload {
  size: number;
  count: number;
  acks: 'all' | 1;
  compression: 'none' | 'lz4' | 'zstd';
  mode: 'throughput' | 'latency';
}

interface Result {
  recordsPerSec: number;
  mbPerSec: number;
  cpuSeconds: number;
  peakRssMb: number;
  p50?: number;
  p99?: number;
}

const quick = process.env.BENCH_QUICK === '1';
const scale = quick ? 0.25 : 1;
const WORKLOADS: Workload[] = [
  { size: 100, count: 200_000 * scale, acks: 1, compression: 'none', mode: 'throughput' },
  { size: 100, count: 200_000 * scale, acks: 'all', compression: 'none', mode: 'throughput' },
  { size: 1024, count: 50_000 * scale, acks: 1, compression: 'none', mode: 'throughput' },
  { size: 1024, count: 50_000 * scale, acks: 'all', compression: 'none', mode: 'throughput' },
  { size: 1024, count: 50_000 * scale, acks: 'all', compression: 'lz4', mode: 'throughput' },
  { size: 1024, count: 50_000 * scale, acks: 'all', compression: 'zstd', mode: 'throughput' },
  { size: 100, count: 2000 * scale, acks: 'all', compression: 'none', mode: 'latency' },
];

async function createTopic(bootstrap: string, name: string): Promise<void> {
  const pool = new ConnectionPool({ bootstrapServers: bootstrap });
  await pool.start();
  const res = await pool.request<CreateTopicsResponse>('any', 'CreateTopics', {
    topics: [{ name, numPartitions: 6, replicationFactor: Math.min(3, bootstrap.split(',').length), assignments: [], configs: [] }],
    timeoutMs: 30_000,
  });
  await pool.close();
  const code = res.topics[0]?.errorCode ?? -1;
  if (code !== 0 && code !== 36) throw new Error(`CreateTopics ${name} failed with error ${code}`);
  await new Promise((r) => setTimeout(r, 1000));
}

function runNode(client: string, w: Workload, bootstrap: string, topic: string): Result | string {
  const zstdNeedsNode = w.compression === 'zstd' && !zstdAvailable();
  if (client === 'kafkajs' && w.compression !== 'none') return 'n/a (no built-in codec)';
  if (client.startsWith('kafkawire') && zstdNeedsNode) return `n/a (zstd needs Node 22.15+; this is ${process.version})`;
  // BENCH_BASELINE_WORKER: a produce-worker.js built from an earlier checkout, run as "kafkawire (before)".
  const [file, name] = client === 'kafkawire (before)' ? [process.env.BENCH_BASELINE_WORKER as string, 'kafkawire'] : [worker, client];
  const r = spawnSync(process.execPath, [file, name, JSON.stringify({ ...w, bootstrap, topic })], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return `failed: ${r.stderr.split('\n').slice(-3).join(' ')}`;
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Result;
}

function runJava(libs: string, w: Workload, bootstrap: string, topic: string): Result | string {
  const props = [`bootstrap.servers=${bootstrap}`, `acks=${w.acks}`, `compression.type=${w.compression}`, `linger.ms=${w.mode === 'latency' ? 0 : 5}`];
  const args = ['-f', 'TIME %U %S %M', 'java', '-Xmx512m', '-cp', path.join(libs, '*'), 'org.apache.kafka.tools.ProducerPerformance',
    '--topic', topic, '--num-records', String(w.count), '--record-size', String(w.size),
    '--throughput', w.mode === 'latency' ? '200' : '-1', '--producer-props', ...props];
  const r = spawnSync('/usr/bin/time', args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const out = `${r.stdout}\n${r.stderr}`;
  const m = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, [\d.]+ ms max latency, (\d+) ms 50th, \d+ ms 95th, (\d+) ms 99th/.exec(out);
  const t = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(out);
  if (!m || !t) return `failed: ${out.split('\n').slice(-4).join(' ')}`;
  return {
    recordsPerSec: Number(m[2]),
    mbPerSec: Number(m[3]) * 1.048576,
    cpuSeconds: Number(t[1]) + Number(t[2]),
    peakRssMb: Number(t[3]) / 1024,
    p50: w.mode === 'latency' ? Number(m[5]) : undefined,
    p99: w.mode === 'latency' ? Number(m[6]) : undefined,
  };
}

const fmt = (n: number | undefined, d = 0) => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(d));

async function main(): Promise<void> {
  // The harness is plain JavaScript outside this build; load it from the repository at run time.
  type Cluster = { bootstrap(): string; stop(): Promise<void> };
  const { startCluster } = (await import(pathToFileURL(path.join(root, 'test/kafka/cluster.mjs')).href)) as { startCluster(o: object): Promise<Cluster> };
  const { ensureKafka } = (await import(pathToFileURL(path.join(root, 'test/kafka/download.mjs')).href)) as { ensureKafka(): string };
  const libs = ensureKafka();
  let cluster: Cluster | null = null;
  let bootstrap = process.env.KAFKA_BOOTSTRAP;
  if (!bootstrap) {
    cluster = await startCluster({ nodes: 3, basePort: 24092 });
    bootstrap = cluster.bootstrap();
  }
  console.log(`# producer benchmark — ${new Date().toISOString()}`);
  console.log(`machine: ${os.cpus()[0]?.model} × ${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; cluster: ${bootstrap} (3 KRaft nodes on this machine)\n`);
  console.log('| workload | client | records/s | MB/s | CPU s | peak RSS MB | p50 ms | p99 ms | kafkawire ÷ this |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  try {
    for (const w of WORKLOADS) {
      const label = w.mode === 'latency' ? `latency, ${w.size} B, acks ${w.acks}, one awaited send at a time` : `${w.count} × ${w.size} B, acks ${w.acks}, ${w.compression}`;
      const results: Record<string, Result | string> = {};
      const clients = ['kafkawire', ...(process.env.BENCH_BASELINE_WORKER ? ['kafkawire (before)'] : []), 'kafkajs', 'java'];
      for (const client of clients) {
        const topic = `bench-${client.replace(/\W+/g, '-')}-${Date.now().toString(36)}`;
        await createTopic(bootstrap, topic);
        results[client] = client === 'java' ? runJava(libs, w, bootstrap, topic) : runNode(client, w, bootstrap, topic);
      }
      const ours = results.kafkawire;
      for (const [client, r] of Object.entries(results)) {
        if (typeof r === 'string') {
          console.log(`| ${label} | ${client} | ${r} | | | | | | |`);
          continue;
        }
        let ratio = '';
        if (ours !== undefined && typeof ours !== 'string' && client !== 'kafkawire') {
          ratio = w.mode === 'latency' ? `p50 ${(ours.p50! / r.p50!).toFixed(2)}× (lower is better)` : `${(ours.recordsPerSec / r.recordsPerSec).toFixed(2)}×`;
        }
        console.log(`| ${label} | ${client} | ${fmt(r.recordsPerSec)} | ${fmt(r.mbPerSec, 1)} | ${fmt(r.cpuSeconds, 2)} | ${fmt(r.peakRssMb)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${ratio} |`);
      }
    }
  } finally {
    await cluster?.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
