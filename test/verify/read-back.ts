// Reads a topic back from the beginning to its end (the last stable offset for
// read_committed) with the kafkawire Consumer, straight from the brokers.
import { Consumer } from '../../src/consumer/consumer.js';
import type { TopicPartition } from '../../src/consumer/index.js';
import { waitFor } from './env.js';
import type { LogRecord } from './report.js';

async function lastStableCaughtUp(bootstrap: string, committed: Consumer, tps: TopicPartition[]): Promise<void> {
  const uncommitted = new Consumer({ bootstrapServers: bootstrap, isolationLevel: 'read_uncommitted' });
  try {
    await waitFor('the last stable offsets to reach the high watermarks', async () => {
      const [lso, hw] = await Promise.all([committed.endOffsets(tps), uncommitted.endOffsets(tps)]);
      return lso.every((e) => hw.find((h) => h.partition === e.partition)?.offset === e.offset);
    }, 60_000);
  } finally {
    await uncommitted.close();
  }
}

/**
 * The end offsets of a topic once its producers stopped: the high watermarks,
 * or for read_committed the last stable offsets after they caught up with them.
 */
export async function endOffsets(bootstrap: string, topic: string, partitions: number, readCommitted = false): Promise<Map<number, bigint>> {
  const consumer = new Consumer({ bootstrapServers: bootstrap, isolationLevel: readCommitted ? 'read_committed' : 'read_uncommitted', enableAutoCommit: false });
  try {
    const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
    if (readCommitted) await lastStableCaughtUp(bootstrap, consumer, tps);
    return new Map((await consumer.endOffsets(tps)).map((e) => [e.partition, e.offset]));
  } finally {
    await consumer.close();
  }
}

export async function readBack(bootstrap: string, topic: string, partitions: number, opts: { readCommitted?: boolean; timeoutMs?: number } = {}): Promise<LogRecord[]> {
  const consumer = new Consumer({
    bootstrapServers: bootstrap,
    isolationLevel: opts.readCommitted ? 'read_committed' : 'read_uncommitted',
    enableAutoCommit: false,
    maxPollRecords: 5000,
  });
  const out: LogRecord[] = [];
  try {
    const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
    consumer.assign(tps);
    consumer.seekToBeginning(tps);
    // A commit is acknowledged before its markers reach every partition: until they do, the last stable
    // offset stops short of the last transaction. With the producers stopped, wait until it reaches the high watermark.
    if (opts.readCommitted) await lastStableCaughtUp(bootstrap, consumer, tps);
    const ends = new Map((await consumer.endOffsets(tps)).map((e) => [e.partition, e.offset]));
    const until = Date.now() + (opts.timeoutMs ?? 120_000);
    const done = async () => {
      for (const tp of tps) if ((await consumer.position(tp)) < (ends.get(tp.partition) ?? 0n)) return false;
      return true;
    };
    while (!(await done())) {
      if (Date.now() > until) {
        const where = await Promise.all(tps.map(async (tp) => `${tp.partition}: ${await consumer.position(tp)}/${ends.get(tp.partition)}`));
        throw new Error(`reading ${topic} back: not at the end after ${opts.timeoutMs ?? 120_000} ms (${where.join(', ')})`);
      }
      for (const r of await consumer.poll(500)) out.push({ partition: r.partition, offset: r.offset, value: r.value?.toString() ?? '' });
    }
  } finally {
    await consumer.close();
  }
  // In offset order per partition, which the order check relies on.
  return out.sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
}
