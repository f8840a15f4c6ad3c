// Reads a partition from the start with kafkawire's own Fetch codec and record
// decoder (the consumer proper is a later piece of work).
import { Metadata } from '../../src/cluster/metadata.js';
import type { FetchResponse } from '../../src/messages/generated/index.js';
import { ConnectionPool } from '../../src/network/pool.js';
import { decodeRecords } from '../../src/records/legacy.js';
import type { RecordBatch } from '../../src/records/batch.js';
import { kafka } from './kafka.js';

/** Every batch of topic-partition from offset 0 up to the high watermark. */
export async function fetchBatches(topic: string, partition = 0, opts: { isolationLevel?: 0 | 1 } = {}): Promise<RecordBatch[]> {
  const pool = new ConnectionPool({ bootstrapServers: kafka.bootstrap });
  try {
    await pool.start();
    const metadata = new Metadata(pool);
    await metadata.waitForTopic(topic, 10_000);
    const topicId = metadata.topics.get(topic)!.topicId;
    const leader = metadata.leaderFor(topic, partition);
    const out: RecordBatch[] = [];
    let offset = 0n;
    for (let round = 0; round < 1000; round++) {
      const res = await pool.request<FetchResponse>(leader, 'Fetch', {
        replicaId: -1, maxWaitMs: 100, minBytes: 1, maxBytes: 1 << 20, isolationLevel: opts.isolationLevel ?? 0,
        topics: [{ topic, topicId, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] }],
        forgottenTopicsData: [], rackId: '',
      });
      const p = res.responses[0]?.partitions[0];
      if (!p) throw new Error('Fetch answered without the partition');
      if (p.errorCode !== 0) throw new Error(`Fetch error ${p.errorCode}`);
      const { batches } = decodeRecords(p.records, { topic, partition });
      for (const b of batches) {
        out.push(b);
        offset = b.baseOffset + BigInt(b.lastOffsetDelta) + 1n;
      }
      if (offset >= p.highWatermark) return out;
    }
    throw new Error('partition did not end');
  } finally {
    await pool.close();
  }
}
