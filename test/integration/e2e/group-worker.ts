// A consumer group member in its own process, so a test can SIGKILL it. It
// reads with poll(), prints one line per record it processed ("R partition
// offset value") and one per commit that succeeded ("C partition offset"),
// committing synchronously after each poll. Arguments come as environment
// variables; the test runs it through test/api/ts-hooks.mjs.
import { Consumer } from '../../../src/consumer/consumer.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (v === undefined) throw new Error(`group-worker needs ${name}`);
  return v;
};

const consumer = new Consumer({
  bootstrapServers: env('BOOTSTRAP'),
  groupId: env('GROUP'),
  groupProtocol: env('PROTOCOL') as 'classic' | 'consumer',
  partitionAssignmentStrategy: ['cooperative-sticky'],
  autoOffsetReset: 'earliest',
  enableAutoCommit: false,
  sessionTimeoutMs: 6000,
  heartbeatIntervalMs: 500,
  groupInstanceId: process.env.INSTANCE ?? null,
});

const lines: string[] = [];
const flush = () => {
  if (lines.length) process.stdout.write(lines.splice(0).join(''));
};

let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});

const topic = env('TOPIC');
/** Next offset to commit per partition: records processed and not yet committed. */
const pending = new Map<number, bigint>();

async function commit(partitions: number[]): Promise<void> {
  const offsets = partitions.filter((p) => pending.has(p)).map((partition) => ({ topic, partition, offset: pending.get(partition)! }));
  if (offsets.length === 0) return;
  try {
    await consumer.commitSync(offsets);
    for (const o of offsets) {
      if (pending.get(o.partition) === o.offset) pending.delete(o.partition);
      lines.push(`C ${o.partition} ${o.offset}\n`);
    }
  } catch (e) {
    lines.push(`E ${(e as Error).message.replace(/\n/g, ' ')}\n`);
  }
  flush();
}

consumer.subscribe([topic], {
  onPartitionsAssigned: (tps) => {
    process.stdout.write(`A ${tps.map((t) => t.partition).join(',')}\n`);
  },
  // As a Java application with manual commits does: commit what was processed before giving partitions up.
  onPartitionsRevoked: async (tps) => {
    process.stdout.write(`V ${tps.map((t) => t.partition).join(',')}\n`);
    await commit(tps.map((t) => t.partition));
  },
});

while (!stopping) {
  const records = await consumer.poll(500);
  if (records.length === 0) continue;
  for (const r of records) {
    lines.push(`R ${r.partition} ${r.offset} ${r.value?.toString() ?? ''}\n`);
    pending.set(r.partition, r.offset + 1n);
  }
  flush();
  await commit([...pending.keys()]);
}
await consumer.close();
process.stdout.write('closed\n');
