// @platformatic/kafka (needs Node >= 22.22 or 24.6, so it runs under Node 24
// only). It batches per send() call like KafkaJS: pipelined produce sends
// calls of 1000 records, 5 in flight. Its idempotent producer allows one
// request in flight (it sets that itself). Consumers read a message stream.
import type { WorkerJob } from '../lib/types.js';
import { inChunks, type NodeAdapter } from './adapter.js';

// Typed by hand with what the bench uses: the package's own .d.ts targets newer Node typings than this build.
interface PlatProducer {
  send(o: { messages: Array<{ topic: string; value: Buffer }>; acks?: number }): Promise<unknown>;
  close(force?: boolean): Promise<void>;
}
interface PlatStream {
  on(event: 'data', f: (m: { value: Buffer | undefined }) => void): void;
  on(event: 'error', f: (e: Error) => void): void;
  pause(): void;
}
interface PlatConsumer {
  consume(o: object): Promise<PlatStream>;
  close(force?: boolean): Promise<void>;
}
interface PlatModule {
  Producer: new (o: object) => PlatProducer;
  Consumer: new (o: object) => PlatConsumer;
}

const specifier = '@platformatic/kafka';
const load = async (): Promise<PlatModule> => (await import(specifier)) as PlatModule;

async function producer(job: WorkerJob): Promise<PlatProducer> {
  const { Producer } = await load();
  const w = job.workload;
  return new Producer({
    clientId: 'bench-platformatic',
    bootstrapBrokers: job.bootstrap.split(','),
    acks: w.acks === 'all' ? -1 : 1,
    idempotent: w.idempotent,
    autocreateTopics: false,
    ...(w.compression !== 'none' ? { compression: w.compression } : {}),
  });
}

export const platformatic: NodeAdapter = {
  async produce(job, values, started) {
    const p = await producer(job);
    // Its first send connects and reads metadata; one record outside the clock, as the other clients connect first.
    await p.send({ messages: [{ topic: job.topic, value: values[0]! }] });
    started();
    await inChunks(job.workload.count, 1000, 5, (from, to) => {
      const messages = [];
      for (let i = from; i < to; i++) messages.push({ topic: job.topic, value: values[i % values.length]! });
      return p.send({ messages });
    });
    await p.close();
  },

  async awaited(job, values, started) {
    const p = await producer(job);
    await p.send({ messages: [{ topic: job.topic, value: values[0]! }] });
    started();
    const lat: number[] = [];
    for (let i = 0; i < job.workload.count; i++) {
      const t = process.hrtime.bigint();
      await p.send({ messages: [{ topic: job.topic, value: values[i % values.length]! }] });
      lat.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    await p.close();
    return lat;
  },

  async consume(job, counter) {
    const { Consumer } = await load();
    const consumers = Array.from({ length: job.workload.consumers }, () =>
      new Consumer({ clientId: 'bench-platformatic', groupId: job.groupId, bootstrapBrokers: job.bootstrap.split(',') }));
    let failure: (e: Error) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => (failure = reject));
    failed.catch(() => undefined);
    for (const c of consumers) {
      const stream = await c.consume({ topics: [job.topic], mode: 'earliest', autocommit: true });
      stream.on('data', (m) => {
        if (counter.add(1, m.value?.length ?? 0)) stream.pause();
      });
      stream.on('error', (e) => failure(e));
    }
    await Promise.race([counter.done, failed]);
    return async () => {
      await Promise.all(consumers.map((c) => c.close(true)));
    };
  },
};
