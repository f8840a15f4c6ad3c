// A consumer group member of the verifier, in its own process so a scenario
// can SIGKILL it. It prints one line per record processed ("R partition
// offset"), per commit that succeeded ("C partition offset") or failed ("E
// message"), and per assignment ("A partitions") and revocation ("V
// partitions"). It commits after every poll and before giving partitions up,
// as a Java application with manual commits does. SIGTERM closes it cleanly.
// Settings come as environment variables: BOOTSTRAP, GROUP, TOPIC, PROTOCOL.
import { Consumer } from '../../src/consumer/consumer.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (v === undefined) throw new Error(`verify group-worker needs ${name}`);
  return v;
};

const topic = env('TOPIC');
const consumer = new Consumer({
  bootstrapServers: env('BOOTSTRAP'),
  groupId: env('GROUP'),
  groupProtocol: env('PROTOCOL') as 'classic' | 'consumer',
  partitionAssignmentStrategy: ['cooperative-sticky'],
  autoOffsetReset: 'earliest',
  enableAutoCommit: false,
  sessionTimeoutMs: 6000,
  heartbeatIntervalMs: 500,
  requestTimeoutMs: 10_000,
  reconnectBackoffMaxMs: 500,
});

const out: string[] = [];
const flush = () => {
  if (out.length) process.stdout.write(out.splice(0).join(''));
};
/** Next offset to commit per partition. */
const pending = new Map<number, bigint>();

async function commit(partitions: number[]): Promise<void> {
  const offsets = partitions.filter((p) => pending.has(p)).map((partition) => ({ topic, partition, offset: pending.get(partition)! }));
  if (offsets.length === 0) return;
  try {
    await consumer.commitSync(offsets);
    for (const o of offsets) {
      if (pending.get(o.partition) === o.offset) pending.delete(o.partition);
      out.push(`C ${o.partition} ${o.offset}\n`);
    }
  } catch (e) {
    out.push(`E ${(e as Error).message.replace(/\n/g, ' ')}\n`);
  }
  flush();
}

let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});

consumer.subscribe([topic], {
  onPartitionsAssigned: (tps) => {
    out.push(`A ${tps.map((t) => t.partition).join(',')}\n`);
    flush();
  },
  onPartitionsRevoked: async (tps) => {
    out.push(`V ${tps.map((t) => t.partition).join(',')}\n`);
    await commit(tps.map((t) => t.partition));
  },
  onPartitionsLost: (tps) => {
    // Lost partitions cannot be committed any more: forget what was pending for them.
    for (const t of tps) pending.delete(t.partition);
    out.push(`L ${tps.map((t) => t.partition).join(',')}\n`);
    flush();
  },
});

while (!stopping) {
  let records;
  try {
    records = await consumer.poll(500);
  } catch (e) {
    out.push(`P ${(e as Error).message.replace(/\n/g, ' ')}\n`);
    flush();
    await new Promise((r) => setTimeout(r, 200));
    continue;
  }
  if (records.length === 0) continue;
  for (const r of records) {
    out.push(`R ${r.partition} ${r.offset}\n`);
    pending.set(r.partition, r.offset + 1n);
  }
  flush();
  await commit([...pending.keys()]);
}
await consumer.close();
flush();
process.stdout.write('closed\n');
