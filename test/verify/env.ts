// The cluster a verifier run works against: where clients connect (the chaos
// proxies when there are some), how to reach the brokers directly (for the
// verifier's own admin calls, which must not suffer the injected faults), the
// node controls and the proxy controls. Plus the waits scenarios need.
import type { CreateTopicsResponse, FindCoordinatorResponse, MetadataResponse } from '../../src/messages/generated/index.js';
import { ErrorCode } from '../../src/messages/error-codes.js';
import { ConnectionPool } from '../../src/network/pool.js';
import type { ChaosControl } from '../chaos/control.js';
import type { Cluster } from '../kafka/cluster.mjs';

export interface VerifyEnv {
  /** What the clients under test connect to (the proxies when chaos is on). */
  bootstrap: string;
  /** The brokers' own listeners, past any proxy. */
  direct: string;
  /** Node controls; null for an external cluster (node scenarios cannot run). */
  cluster: Cluster | null;
  /** Proxy controls; null without proxies (proxy scenarios cannot run). */
  chaos: ChaosControl | null;
  /** Progress lines; silent by default. */
  log?: (m: string) => void;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls cond every 200 ms until it holds, failing with `what` after ms. */
export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 120_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      if (await cond()) return;
    } catch {
      // a broker restarting answers with errors for a while: keep polling
    }
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** Runs fn with a short-lived pool to the brokers directly. */
export async function withPool<T>(env: VerifyEnv, fn: (pool: ConnectionPool) => Promise<T>): Promise<T> {
  const pool = new ConnectionPool({ bootstrapServers: env.direct, requestTimeoutMs: 10_000, reconnectBackoffMaxMs: 500 });
  try {
    await pool.start();
    return await fn(pool);
  } finally {
    await pool.close();
  }
}

export async function metadata(env: VerifyEnv, topics: string[] | null = null): Promise<MetadataResponse> {
  return withPool(env, (pool) =>
    pool.request<MetadataResponse>('any', 'Metadata', { topics: topics && topics.map((name) => ({ name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' })), allowAutoTopicCreation: false }),
  );
}

/** Creates the verifier's topic: 6 partitions, RF 3, min.insync.replicas 2 (by default); waits for every leader. */
export async function createVerifyTopic(env: VerifyEnv, name: string, partitions = 6, rf = 3): Promise<void> {
  await withPool(env, async (pool) => {
    const res = await pool.request<CreateTopicsResponse>('any', 'CreateTopics', {
      topics: [{ name, numPartitions: partitions, replicationFactor: rf, assignments: [], configs: [{ name: 'min.insync.replicas', value: String(Math.min(2, rf)) }] }],
      timeoutMs: 30_000,
      validateOnly: false,
    });
    const t = res.topics[0];
    if (!t || (t.errorCode !== ErrorCode.NONE && t.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS)) throw new Error(`CreateTopics ${name}: error ${t?.errorCode} ${t?.errorMessage}`);
  });
  await waitFor(`every partition of ${name} to have a leader`, async () => {
    const t = (await metadata(env, [name])).topics[0];
    return !!t && t.errorCode === 0 && t.partitions.length === partitions && t.partitions.every((p) => p.leaderId >= 0);
  }, 60_000);
}

/** Leader node per partition of topic. */
export async function leaders(env: VerifyEnv, topic: string): Promise<Map<number, number>> {
  const t = (await metadata(env, [topic])).topics[0];
  return new Map((t?.partitions ?? []).map((p) => [p.partitionIndex, p.leaderId]));
}

/** The node that coordinates a consumer group (keyType 0) or a transactional id (1). */
export async function coordinatorOf(env: VerifyEnv, key: string, keyType: 0 | 1 = 0): Promise<number> {
  return withPool(env, async (pool) => {
    const res = await pool.request<FindCoordinatorResponse>('any', 'FindCoordinator', { key, keyType, coordinatorKeys: [key] });
    const c = res.coordinators?.[0];
    const [code, node] = c ? [c.errorCode, c.nodeId] : [res.errorCode, res.nodeId];
    if (code !== ErrorCode.NONE) throw new Error(`FindCoordinator ${key}: error ${code}`);
    return node;
  });
}

/**
 * Waits until every node runs and answers, the cluster lists all of them, and
 * every partition of every topic (internal ones included) has a leader and its
 * full ISR, so the next scenario (or test file) starts from a healthy cluster.
 */
export async function waitHealthy(env: VerifyEnv, ms = 180_000): Promise<void> {
  const c = env.cluster;
  if (c) {
    for (const n of c.state.nodes) if (c.pid(n.id) === null) c.startNode(n.id);
    for (const n of c.state.nodes) c.resumeNode(n.id);
    await c.waitReady({ timeoutMs: ms });
  }
  let last = '';
  await waitFor('every partition to have its full ISR', async () => {
    const m = await metadata(env);
    const behind = m.topics.flatMap((t) => t.partitions.filter((p) => p.leaderId < 0 || p.isrNodes.length < p.replicaNodes.length).map((p) => `${t.name}/${p.partitionIndex} isr ${p.isrNodes.join(',')} of ${p.replicaNodes.join(',')}`));
    last = behind.slice(0, 5).join('; ');
    return m.brokers.length === (c?.state.nodes.length ?? m.brokers.length) && behind.length === 0;
  }, ms).catch((e: Error) => {
    throw new Error(`${e.message} (${last})`);
  });
}
