// What integration tests use to reach the cluster global-setup started.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { describe, inject } from 'vitest';
import type { CreateTopicsResponse, MetadataResponse } from '../../src/messages/generated/index.js';
import { ConnectionPool } from '../../src/network/pool.js';
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

/** Creates a topic through kafkawire's own CreateTopics codec (faster than the Java tool); waits until every partition has a leader. */
export async function createTopic(name: string, partitions = 1, replicationFactor = Math.min(3, kafka.bootstrap.split(',').length), configs: Record<string, string> = {}): Promise<void> {
  const pool = new ConnectionPool({ bootstrapServers: kafka.bootstrap });
  try {
    await pool.start();
    const res = await pool.request<CreateTopicsResponse>('any', 'CreateTopics', {
      topics: [{ name, numPartitions: partitions, replicationFactor, assignments: [], configs: Object.entries(configs).map(([k, value]) => ({ name: k, value })) }],
      timeoutMs: 30_000,
      validateOnly: false,
    });
    const t = res.topics[0];
    // Any broker forwards CreateTopics to the controller; 36 (TOPIC_ALREADY_EXISTS) is fine for a retry.
    if (!t || (t.errorCode !== 0 && t.errorCode !== 36)) throw new Error(`CreateTopics ${name}: error ${t?.errorCode} ${t?.errorMessage}`);
    for (let i = 0; i < 100; i++) {
      const m = await pool.request<MetadataResponse>('any', 'Metadata', { topics: [{ name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false });
      const mt = m.topics[0];
      if (mt && mt.errorCode === 0 && mt.partitions.length === partitions && mt.partitions.every((p) => p.leaderId >= 0)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`topic ${name} has no leaders after 10 s`);
  } finally {
    await pool.close();
  }
}

/** The first host:port of a comma-separated bootstrap list. */
export function firstAddress(bootstrap: string): { host: string; port: number } {
  const [host, port] = (bootstrap.split(',')[0] ?? '').split(':');
  return { host: host ?? '', port: Number(port) };
}

/** A TCP relay to a listener that counts the connections made through it. */
export interface CountingProxy {
  port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

/**
 * Starts a relay on 127.0.0.1 in front of target, so a test can count how
 * many times a client dials (e.g. that a refused login is not retried).
 */
export async function countingProxy(target: { host: string; port: number }): Promise<CountingProxy> {
  let accepted = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    accepted++;
    const outbound = net.connect(target);
    for (const [a, b] of [[inbound, outbound], [outbound, inbound]] as const) {
      open.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => (open.delete(a), b.destroy()));
      a.pipe(b);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get accepted() {
      return accepted;
    },
    close: () => {
      for (const s of open) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `describe` for integration tests: skipped only where no cluster can be reached (never under CI, where global setup fails instead). */
export const describeKafka = (noKafka ? describe.skip : describe) as typeof describe;
