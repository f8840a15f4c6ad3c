/**
 * Offset lookups against partition leaders: ListOffsets (earliest, latest,
 * by timestamp) and OffsetForLeaderEpoch (truncation checks of positions
 * that carry a leader epoch, KIP-320). Requests go to each leader in
 * parallel; retriable errors refresh metadata and try again until the
 * deadline.
 */
import type { Metadata } from '../cluster/metadata.js';
import { KafkaConfigError, KafkaError, KafkaTimeoutError, UnsupportedVersionError } from '../errors.js';
import { errorFor, ErrorCode } from '../messages/error-codes.js';
import type { ListOffsetsResponse, OffsetForLeaderEpochResponse } from '../messages/generated/index.js';
import { api as apiNamed } from '../messages/registry.js';
import { backoffMs } from '../network/backoff.js';
import type { ConnectionPool } from '../network/pool.js';
import type { TopicPartition } from './group/contract.js';

export const EARLIEST_TIMESTAMP = -2n;
export const LATEST_TIMESTAMP = -1n;

export interface OffsetsContext {
  pool: ConnectionPool;
  metadata: Metadata;
  isolationLevel: 0 | 1;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  groupId: string | null;
}

export interface ListedOffset {
  /** -1n when no record has a timestamp at or after the one asked for. */
  offset: bigint;
  timestamp: bigint;
  leaderEpoch: number;
}

export interface EpochEndOffset {
  leaderEpoch: number;
  endOffset: bigint;
  /** The leader is too old to answer a consumer (OffsetForLeaderEpoch before v3): nothing was checked. */
  unsupported?: boolean;
}

/** Before v3 only replicas may send OffsetForLeaderEpoch; Java's consumer skips validation against such brokers. */
const FIRST_CONSUMER_EPOCH_VERSION = 3;

const tpKey = (tp: TopicPartition): string => `${tp.topic}:${tp.partition}`;

/** An error for a broker error code that names the partition and, for authorization, which ACL is missing. */
export function partitionError(code: number, api: string, tp: TopicPartition, broker: number, groupId: string | null, message?: string | null): KafkaError {
  const err = errorFor(code, { api, broker, topic: tp.topic, partition: tp.partition }, message);
  if (code === ErrorCode.TOPIC_AUTHORIZATION_FAILED) {
    err.message += ` (the topic ACL is missing: this principal needs READ and DESCRIBE on topic ${tp.topic}${groupId === null ? '' : `; group ${groupId} is not the problem`})`;
  }
  return err;
}

/** Checks that every partition exists, waiting for metadata up to the deadline; partitions out of range are a KafkaConfigError. */
export async function checkPartitions(metadata: Metadata, tps: readonly TopicPartition[], deadline: number): Promise<void> {
  for (const topic of new Set(tps.map((tp) => tp.topic))) {
    let partitions = metadata.partitionsFor(topic);
    if (!partitions) {
      try {
        partitions = await metadata.waitForTopic(topic, Math.max(0, deadline - Date.now()));
      } catch (e) {
        // Waited as long as the call may: a topic still missing is the caller's mistake, not worth retrying.
        if (e instanceof KafkaError && e.retriable && Date.now() >= deadline) {
          throw new KafkaError(`topic ${topic} does not exist (or is not visible to this client): ${e.message}`, false, { topic, cause: e });
        }
        throw e;
      }
    }
    for (const tp of tps) {
      if (tp.topic === topic && tp.partition >= partitions.length) {
        throw new KafkaConfigError(`partition ${tp.partition} is out of range: topic ${topic} has partitions 0..${partitions.length - 1}`);
      }
    }
  }
}

async function pause(failures: number, ctx: OffsetsContext, deadline: number): Promise<void> {
  const ms = Math.min(backoffMs(failures, { initialMs: ctx.retryBackoffMs, maxMs: ctx.retryBackoffMaxMs }), Math.max(0, deadline - Date.now()));
  await new Promise((r) => setTimeout(r, ms));
}

/**
 * Runs one request per leader for the pending partitions until each has an
 * answer; `send` returns the partitions that must be tried again.
 */
async function perLeader<T>(
  ctx: OffsetsContext,
  what: string,
  tps: readonly TopicPartition[],
  deadline: number,
  send: (leader: number, tps: TopicPartition[]) => Promise<TopicPartition[]>,
): Promise<void> {
  await checkPartitions(ctx.metadata, tps, deadline);
  let pending = [...tps];
  let lastError: unknown;
  for (let failures = 0; pending.length > 0; failures++) {
    if (failures > 0) {
      if (Date.now() >= deadline) {
        const names = pending.map((tp) => `${tp.topic}-${tp.partition}`).join(', ');
        throw new KafkaTimeoutError(`${what} for ${names} did not complete before the deadline${lastError ? `: ${(lastError as Error).message}` : ''}`, { cause: lastError });
      }
      await pause(failures, ctx, deadline);
      await ctx.metadata.refresh().catch((e: unknown) => (lastError = e));
    }
    const byLeader = new Map<number, TopicPartition[]>();
    const retry: TopicPartition[] = [];
    for (const tp of pending) {
      const leader = ctx.metadata.leaderFor(tp.topic, tp.partition);
      if (leader < 0) retry.push(tp);
      else (byLeader.get(leader) ?? byLeader.set(leader, []).get(leader)!).push(tp);
    }
    const results = await Promise.all(
      [...byLeader].map(([leader, group]) =>
        send(leader, group).catch((e: unknown) => {
          if (e instanceof KafkaError && !e.retriable) throw e;
          lastError = e;
          return group;
        }),
      ),
    );
    pending = [...retry, ...results.flat()];
  }
}

function groupByTopic<T extends TopicPartition>(tps: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const tp of tps) (out.get(tp.topic) ?? out.set(tp.topic, []).get(tp.topic)!).push(tp);
  return out;
}

/** ListOffsets for each partition at its timestamp (EARLIEST_TIMESTAMP, LATEST_TIMESTAMP or milliseconds). */
export async function listOffsets(ctx: OffsetsContext, lookups: ReadonlyArray<TopicPartition & { timestamp: bigint }>, deadline: number): Promise<Map<string, ListedOffset>> {
  const out = new Map<string, ListedOffset>();
  const timestamps = new Map(lookups.map((l) => [tpKey(l), l.timestamp]));
  await perLeader(ctx, 'ListOffsets', lookups, deadline, async (leader, tps) => {
    const res = await ctx.pool.request<ListOffsetsResponse>(leader, 'ListOffsets', {
      replicaId: -1,
      isolationLevel: ctx.isolationLevel,
      timeoutMs: Math.max(1, deadline - Date.now()),
      topics: [...groupByTopic(tps)].map(([name, list]) => ({
        name,
        partitions: list.map((tp) => ({ partitionIndex: tp.partition, currentLeaderEpoch: -1, timestamp: timestamps.get(tpKey(tp))!, maxNumOffsets: 1 })),
      })),
    });
    const retry: TopicPartition[] = [];
    const answered = new Set<string>();
    const asked = new Set(tps.map(tpKey));
    for (const t of res.topics) {
      for (const p of t.partitions) {
        const tp = { topic: t.name, partition: p.partitionIndex };
        // A partition this request did not ask about (a confused or hostile broker): neither a result nor a reason to retry or fail.
        if (!asked.has(tpKey(tp))) continue;
        answered.add(tpKey(tp));
        if (p.errorCode === 0) {
          out.set(tpKey(tp), { offset: p.offset, timestamp: p.timestamp, leaderEpoch: p.leaderEpoch });
          continue;
        }
        const err = partitionError(p.errorCode, 'ListOffsets', tp, leader, ctx.groupId);
        if (!err.retriable) throw err;
        retry.push(tp);
      }
    }
    return [...retry, ...tps.filter((tp) => !answered.has(tpKey(tp)))];
  });
  return out;
}

/** OffsetForLeaderEpoch: the end offset of each partition's epoch on its current leader. */
export async function epochEndOffsets(
  ctx: OffsetsContext,
  lookups: ReadonlyArray<TopicPartition & { leaderEpoch: number; currentLeaderEpoch: number }>,
  deadline: number,
): Promise<Map<string, EpochEndOffset>> {
  const out = new Map<string, EpochEndOffset>();
  const byKey = new Map(lookups.map((l) => [tpKey(l), l]));
  await perLeader(ctx, 'OffsetForLeaderEpoch', lookups, deadline, async (leader, tps) => {
    const conn = await ctx.pool.get(leader);
    let version = -1;
    try {
      version = conn.versionFor(apiNamed('OffsetForLeaderEpoch'));
    } catch (e) {
      if (!(e instanceof UnsupportedVersionError)) throw e;
    }
    if (version < FIRST_CONSUMER_EPOCH_VERSION) {
      for (const tp of tps) out.set(tpKey(tp), { leaderEpoch: -1, endOffset: -1n, unsupported: true });
      return [];
    }
    const res = await ctx.pool.request<OffsetForLeaderEpochResponse>(leader, 'OffsetForLeaderEpoch', {
      replicaId: -1,
      topics: [...groupByTopic(tps)].map(([topic, list]) => ({
        topic,
        partitions: list.map((tp) => {
          const l = byKey.get(tpKey(tp))!;
          return { partition: tp.partition, currentLeaderEpoch: l.currentLeaderEpoch, leaderEpoch: l.leaderEpoch };
        }),
      })),
    });
    const retry: TopicPartition[] = [];
    const answered = new Set<string>();
    const asked = new Set(tps.map(tpKey));
    for (const t of res.topics) {
      for (const p of t.partitions) {
        const tp = { topic: t.topic, partition: p.partition };
        if (!asked.has(tpKey(tp))) continue;
        answered.add(tpKey(tp));
        if (p.errorCode === 0) {
          out.set(tpKey(tp), { leaderEpoch: p.leaderEpoch, endOffset: p.endOffset });
          continue;
        }
        const err = partitionError(p.errorCode, 'OffsetForLeaderEpoch', tp, leader, ctx.groupId);
        if (!err.retriable) throw err;
        // FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH: our metadata is behind or ahead; ask again with fresh metadata.
        const current = byKey.get(tpKey(tp))!;
        const m = ctx.metadata.topics.get(tp.topic)?.partitions[tp.partition];
        if (m) current.currentLeaderEpoch = m.leaderEpoch;
        retry.push(tp);
      }
    }
    return [...retry, ...tps.filter((tp) => !answered.has(tpKey(tp)))];
  });
  return out;
}
