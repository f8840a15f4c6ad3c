// kafkawire with its defaults, as a new user would run it (only acks,
// idempotence and the codec come from the workload): the built package, loaded
// by its name as an application loads it (npm run bench builds it first).
import { Consumer, Producer } from 'kafkawire';
import type { WorkerJob } from '../lib/types.js';
import { inChunks, type Counter, type NodeAdapter } from './adapter.js';

function producer(job: WorkerJob): Producer {
  const w = job.workload;
  return new Producer({ bootstrapServers: job.bootstrap, acks: w.acks, enableIdempotence: w.idempotent, compressionType: w.compression });
}

export const kafkawire: NodeAdapter = {
  async produce(job, values, started) {
    const p = producer(job);
    await p.connect();
    started();
    // Calls of 1000 records, 5 in flight, as the peers are driven: sendBatch() settles once per call.
    // (One send() per record, with at most 5,000 outstanding, is `npm run bench:produce`.)
    await inChunks(job.workload.count, 1000, 5, (from, to) => {
      const records = [];
      for (let i = from; i < to; i++) records.push({ topic: job.topic, value: values[i % values.length]! });
      return p.sendBatch(records);
    });
    await p.close();
  },

  async awaited(job, values, started) {
    const p = producer(job);
    await p.connect();
    await p.send({ topic: job.topic, value: values[0]! });
    started();
    const lat: number[] = [];
    for (let i = 0; i < job.workload.count; i++) {
      const t = process.hrtime.bigint();
      await p.send({ topic: job.topic, value: values[i % values.length]! });
      lat.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    await p.close();
    return lat;
  },

  async consume(job, counter) {
    const group = job.workload.kind === 'group';
    const consumers = Array.from({ length: job.workload.consumers }, () =>
      new Consumer({ bootstrapServers: job.bootstrap, autoOffsetReset: 'earliest', groupId: group ? job.groupId : null }));
    const loops = consumers.map(async (c) => {
      if (group) c.subscribe([job.topic]);
      else c.assign(Array.from({ length: job.partitions }, (_, partition) => ({ topic: job.topic, partition })));
      await drain(c, counter);
    });
    const failed = Promise.all(loops).then(() => undefined);
    failed.catch(() => undefined);
    await Promise.race([counter.done, failed]);
    return async () => {
      await Promise.all(consumers.map((c) => c.close({ timeoutMs: 5000 })));
      await failed.catch(() => undefined);
    };
  },
};

async function drain(c: Consumer, counter: Counter): Promise<void> {
  for await (const b of c.batches()) {
    const rs = b.records;
    let bytes = 0;
    for (let i = 0; i < rs.length; i++) bytes += (rs[i]!.value as Buffer | null)?.length ?? 0;
    if (counter.add(rs.length, bytes)) return;
  }
}
