// Shared by the share group integration tests (Admin and CLI): a share group
// driven by Kafka's own ConsoleShareConsumer, and Kafka's ShareGroupCommand as
// the oracle for what the group's offsets are.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Admin } from '../../../src/admin/admin.js';
import { Producer } from '../../../src/producer/producer.js';
import { runKafkaTool } from '../../kafka/tools.mjs';
import { kafka } from '../kafka.js';

export interface JavaShareConsumer {
  child: ChildProcess;
  /** Lines (record values) it has printed so far. */
  readonly lines: string[];
}

/** A Java share consumer (client.id java-share) in a share group, left running until stopped. */
export function javaShareConsumer(topic: string, group: string): JavaShareConsumer {
  const child = spawn('java', ['-Xmx192m', '-XX:TieredStopAtLevel=1', '-cp', path.join(kafka.libs!, '*'), 'org.apache.kafka.tools.consumer.ConsoleShareConsumer',
    '--bootstrap-server', kafka.bootstrap, '--topic', topic, '--group', group, '--command-property', 'client.id=java-share'], { stdio: ['ignore', 'pipe', 'ignore'] });
  child.on('error', () => undefined);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return {
    child,
    get lines() {
      return out.split('\n').filter(Boolean);
    },
  };
}

/** Stops it as Ctrl-C would (it closes its consumer, which leaves the group) and waits for it to exit. */
export async function stopGracefully(child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/** A new share group starts at the end of each partition; this one starts at the beginning. */
export async function startFromEarliest(admin: Admin, group: string): Promise<void> {
  const [r] = await admin.incrementalAlterConfigs([{ resource: { type: 'group', name: group }, ops: [{ op: 'set', name: 'share.auto.offset.reset', value: 'earliest' }] }]);
  if (!r?.ok) throw r?.error ?? new Error('could not set share.auto.offset.reset');
}

/** Writes `counts[p]` records to partition p. */
export async function produceCounts(topic: string, counts: number[]): Promise<void> {
  const producer = new Producer({ bootstrapServers: kafka.bootstrap, lingerMs: 0 });
  try {
    await producer.sendBatch(counts.flatMap((n, partition) => Array.from({ length: n }, (_, i) => ({ topic, partition, value: `p${partition}-${i}` }))));
  } finally {
    await producer.close();
  }
}

/** Kafka's kafka-share-groups tool. */
export function shareGroupCommand(args: string[]): Promise<string> {
  if (kafka.libs === null) throw new Error('no Kafka jars are available to run the Java tools');
  return runKafkaTool(kafka.libs, 'org.apache.kafka.tools.consumer.group.ShareGroupCommand', ['--bootstrap-server', kafka.bootstrap, ...args]);
}

/** The START-OFFSET and LAG columns of `--describe --offsets`, per partition of the topic ('-' where the tool prints it). */
export async function javaShareOffsets(group: string, topic: string): Promise<Map<number, { start: string; lag: string }>> {
  const out = await shareGroupCommand(['--describe', '--offsets', '--group', group]);
  const rows = new Map<number, { start: string; lag: string }>();
  for (const line of out.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === group && f[1] === topic) rows.set(Number(f[2]), { start: f[3]!, lag: f[4]! });
  }
  return rows;
}
