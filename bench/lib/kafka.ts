// The cluster side of the bench: start and stop the local cluster with the
// test harness (or use KAFKA_BOOTSTRAP), create fresh topics, and preload
// the data the consumer workloads read.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Admin } from '../../src/admin/index.js';
import { measure, tailOf } from './proc.js';

export interface BenchCluster {
  bootstrap: string;
  nodes: number;
  stop(): Promise<void>;
}

interface HarnessCluster {
  bootstrap(): string;
  stop(o?: { graceMs?: number }): Promise<void>;
}

/**
 * Milliseconds a bench broker gets to stop before SIGKILL. Its data is thrown
 * away; stopped together, the nodes of a 3-node cluster lose their quorum
 * and would otherwise wait out the test harness's 20 s.
 */
const STOP_GRACE_MS = 3000;

/** The repository root, from the folder of the compiled run.js (bench/.build/bench). */
export function repoRoot(buildDir: string): string {
  return path.resolve(buildDir, '../../..');
}

export async function kafkaLibs(root: string): Promise<string> {
  const { ensureKafka } = (await import(pathToFileURL(path.join(root, 'test/kafka/download.mjs')).href)) as { ensureKafka(): string };
  return ensureKafka();
}

export async function startBenchCluster(root: string, nodes: number, basePort: number): Promise<BenchCluster> {
  const { startCluster } = (await import(pathToFileURL(path.join(root, 'test/kafka/cluster.mjs')).href)) as {
    startCluster(o: object): Promise<HarnessCluster>;
  };
  // A deleted topic's files go within a second rather than a minute (see deleteTopic). Not 0: with nothing to
  // delete, the broker's deletion task reschedules itself after this delay, so 0 would make it spin.
  const c = await startCluster({ nodes, basePort, log: (m: string) => console.error(m), brokerProps: ['log.segment.delete.delay.ms=1000'] });
  return { bootstrap: c.bootstrap(), nodes, stop: () => c.stop({ graceMs: STOP_GRACE_MS }) };
}

/** Creates 6-partition topics (replication min(3, nodes)) and waits until every partition has a leader. */
export async function createTopics(bootstrap: string, nodes: number, names: string[], partitions: number): Promise<void> {
  const admin = new Admin({ bootstrapServers: bootstrap });
  try {
    const created = await admin.createTopics(names.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: Math.min(3, nodes) })));
    for (const r of created) if (!r.ok) throw new Error(`creating topic ${r.topic}: ${r.error.message}`);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const described = await admin.describeTopics(names);
      const ready = described.every((d) => d.ok && d.value.partitions.length === partitions && d.value.partitions.every((p) => p.leader >= 0));
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`topics ${names.join(', ')} had no leaders after 60 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.close();
  }
}

/**
 * Deletes a produce run's topic once the run is over. On the bench's own
 * cluster (log.segment.delete.delay.ms 1000) the run's data, 100 MB or more
 * times the replicas, then leaves the page cache before the kernel writes it
 * back (30 s after it was written, by default; a broker deletes nothing in its
 * first 30 s, though); otherwise that writeback lands in the middle of later
 * runs, on a 2-core machine. Measured: 100 MB of dirty pages went within 2 s
 * of the delete. Best effort: what it cannot delete stays, and the bench goes on.
 */
export async function deleteTopic(bootstrap: string, topic: string): Promise<string | null> {
  const admin = new Admin({ bootstrapServers: bootstrap });
  try {
    const [r] = await admin.deleteTopics([topic]);
    return r === undefined || r.ok ? null : r.error.message;
  } catch (e) {
    return (e as Error).message;
  } finally {
    await admin.close().catch(() => undefined);
  }
}

/** Preloads count × size B with the Java ProducerPerformance (random capital letters, large batches). */
export async function preload(libs: string, bootstrap: string, topic: string, count: number, size: number): Promise<void> {
  const r = await measure('java', ['-Xmx512m', '-cp', path.join(libs, '*'), 'org.apache.kafka.tools.ProducerPerformance',
    '--topic', topic, '--num-records', String(count), '--record-size', String(size), '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${bootstrap}`, 'acks=1', 'linger.ms=20', 'batch.size=131072'], { timeoutMs: 600_000 }).done;
  if (r.code !== 0) throw new Error(`preloading ${topic} failed: ${tailOf(r, 6)}`);
}
