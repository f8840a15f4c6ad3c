// `npm run bench:consume`: consumer throughput of kafkawire, KafkaJS and the
// Java client (ConsumerPerformance from the downloaded Kafka) on the same
// preloaded data in the same run, with kafkawire's ratio to each. Each
// client reads a 6-partition topic from the earliest offset with one
// consumer. Uses KAFKA_BOOTSTRAP if set, else starts a 3-node cluster.
// BENCH_QUICK=1 runs a quarter of the records.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConnectionPool } from '../../src/network/pool.js';
import type { CreateTopicsResponse } from '../../src/messages/generated/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'consume-worker.js');

interface Result {
  recordsPerSec: number;
  mbPerSec: number;
  cpuSeconds: number;
  peakRssMb: number;
}

const quick = process.env.BENCH_QUICK === '1';
const scale = quick ? 0.25 : 1;
const PARTITIONS = 6;
const WORKLOADS = [
  { size: 100, count: 1_000_000 * scale },
  { size: 1024, count: 200_000 * scale },
];
const CLIENTS = ['kafkawire', 'kafkawire-records', 'kafkajs', 'java'] as const;

async function createTopic(bootstrap: string, name: string): Promise<void> {
  const pool = new ConnectionPool({ bootstrapServers: bootstrap });
  await pool.start();
  const res = await pool.request<CreateTopicsResponse>('any', 'CreateTopics', {
    topics: [{ name, numPartitions: PARTITIONS, replicationFactor: Math.min(3, bootstrap.split(',').length), assignments: [], configs: [] }],
    timeoutMs: 30_000,
  });
  await pool.close();
  const code = res.topics[0]?.errorCode ?? -1;
  if (code !== 0 && code !== 36) throw new Error(`CreateTopics ${name} failed with error ${code}`);
  await new Promise((r) => setTimeout(r, 1000));
}

/** Preloads with the Java ProducerPerformance (random capital letters, so no codec would shrink them). */
function preload(libs: string, bootstrap: string, topic: string, count: number, size: number): void {
  const r = spawnSync('java', ['-Xmx512m', '-cp', path.join(libs, '*'), 'org.apache.kafka.tools.ProducerPerformance',
    '--topic', topic, '--num-records', String(count), '--record-size', String(size), '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${bootstrap}`, 'acks=1', 'linger.ms=20', 'batch.size=131072'], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`preloading ${topic} failed: ${r.stderr}`);
}

function runNode(client: string, bootstrap: string, topic: string, count: number): Result | string {
  // CPU and RSS of the whole process, start-up included, measured the same way as the Java rows.
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %U %S %M', process.execPath, worker, client, JSON.stringify({ bootstrap, topic, count, partitions: PARTITIONS })], { encoding: 'utf8', maxBuffer: 1 << 24, timeout: 600_000 });
  const t = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !t) return `failed: ${r.stderr.split('\n').slice(-3).join(' ')}`;
  const res = JSON.parse(r.stdout.trim().split('\n').pop() as string) as Result;
  return { ...res, cpuSeconds: Number(t[1]) + Number(t[2]), peakRssMb: Number(t[3]) / 1024 };
}

function runJava(libs: string, bootstrap: string, topic: string, count: number): Result | string {
  const args = ['-f', 'TIME %U %S %M', 'java', '-Xmx512m', '-cp', path.join(libs, '*'), 'org.apache.kafka.tools.ConsumerPerformance',
    '--bootstrap-server', bootstrap, '--topic', topic, '--num-records', String(count), '--group', `bench-java-${Date.now()}`, '--timeout', '60000'];
  const r = spawnSync('/usr/bin/time', args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const out = `${r.stdout}\n${r.stderr}`;
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const line = out.split('\n').find((l) => /^\d{4}-\d\d-\d\d .*, .*, /.test(l));
  const t = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(out);
  if (!line || !t) return `failed: ${out.split('\n').slice(-4).join(' ')}`;
  const f = line.split(',').map((s) => s.trim());
  return {
    // fetch.* leave out the time spent joining the group, as the Node rows start at the first record.
    recordsPerSec: Number(f[9]),
    mbPerSec: Number(f[8]) * 1.048576,
    cpuSeconds: Number(t[1]) + Number(t[2]),
    peakRssMb: Number(t[3]) / 1024,
  };
}

const fmt = (n: number | undefined, d = 0) => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(d));

async function main(): Promise<void> {
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
  console.log(`# consumer benchmark — ${new Date().toISOString()}${quick ? ' (BENCH_QUICK)' : ''}`);
  console.log(`machine: ${os.cpus()[0]?.model} × ${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; cluster: ${bootstrap}`);
  console.log('records/s and MB/s from the first record to the last (Java: fetch.nMsg.sec, which leaves out the group join); CPU s and peak RSS of the whole process, start-up included (/usr/bin/time).\n');
  console.log('| workload | client | records/s | MB/s | CPU s | peak RSS MB | kafkawire ÷ this (records/s) | kafkawire ÷ this (CPU s) |');
  console.log('|---|---|---|---|---|---|---|---|');
  try {
    for (const w of WORKLOADS) {
      const topic = `bench-consume-${w.size}-${Date.now().toString(36)}`;
      await createTopic(bootstrap, topic);
      preload(libs, bootstrap, topic, w.count, w.size);
      const label = `${w.count} × ${w.size} B, ${PARTITIONS} partitions`;
      const results: Record<string, Result | string> = {};
      for (const client of CLIENTS) results[client] = client === 'java' ? runJava(libs, bootstrap, topic, w.count) : runNode(client, bootstrap, topic, w.count);
      const ours = results.kafkawire;
      for (const [client, r] of Object.entries(results)) {
        if (typeof r === 'string') {
          console.log(`| ${label} | ${client} | ${r} | | | | | |`);
          continue;
        }
        const cmp = ours !== undefined && typeof ours !== 'string' && client !== 'kafkawire';
        const speed = cmp ? `${(ours.recordsPerSec / r.recordsPerSec).toFixed(2)}×` : '';
        const cpu = cmp ? `${(ours.cpuSeconds / r.cpuSeconds).toFixed(2)}×` : '';
        console.log(`| ${label} | ${client} | ${fmt(r.recordsPerSec)} | ${fmt(r.mbPerSec, 1)} | ${fmt(r.cpuSeconds, 2)} | ${fmt(r.peakRssMb)} | ${speed} | ${cpu} |`);
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
