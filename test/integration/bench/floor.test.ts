// The bench's wire floor (bench/clients/floor.ts) against the real cluster:
// every record it sends arrives once, with the payload it was given, for each
// kind of produce workload it runs (idempotent with acks all, acks 1, a codec).
import { describe, expect, it } from 'vitest';
import { payloads } from '../../../bench/clients/adapter.js';
import { floor } from '../../../bench/clients/floor.js';
import type { Workload } from '../../../bench/lib/types.js';
import { Consumer } from '../../../src/consumer/index.js';
import { createTopic, describeKafka, kafka, uniqueTopic } from '../kafka.js';

const PARTITIONS = 6;

async function readAll(topic: string, count: number): Promise<Map<number, Buffer[]>> {
  const c = new Consumer({ bootstrapServers: kafka.bootstrap, autoOffsetReset: 'earliest', groupId: null, fetchMaxWaitMs: 100 });
  c.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })));
  const byPartition = new Map<number, Buffer[]>();
  let seen = 0;
  try {
    while (seen < count) {
      for (const r of await c.poll(500)) {
        if (!byPartition.has(r.partition)) byPartition.set(r.partition, []);
        byPartition.get(r.partition)!.push(r.value as Buffer);
        seen++;
      }
    }
  } finally {
    await c.close();
  }
  return byPartition;
}

describeKafka('bench wire floor', () => {
  const cases: Array<Pick<Workload, 'count' | 'size' | 'acks' | 'idempotent' | 'compression'>> = [
    { count: 3000, size: 1000, acks: 'all', idempotent: true, compression: 'none' },
    { count: 30_000, size: 100, acks: 1, idempotent: false, compression: 'lz4' },
  ];
  it.each(cases)('$count × $size B, acks $acks, idempotent $idempotent, $compression: every record arrives once, in batches of about 1 MB', async (w) => {
    const topic = uniqueTopic('floor');
    await createTopic(topic, PARTITIONS);
    const values = payloads(w.size);
    let started = 0;
    const workload: Workload = { id: 'X', kind: 'produce', consumers: 1, ...w };
    await floor.produce({ client: 'floor', workload, bootstrap: kafka.bootstrap, topic, partitions: PARTITIONS, groupId: 'unused' }, values, () => started++);
    expect(started).toBe(1);
    const got = await readAll(topic, w.count);
    // Batches of floor(1,000,000 / (size + 12)) records go to partitions 0, 1, 2, ... in turn.
    const per = Math.floor(1_000_000 / (w.size + 12));
    const expected = new Map<number, Buffer[]>();
    for (let sent = 0, p = 0; sent < w.count; sent += per, p = (p + 1) % PARTITIONS) {
      if (!expected.has(p)) expected.set(p, []);
      for (let i = sent; i < Math.min(w.count, sent + per); i++) expected.get(p)!.push(values[i % values.length]!);
    }
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [p, list] of expected) expect(Buffer.concat(got.get(p)!).equals(Buffer.concat(list))).toBe(true);
  });
});
