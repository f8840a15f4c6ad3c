// One consumer benchmark run in its own process, so CPU time and peak RSS
// belong to that client alone. Prints one JSON line with the result.
// Usage: node consume-worker.js <client> <json options>
import { createRequire } from 'node:module';
import { Consumer } from '../../src/consumer/index.js';

interface Options {
  bootstrap: string;
  topic: string;
  partitions: number;
  count: number;
}

interface Progress {
  records: number;
  bytes: number;
  /** When the first record arrived (hrtime ns). */
  first: bigint;
}

async function kafkawire(o: Options, mode: 'batches' | 'records', p: Progress): Promise<void> {
  const c = new Consumer({ bootstrapServers: o.bootstrap, autoOffsetReset: 'earliest' });
  c.assign(Array.from({ length: o.partitions }, (_, partition) => ({ topic: o.topic, partition })));
  if (mode === 'batches') {
    for await (const b of c.batches()) {
      if (p.records === 0) p.first = process.hrtime.bigint();
      const rs = b.records;
      for (let i = 0; i < rs.length; i++) p.bytes += rs[i]!.value!.length;
      p.records += rs.length;
      if (p.records >= o.count) break;
    }
  } else {
    for await (const r of c) {
      if (p.records === 0) p.first = process.hrtime.bigint();
      p.bytes += r.value!.length;
      if (++p.records >= o.count) break;
    }
  }
  await c.close();
}

async function kafkajs(o: Options, p: Progress): Promise<void> {
  const require = createRequire(import.meta.url);
  const { Kafka, logLevel } = require('kafkajs') as typeof import('kafkajs');
  const kafka = new Kafka({ brokers: o.bootstrap.split(','), logLevel: logLevel.NOTHING });
  const c = kafka.consumer({ groupId: `bench-kafkajs-${Date.now()}`, maxBytes: 52_428_800, maxBytesPerPartition: 1_048_576 });
  await c.connect();
  await c.subscribe({ topic: o.topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    c.run({
      eachBatch: async ({ batch }) => {
        if (p.records === 0) p.first = process.hrtime.bigint();
        for (const m of batch.messages) p.bytes += m.value?.length ?? 0;
        p.records += batch.messages.length;
        if (p.records >= o.count) resolve();
      },
    }).catch(reject);
  });
  await c.disconnect();
}

async function main(): Promise<void> {
  const client = process.argv[2];
  const o = JSON.parse(process.argv[3] ?? '{}') as Options;
  const p: Progress = { records: 0, bytes: 0, first: 0n };
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let end = 0n;
  const done = (async () => {
    if (client === 'kafkajs') await kafkajs(o, p);
    else await kafkawire(o, client === 'kafkawire-records' ? 'records' : 'batches', p);
  })();
  // The clock stops at the last record, not after close (which waits for the group or a fetch in flight).
  const watch = setInterval(() => {
    if (end === 0n && p.records >= o.count) end = process.hrtime.bigint();
  }, 1);
  await done;
  clearInterval(watch);
  if (end === 0n) end = process.hrtime.bigint();
  const seconds = Number(end - p.first) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({
      client,
      seconds,
      totalSeconds: Number(end - t0) / 1e9,
      records: p.records,
      recordsPerSec: p.records / seconds,
      mbPerSec: p.bytes / seconds / 1e6,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
