// Topic calls: create, delete, list, describe, add partitions.
import { describeValue } from '../config-checks.js';
import { KafkaConfigError, UnsupportedVersionError } from '../errors.js';
import { KafkaBrokerError, ErrorCode, errorFor } from '../messages/error-codes.js';
import type { CreatePartitionsResponse, CreateTopicsResponse, DeleteTopicsResponse, MetadataResponse } from '../messages/generated/index.js';
import { api as apiNamed } from '../messages/registry.js';
import type { AdminContext } from './context.js';
import { decodeOperations, type AclOperation } from './acl-codes.js';
import { badArg, INT32_MAX, intArg, keyPath, objectArg, objectsArg, recordArg, stringArg, uniqueArg } from './args.js';
import { fail, ok, type CallOptions, type Result } from './types.js';

export interface NewTopic {
  topic: string;
  /** -1 (default) lets the broker use num.partitions; ignored with replicaAssignment. */
  numPartitions?: number;
  /** -1 (default) lets the broker use default.replication.factor; ignored with replicaAssignment. */
  replicationFactor?: number;
  /** Explicit replicas per partition: `{ 0: [1, 2], 1: [2, 3] }`. */
  replicaAssignment?: Record<number, number[]>;
  configs?: Record<string, string>;
}

export interface CreatedTopic {
  /** The all-zero id from a broker without topic ids (CreateTopics before v7, Kafka before 2.8). */
  topicId: string;
  /** As the broker reports it (v5+, Kafka 2.4), else as asked; -1 when neither says (the broker's default, not reported). */
  numPartitions: number;
  replicationFactor: number;
  /** The topic's configs as created (v5+), name → value. */
  configs: Record<string, string | null>;
}

export interface TopicListing {
  name: string;
  topicId: string;
  isInternal: boolean;
}

export interface PartitionDescription {
  partition: number;
  /** Leader's node id, -1 while there is none. */
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
}

export interface TopicDescription {
  name: string;
  topicId: string;
  isInternal: boolean;
  partitions: PartitionDescription[];
  /** Operations this principal may perform on the topic, when asked for. */
  authorizedOperations?: AclOperation[];
}

export type TopicResult<V> = { topic: string } & Result<V>;

/** An error from a lookup whose retry cannot help within one call (a topic that does not exist). */
export function lookupError(code: number, ctx: { api: string; topic?: string }, msg?: string | null): KafkaBrokerError {
  const e = errorFor(code, ctx, msg);
  return code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ? new KafkaBrokerError(e.code, e.message, false, e.context) : e;
}

/** createTopics()'s list: a topic name, whole partition and replica counts, replicas and string configs where given. */
export function newTopicsArg(v: NewTopic[]): NewTopic[] {
  const call = 'createTopics()';
  const list = objectsArg(call, '{ topic, numPartitions?, replicationFactor? }', v);
  list.forEach((t, i) => {
    const topic = stringArg(call, `[${i}].topic`, t.topic);
    // Whole numbers the request can carry (int32, int16); whether one is a sensible count is the broker's to say.
    for (const [k, max] of [['numPartitions', INT32_MAX], ['replicationFactor', 0x7fff]] as const) {
      const n = t[k];
      if (n !== undefined && (!Number.isInteger(n) || n < -1 || n > max)) {
        throw new KafkaConfigError(`${call}: [${i}].${k} of ${topic} must be a whole number up to ${max} (-1: the broker's default), got ${describeValue(n)}`);
      }
    }
    if (t.replicaAssignment != null) {
      // An array of replica lists is a map from partition index too.
      const ra = t.replicaAssignment;
      if (typeof ra !== 'object') badArg(call, `[${i}].replicaAssignment`, 'an object of { partition: broker ids }', ra);
      for (const [p, ids] of Object.entries(ra)) {
        if (!/^\d+$/.test(p) || Number(p) > INT32_MAX) badArg(call, `[${i}].replicaAssignment`, 'keyed by partition indexes (integers ≥ 0)', p);
        brokerIdsArg(call, `[${i}].replicaAssignment[${p}]`, ids);
      }
    }
    if (t.configs != null) {
      const configs = objectArg(call, `[${i}].configs`, t.configs, 'an object of { name: value }');
      for (const [k, value] of Object.entries(configs)) stringArg(call, `[${i}].configs${keyPath(k)}`, value);
    }
  });
  uniqueArg(call, list, (t) => t.topic, (t) => `topic (${describeValue(t.topic)})`);
  return list;
}

/** createPartitions()'s map: { topic: { totalCount, assignments? } }. */
export function newPartitionsArg(v: Record<string, NewPartitions>): Record<string, NewPartitions> {
  const call = 'createPartitions()';
  const map = recordArg(call, '{ topic: { totalCount, assignments? } }', v);
  for (const [topic, np] of Object.entries(map)) {
    const at = keyPath(topic);
    objectArg(call, at, np, 'an object such as { totalCount: 6 }');
    intArg(call, `${at}.totalCount`, np.totalCount, 1);
    if (np.assignments != null) {
      if (!Array.isArray(np.assignments)) badArg(call, `${at}.assignments`, 'an array of broker id lists, one per new partition', np.assignments);
      np.assignments.forEach((ids, j) => brokerIdsArg(call, `${at}.assignments[${j}]`, ids));
    }
  }
  return map;
}

function brokerIdsArg(call: string, at: string, ids: unknown): void {
  if (!Array.isArray(ids)) badArg(call, at, 'an array of broker ids', ids);
  for (let j = 0; j < ids.length; j++) intArg(call, `${at}[${j}]`, ids[j], 0);
}

function inOrder<V>(topics: string[], results: Map<string, Result<V>>): Array<TopicResult<V>> {
  return topics.map((topic) => ({ topic, ...results.get(topic)! }));
}

export async function createTopics(ctx: AdminContext, topics: NewTopic[], opts: CallOptions & { validateOnly?: boolean } = {}): Promise<Array<TopicResult<CreatedTopic>>> {
  const byName = new Map(topics.map((t) => [t.topic, t]));
  const results = await ctx.perItem<CreatedTopic>('CreateTopics', [...byName.keys()], async (pending) => {
    const out = new Map<string, Result<CreatedTopic>>();
    const target = await ctx.controller();
    const node = target === 'any' ? ctx.brokers[0]?.id : target;
    // CreateTopics before v4 (Kafka before 2.4, KIP-464) has no "broker default" (-1) for the counts: the broker
    // would refuse the topic with an error about the count. Java refuses such a topic itself, and so does this.
    if (node !== undefined && (await ctx.pool.get(node)).versionFor(apiNamed('CreateTopics')) < 4) {
      pending = pending.filter((name) => {
        const t = byName.get(name)!;
        if (t.replicaAssignment != null || (t.numPartitions !== undefined && t.numPartitions !== -1 && t.replicationFactor !== undefined && t.replicationFactor !== -1)) return true;
        out.set(name, fail(new UnsupportedVersionError(`broker ${node} takes CreateTopics only up to v3 (Kafka before 2.4), which cannot use the broker's default partition count or replication factor: set numPartitions and replicationFactor for ${name}`, { api: 'CreateTopics', topic: name, broker: node })));
        return false;
      });
      if (pending.length === 0) return out;
    }
    const res = await ctx.pool.request<CreateTopicsResponse>(node ?? target, 'CreateTopics', {
      topics: pending.map((name) => {
        const t = byName.get(name)!;
        const assignments = Object.entries(t.replicaAssignment ?? {}).map(([p, brokerIds]) => ({ partitionIndex: Number(p), brokerIds }));
        return {
          name,
          numPartitions: assignments.length > 0 ? -1 : (t.numPartitions ?? -1),
          replicationFactor: assignments.length > 0 ? -1 : (t.replicationFactor ?? -1),
          assignments,
          configs: Object.entries(t.configs ?? {}).map(([k, value]) => ({ name: k, value })),
        };
      }),
      timeoutMs: ctx.settings.requestTimeoutMs,
      validateOnly: opts.validateOnly ?? false,
    });
    for (const r of res.topics) {
      if (r.errorCode !== 0) {
        out.set(r.name, fail(errorFor(r.errorCode, { api: 'CreateTopics', topic: r.name }, r.errorMessage)));
        continue;
      }
      const configs: Record<string, string | null> = {};
      for (const c of r.configs ?? []) configs[c.name] = c.value;
      // Before v5 (Kafka 2.4) the answer carries no counts (-1): the ones asked for, where they were given.
      const asked = byName.get(r.name);
      const assigned = Object.values(asked?.replicaAssignment ?? {});
      const numPartitions = r.numPartitions >= 0 ? r.numPartitions : assigned.length > 0 ? assigned.length : (asked?.numPartitions ?? -1);
      const replicationFactor = r.replicationFactor >= 0 ? r.replicationFactor : assigned.length > 0 ? assigned[0]!.length : (asked?.replicationFactor ?? -1);
      out.set(r.name, ok({ topicId: r.topicId, numPartitions, replicationFactor, configs }));
    }
    return out;
  }, opts);
  return inOrder([...byName.keys()], results);
}

export async function deleteTopics(ctx: AdminContext, topics: string[], opts: CallOptions = {}): Promise<Array<TopicResult<void>>> {
  const results = await ctx.perItem<void>('DeleteTopics', topics, async (pending) => {
    const res = await ctx.pool.request<DeleteTopicsResponse>(await ctx.controller(), 'DeleteTopics', {
      topicNames: pending,
      topics: pending.map((name) => ({ name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' })),
      timeoutMs: ctx.settings.requestTimeoutMs,
    });
    const out = new Map<string, Result<void>>();
    for (const r of res.responses) {
      const name = r.name ?? '';
      out.set(name, r.errorCode === 0 ? ok(undefined) : fail(lookupError(r.errorCode, { api: 'DeleteTopics', topic: name }, r.errorMessage)));
    }
    return out;
  }, opts);
  return inOrder([...new Set(topics)], results);
}

export async function listTopics(ctx: AdminContext, opts: CallOptions & { listInternal?: boolean } = {}): Promise<TopicListing[]> {
  const res = await ctx.once('Metadata (listTopics)', () => ctx.metadata(null), opts);
  return res.topics
    .filter((t) => t.errorCode === 0 && t.name !== null && (opts.listInternal || !t.isInternal))
    .map((t) => ({ name: t.name as string, topicId: t.topicId, isInternal: t.isInternal }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export async function describeTopics(ctx: AdminContext, topics: string[], opts: CallOptions & { includeAuthorizedOperations?: boolean } = {}): Promise<Array<TopicResult<TopicDescription>>> {
  const results = await ctx.perItem<TopicDescription>('Metadata (describeTopics)', topics, async (pending) => {
    const res: MetadataResponse = await ctx.metadata(pending, opts.includeAuthorizedOperations ?? false);
    const out = new Map<string, Result<TopicDescription>>();
    for (const t of res.topics) {
      if (t.name === null) continue;
      if (t.errorCode !== 0) {
        out.set(t.name, fail(lookupError(t.errorCode, { api: 'Metadata', topic: t.name })));
        continue;
      }
      const partitions = t.partitions
        .map((p) => ({ partition: p.partitionIndex, leader: p.leaderId, leaderEpoch: p.leaderEpoch, replicas: p.replicaNodes, isr: p.isrNodes, offlineReplicas: p.offlineReplicas }))
        .sort((a, b) => a.partition - b.partition);
      const d: TopicDescription = { name: t.name, topicId: t.topicId, isInternal: t.isInternal, partitions };
      if (opts.includeAuthorizedOperations) d.authorizedOperations = decodeOperations(t.topicAuthorizedOperations);
      out.set(t.name, ok(d));
    }
    return out;
  }, opts);
  return inOrder([...new Set(topics)], results);
}

export interface NewPartitions {
  /** The partition count after the call (it can only grow). */
  totalCount: number;
  /** Replicas of each new partition, in order. */
  assignments?: number[][];
}

export async function createPartitions(ctx: AdminContext, topics: Record<string, NewPartitions>, opts: CallOptions & { validateOnly?: boolean } = {}): Promise<Array<TopicResult<void>>> {
  const names = Object.keys(topics);
  const results = await ctx.perItem<void>('CreatePartitions', names, async (pending) => {
    const res = await ctx.pool.request<CreatePartitionsResponse>(await ctx.controller(), 'CreatePartitions', {
      topics: pending.map((name) => ({ name, count: topics[name]!.totalCount, assignments: topics[name]!.assignments?.map((brokerIds) => ({ brokerIds })) ?? null })),
      timeoutMs: ctx.settings.requestTimeoutMs,
      validateOnly: opts.validateOnly ?? false,
    });
    const out = new Map<string, Result<void>>();
    for (const r of res.results) out.set(r.name, r.errorCode === 0 ? ok(undefined) : fail(lookupError(r.errorCode, { api: 'CreatePartitions', topic: r.name }, r.errorMessage)));
    return out;
  }, opts);
  return inOrder(names, results);
}
