// What integration tests use to reach the cluster global-setup started.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { Cluster } from '../kafka/cluster.mjs';
import { runKafkaTool, TOOLS } from '../kafka/tools.mjs';

export const kafka = inject('kafka');

/** True when no cluster can be reached here (never under CI). */
export const noKafka = kafka.unavailable !== null;

/** A topic name no other test (or earlier run) uses. */
export function uniqueTopic(prefix = 'test'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** The harness's cluster, to stop, kill, pause and restart nodes; null for an external cluster. */
export function cluster(): Cluster | null {
  return kafka.clusterDir === null ? null : Cluster.load(kafka.clusterDir);
}

/** Runs one of the downloaded Kafka's Java tools against the cluster. */
export function kafkaTool(tool: keyof typeof TOOLS, args: string[], opts?: { input?: string | Buffer; timeoutMs?: number }): Promise<string> {
  if (kafka.libs === null) throw new Error('no Kafka jars are available to run the Java tools');
  return runKafkaTool(kafka.libs, TOOLS[tool], args, opts);
}
