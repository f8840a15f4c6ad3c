// One producer benchmark run in its own process, so CPU time and peak RSS
// belong to that client alone. Prints one JSON line with the result.
// Usage: node produce-worker.js <client> <json options>
import { createRequire } from 'node:module';
import { Producer } from '../../src/index.js';

interface Options {
  bootstrap: string;
  topic: string;
  count: number;
  size: number;
  acks: 'all' | 1;
  compression: 'none' | 'lz4' | 'zstd' | 'gzip' | 'snappy';
  mode: 'throughput' | 'latency';
}

/** Payloads like ProducerPerformance's: random capital letters, a pool of 1000 distinct ones. */
function payloads(size: number): Buffer[] {
  let seed = 12345;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return Array.from({ length: 1000 }, () => Buffer.from(Array.from({ length: size }, () => 65 + Math.floor(rnd() * 26))));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function kafkawire(o: Options, values: Buffer[]): Promise<number[]> {
  // The defaults, as a new user would run it (natural batching; lingerMs 5 as the upper bound).
  const p = new Producer({
    bootstrapServers: o.bootstrap,
    acks: o.acks,
    compressionType: o.compression,
  });
  await p.connect();
  await p.send({ topic: o.topic, value: values[0]! });
  const lat: number[] = [];
  if (o.mode === 'latency') {
    for (let i = 0; i < o.count; i++) {
      const t = process.hrtime.bigint();
      await p.send({ topic: o.topic, value: values[i % 1000]! });
      lat.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  } else {
    const window = 20_000;
    let pending: Array<Promise<unknown>> = [];
    for (let i = 0; i < o.count; i++) {
      pending.push(p.send({ topic: o.topic, value: values[i % 1000]! }));
      if (pending.length >= window) {
        await Promise.all(pending);
        pending = [];
      }
    }
    await Promise.all(pending);
  }
  await p.close();
  return lat;
}

async function kafkajs(o: Options, values: Buffer[]): Promise<number[]> {
  const require = createRequire(import.meta.url);
  const { Kafka, logLevel, CompressionTypes } = require('kafkajs') as typeof import('kafkajs');
  const kafka = new Kafka({ brokers: o.bootstrap.split(','), logLevel: logLevel.NOTHING });
  const p = kafka.producer({ allowAutoTopicCreation: false });
  await p.connect();
  const acks = o.acks === 'all' ? -1 : 1;
  const compression = o.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  const lat: number[] = [];
  if (o.mode === 'latency') {
    for (let i = 0; i < o.count; i++) {
      const t = process.hrtime.bigint();
      await p.send({ topic: o.topic, acks, compression, messages: [{ value: values[i % 1000]! }] });
      lat.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  } else {
    // KafkaJS batches per send() call: 1000 records a call, 5 calls in flight.
    const per = 1000;
    let next = 0;
    const worker = async () => {
      while (next < o.count) {
        const from = next;
        next += per;
        const messages = [];
        for (let i = from; i < Math.min(from + per, o.count); i++) messages.push({ value: values[i % 1000]! });
        await p.send({ topic: o.topic, acks, compression, messages });
      }
    };
    await Promise.all(Array.from({ length: 5 }, worker));
  }
  await p.disconnect();
  return lat;
}

async function main(): Promise<void> {
  const client = process.argv[2];
  const o = JSON.parse(process.argv[3] ?? '{}') as Options;
  const values = payloads(o.size);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const lat = client === 'kafkajs' ? await kafkajs(o, values) : await kafkawire(o, values);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  lat.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      client,
      seconds,
      recordsPerSec: o.count / seconds,
      mbPerSec: (o.count * o.size) / seconds / 1e6,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      p50: lat.length ? percentile(lat, 50) : undefined,
      p99: lat.length ? percentile(lat, 99) : undefined,
    }),
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
