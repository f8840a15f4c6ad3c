// The wire floor: how fast the cluster takes a produce workload when the client
// does no work inside the clock. Every batch is encoded (and compressed) before
// the clock starts, as large as the broker's default max.message.bytes allows
// (about 1 MB, librdkafka's batch.size), one batch per request, 5 requests in
// flight per broker, over kafkawire's low-level connection pool. No client can
// go faster on the same brokers and loopback, so a client's distance from this
// row is its own cost. Produce workloads only.
import {
  ConnectionPool,
  encodeRecordBatch,
  errorName,
  isRetriable,
  type InitProducerIdResponse,
  type MetadataResponse,
  type ProduceRequest,
  type ProduceResponse,
} from 'kafkawire/protocol';
import type { WorkerJob } from '../lib/types.js';
import type { NodeAdapter } from './adapter.js';

/** Uncompressed record bytes per batch: below the broker's default max.message.bytes (1048588). */
const BATCH_BYTES = 1_000_000;
const IN_FLIGHT = 5;
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
/** Tries while a new topic has no leaders, or a new cluster's coordinator is loading (100 ms apart). */
const TRIES = 100;

const pause = (): Promise<void> => new Promise((r) => setTimeout(r, 100));

async function leadersOf(pool: ConnectionPool, topic: string, partitions: number): Promise<number[]> {
  for (let attempt = 1; ; attempt++) {
    const md = await pool.request<MetadataResponse>('any', 'Metadata', {
      topics: [{ name: topic, topicId: ZERO_UUID }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    pool.updateBrokers(md.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })));
    const leaders = new Array<number>(partitions).fill(-1);
    for (const p of md.topics[0]?.partitions ?? []) if (p.partitionIndex < partitions) leaders[p.partitionIndex] = p.leaderId;
    if (leaders.every((l) => l >= 0)) return leaders;
    if (attempt >= TRIES) throw new Error(`${topic}: partitions without a leader after ${TRIES} metadata requests: ${JSON.stringify(leaders)}`);
    await pause();
  }
}

async function producerIdOf(pool: ConnectionPool, broker: number): Promise<{ producerId: bigint; producerEpoch: number }> {
  for (let attempt = 1; ; attempt++) {
    const ip = await pool.request<InitProducerIdResponse>(broker, 'InitProducerId', { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    if (ip.errorCode === 0) return ip;
    if (!isRetriable(ip.errorCode) || attempt >= TRIES) throw new Error(`InitProducerId to broker ${broker}: ${errorName(ip.errorCode)} (try ${attempt})`);
    await pause();
  }
}

export const floor: NodeAdapter = {
  async produce(job, values, started) {
    const w = job.workload;
    const pool = new ConnectionPool({ bootstrapServers: job.bootstrap });
    try {
      await pool.start();
      const leaders = await leadersOf(pool, job.topic, job.partitions);
      let producerId = -1n;
      let producerEpoch = -1;
      if (w.idempotent) ({ producerId, producerEpoch } = await producerIdOf(pool, leaders[0]!));
      // Every request, encoded now, queued by the broker it goes to; partitions take batches in turn.
      const per = Math.max(1, Math.floor(BATCH_BYTES / (w.size + 12)));
      const queues = new Map<number, ProduceRequest[]>();
      const sequences = new Array<number>(job.partitions).fill(0);
      for (let sent = 0, p = 0; sent < w.count; p = (p + 1) % job.partitions) {
        const n = Math.min(per, w.count - sent);
        const now = Date.now();
        const records = Array.from({ length: n }, (_, i) => ({ value: values[(sent + i) % values.length]!, timestamp: now }));
        const batch = encodeRecordBatch(records, { compression: w.compression, producerId, producerEpoch, baseSequence: w.idempotent ? sequences[p]! : -1 });
        sequences[p]! += n;
        sent += n;
        const leader = leaders[p]!;
        if (!queues.has(leader)) queues.set(leader, []);
        queues.get(leader)!.push({
          transactionalId: null,
          acks: w.acks === 'all' ? -1 : w.acks,
          timeoutMs: 30_000,
          topicData: [{ name: job.topic, topicId: ZERO_UUID, partitionData: [{ index: p, records: batch }] }],
        });
      }
      started();
      const lane = async (leader: number, queue: ProduceRequest[]): Promise<void> => {
        for (let req = queue.shift(); req !== undefined; req = queue.shift()) {
          // v12 names the topic (v13 would need its id).
          const res = await pool.request<ProduceResponse>(leader, 'Produce', req, { maxVersion: 12 });
          for (const t of res.responses) {
            for (const pr of t.partitionResponses) if (pr.errorCode !== 0) throw new Error(`Produce to ${t.name}-${pr.index}: ${errorName(pr.errorCode)}`);
          }
        }
      };
      await Promise.all([...queues].flatMap(([leader, queue]) => Array.from({ length: IN_FLIGHT }, () => lane(leader, queue))));
    } finally {
      await pool.close();
    }
  },

  awaited() {
    return Promise.reject(new Error('the wire floor measures produce workloads only'));
  },

  consume() {
    return Promise.reject(new Error('the wire floor measures produce workloads only'));
  },
};
