/**
 * What a subscription means in topics and partitions: the names, or the
 * cluster's topics matching a pattern (from a Metadata request for all
 * topics, internal ones left out as Java's exclude.internal.topics does), and
 * small helpers for sets of partitions.
 */
import { throwMetadataError, type Metadata } from '../../cluster/metadata.js';
import { KafkaConfigError } from '../../errors.js';
import { describeValue } from '../../config-checks.js';
import type { MetadataResponse } from '../../messages/generated/index.js';
import type { ConnectionPool } from '../../network/pool.js';
import { tpKey, type Subscription, type TopicPartition } from './contract.js';

export function checkSubscription(sub: Subscription, groupId: string): Subscription {
  if (sub && 'pattern' in sub && sub.pattern instanceof RegExp) return sub;
  if (sub && 'topics' in sub && Array.isArray(sub.topics) && sub.topics.length > 0 && sub.topics.every((t) => typeof t === 'string' && t.length > 0)) {
    return { topics: [...new Set(sub.topics)].sort() };
  }
  throw new KafkaConfigError(`group ${groupId}: subscribe needs a non-empty list of topic names or a RegExp, got ${describeValue(sub)}`);
}

/** The topic names a subscription matches now, sorted. Patterns ask the cluster for every topic. */
export async function resolveTopics(sub: Subscription, pool: ConnectionPool, metadata: Metadata): Promise<string[]> {
  if ('topics' in sub) {
    metadata.want(sub.topics);
    return sub.topics;
  }
  const res = await pool.request<MetadataResponse>('any', 'Metadata', {
    topics: null,
    allowAutoTopicCreation: false,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
  throwMetadataError(res);
  metadata.apply(res);
  const whole = wholeName(sub.pattern);
  const names = res.topics
    .filter((t) => t.name !== null && t.errorCode === 0 && !t.isInternal)
    .map((t) => t.name as string)
    .filter((n) => whole.test(n))
    .sort();
  metadata.want(names);
  return names;
}

/**
 * The pattern as Java applies it (Matcher.matches()): to the whole topic name,
 * as the broker also does for groupProtocol 'consumer'. So the pattern
 * "logs-.*" matches the topic logs-a, and "logs-" does not.
 */
export function wholeName(pattern: RegExp): RegExp {
  return new RegExp(`^(?:${pattern.source})$`, pattern.flags.replace(/[gy]/g, ''));
}

export function sameSubscription(a: Subscription, b: Subscription): boolean {
  if ('topics' in a && 'topics' in b) return sameTopics(a.topics, b.topics);
  if ('pattern' in a && 'pattern' in b) return a.pattern.source === b.pattern.source && a.pattern.flags === b.pattern.flags;
  return false;
}

export function sameTopics(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/** Partition counts of topics as the metadata knows them now (0 for an unknown topic). */
export function partitionCounts(metadata: Metadata, topics: Iterable<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of topics) out.set(t, metadata.partitionsFor(t)?.length ?? 0);
  return out;
}

export function sameCounts(a: Map<string, number>, b: Map<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [t, n] of a) if (b.get(t) !== n) return false;
  return true;
}

/** Partitions in a that are not in b. */
export function minus(a: readonly TopicPartition[], b: readonly TopicPartition[]): TopicPartition[] {
  const drop = new Set(b.map((p) => tpKey(p.topic, p.partition)));
  return a.filter((p) => !drop.has(tpKey(p.topic, p.partition)));
}

export function sortPartitions(a: TopicPartition[]): TopicPartition[] {
  return a.sort((x, y) => (x.topic === y.topic ? x.partition - y.partition : x.topic < y.topic ? -1 : 1));
}

export function describePartitions(a: readonly TopicPartition[]): string {
  if (a.length === 0) return '(none)';
  const by = new Map<string, number[]>();
  for (const p of a) {
    let l = by.get(p.topic);
    if (!l) by.set(p.topic, (l = []));
    l.push(p.partition);
  }
  return [...by].map(([t, ps]) => `${t}[${ps.sort((x, y) => x - y).join(',')}]`).join(' ');
}
