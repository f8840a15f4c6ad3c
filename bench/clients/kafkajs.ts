// KafkaJS 2: it batches per send() call, so pipelined produce sends calls of
// 1000 records, 5 in flight (its documented way to go fast). No lz4 or zstd
// without plugins; consumers always join a group.
import { createRequire } from 'node:module';
import type { WorkerJob } from '../lib/types.js';
import { inChunks, type NodeAdapter } from './adapter.js';

type KafkaJs = typeof import('kafkajs');
const load = (): KafkaJs => createRequire(import.meta.url)('kafkajs') as KafkaJs;

function client(job: WorkerJob) {
  const { Kafka, logLevel } = load();
  return new Kafka({ brokers: job.bootstrap.split(','), logLevel: logLevel.NOTHING, clientId: 'bench-kafkajs' });
}

function producer(job: WorkerJob) {
  // KafkaJS's idempotent producer allows one request in flight.
  const idem = job.workload.idempotent;
  return client(job).producer({ allowAutoTopicCreation: false, idempotent: idem, ...(idem ? { maxInFlightRequests: 1 } : {}) });
}

export const kafkajs: NodeAdapter = {
  async produce(job, values, started) {
    const w = job.workload;
    const p = producer(job);
    await p.connect();
    started();
    const acks = w.acks === 'all' ? -1 : 1;
    await inChunks(w.count, 1000, 5, (from, to) => {
      const messages = [];
      for (let i = from; i < to; i++) messages.push({ value: values[i % values.length]! });
      return p.send({ topic: job.topic, acks, messages });
    });
    await p.disconnect();
  },

  async awaited(job, values, started) {
    const p = producer(job);
    await p.connect();
    const acks = job.workload.acks === 'all' ? -1 : 1;
    await p.send({ topic: job.topic, acks, messages: [{ value: values[0]! }] });
    started();
    const lat: number[] = [];
    for (let i = 0; i < job.workload.count; i++) {
      const t = process.hrtime.bigint();
      await p.send({ topic: job.topic, acks, messages: [{ value: values[i % values.length]! }] });
      lat.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    await p.disconnect();
    return lat;
  },

  async consume(job, counter) {
    const kafka = client(job);
    const consumers = Array.from({ length: job.workload.consumers }, () =>
      kafka.consumer({ groupId: job.groupId, maxBytes: 52_428_800, maxBytesPerPartition: 1_048_576 }));
    for (const c of consumers) {
      await c.connect();
      await c.subscribe({ topic: job.topic, fromBeginning: true });
    }
    const runs = consumers.map((c) =>
      c.run({
        eachBatch: async ({ batch }) => {
          let bytes = 0;
          for (const m of batch.messages) bytes += m.value?.length ?? 0;
          counter.add(batch.messages.length, bytes);
        },
      }));
    const failed = Promise.all(runs).then(() => new Promise<void>(() => undefined));
    failed.catch(() => undefined);
    await Promise.race([counter.done, failed]);
    return async () => {
      await Promise.all(consumers.map((c) => c.disconnect()));
    };
  },
};
