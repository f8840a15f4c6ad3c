// Offsets and records: listOffsets and deleteRecords, each sent to the
// partitions' leaders, one request per leader.
import { ErrorCode, errorFor } from '../messages/error-codes.js';
import type { DeleteRecordsResponse, ListOffsetsResponse } from '../messages/generated/index.js';
import { badArg, int64Arg, oneOfArg, partitionsArg } from './args.js';
import { byNode, fanOut, type AdminContext } from './context.js';
import { lookupError } from './topics.js';
import { fail, ok, tpKey, type CallOptions, type Result, type TopicPartition } from './types.js';

/**
 * Leaders of those partitions, grouped by broker; partitions whose topic or
 * partition is unknown, or that have no leader now, go to `out` with an error
 * (retriable while leaderless, so the call tries again).
 */
export async function partitionLeaders<T extends TopicPartition>(ctx: AdminContext, items: T[], out: Map<string, Result<unknown>>, api: string): Promise<Map<number, T[]>> {
  const topics = [...new Set(items.map((i) => i.topic))];
  const md = await ctx.metadata(topics);
  const leader = new Map<string, number>();
  const topicError = new Map<string, number>();
  for (const t of md.topics) {
    if (t.name === null) continue;
    if (t.errorCode !== 0) topicError.set(t.name, t.errorCode);
    for (const p of t.partitions) leader.set(tpKey(t.name, p.partitionIndex), p.leaderId);
  }
  const routed: Array<[number, T]> = [];
  for (const i of items) {
    const key = tpKey(i.topic, i.partition);
    const code = topicError.get(i.topic);
    const l = leader.get(key);
    if (code !== undefined) out.set(key, fail(lookupError(code, { api, topic: i.topic })));
    else if (l === undefined) out.set(key, fail(lookupError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, { api, topic: i.topic }, `partition ${i.partition} does not exist`)));
    else if (l < 0) out.set(key, fail(errorFor(ErrorCode.LEADER_NOT_AVAILABLE, { api, topic: i.topic, partition: i.partition })));
    else routed.push([l, i]);
  }
  return byNode(routed);
}

export type OffsetSpec = 'earliest' | 'latest' | 'max-timestamp' | { timestamp: number | bigint };

export interface ListOffsetsResultInfo {
  offset: bigint;
  /** Timestamp of the record found (-1 for earliest/latest). */
  timestamp: bigint;
  leaderEpoch: number;
}

export type PartitionResult<V> = TopicPartition & Result<V>;

const SPEC = "'earliest', 'latest', 'max-timestamp' or { timestamp }";
const ISOLATION = ['read_uncommitted', 'read_committed'] as const;

function specTimestamp(spec: OffsetSpec, at: string): bigint {
  if (spec === 'earliest') return -2n;
  if (spec === 'latest') return -1n;
  if (spec === 'max-timestamp') return -3n;
  if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) return int64Arg('listOffsets()', `${at}.timestamp`, spec.timestamp, undefined, ' (milliseconds since the epoch)');
  return badArg('listOffsets()', at, SPEC, spec);
}

/** listOffsets()'s list: partitions, each with an offset spec. */
export function listOffsetsArg<T extends TopicPartition & { spec: OffsetSpec }>(v: T[]): T[] {
  const list = partitionsArg('listOffsets()', '{ topic, partition, spec }', v);
  list.forEach((r, i) => specTimestamp(r.spec, `[${i}].spec`));
  return list;
}

/** The isolationLevel option of listOffsets() and consumerGroupLag(): a typo would read uncommitted records. */
export function isolationArg(call: string, opts: { isolationLevel?: unknown } | undefined): void {
  const v = opts?.isolationLevel;
  if (v !== undefined) oneOfArg(call, 'isolationLevel', v, ISOLATION);
}

/** deleteRecords()'s list: partitions, each with the offset to delete before (-1: the high watermark, as Java's RecordsToDelete). */
export function deleteRecordsArg(v: Array<TopicPartition & { beforeOffset: bigint | number }>): Array<TopicPartition & { beforeOffset: bigint }> {
  const call = 'deleteRecords()';
  return partitionsArg(call, '{ topic, partition, beforeOffset }', v).map((r, i) => ({ ...r, beforeOffset: int64Arg(call, `[${i}].beforeOffset`, r.beforeOffset, -1n, ' (-1: the high watermark)') }));
}

export async function listOffsets(
  ctx: AdminContext,
  requests: Array<TopicPartition & { spec: OffsetSpec }>,
  opts: CallOptions & { isolationLevel?: 'read_uncommitted' | 'read_committed' } = {},
): Promise<Array<PartitionResult<ListOffsetsResultInfo>>> {
  const byKey = new Map(requests.map((r, i) => [tpKey(r.topic, r.partition), { ...r, ts: specTimestamp(r.spec, `[${i}].spec`) }]));
  const isolationLevel = opts.isolationLevel === 'read_committed' ? 1 : 0;
  const results = await ctx.perItem<ListOffsetsResultInfo>('ListOffsets', [...byKey.keys()], async (pending) => {
    const out = new Map<string, Result<ListOffsetsResultInfo>>();
    const groups = await partitionLeaders(ctx, pending.map((k) => byKey.get(k)!), out, 'ListOffsets');
    await fanOut(out, groups, (r) => tpKey(r.topic, r.partition), async (node, list) => {
      const topics = new Map<string, Array<{ partitionIndex: number; timestamp: bigint; currentLeaderEpoch: number }>>();
      for (const r of list) {
        const ps = topics.get(r.topic) ?? [];
        ps.push({ partitionIndex: r.partition, timestamp: r.ts, currentLeaderEpoch: -1 });
        topics.set(r.topic, ps);
      }
      const res = await ctx.pool.request<ListOffsetsResponse>(node, 'ListOffsets', {
        replicaId: -1,
        isolationLevel,
        topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
      });
      for (const t of res.topics) {
        for (const p of t.partitions) {
          const key = tpKey(t.name, p.partitionIndex);
          out.set(key, p.errorCode === 0 ? ok({ offset: p.offset, timestamp: p.timestamp, leaderEpoch: p.leaderEpoch }) : fail(errorFor(p.errorCode, { api: 'ListOffsets', broker: node, topic: t.name, partition: p.partitionIndex })));
        }
      }
    });
    return out;
  }, opts);
  return [...byKey].map(([k, r]) => ({ topic: r.topic, partition: r.partition, ...results.get(k)! }));
}

export async function deleteRecords(ctx: AdminContext, requests: Array<TopicPartition & { beforeOffset: bigint }>, opts: CallOptions = {}): Promise<Array<PartitionResult<{ lowWatermark: bigint }>>> {
  const byKey = new Map(requests.map((r) => [tpKey(r.topic, r.partition), r]));
  const results = await ctx.perItem<{ lowWatermark: bigint }>('DeleteRecords', [...byKey.keys()], async (pending) => {
    const out = new Map<string, Result<{ lowWatermark: bigint }>>();
    const groups = await partitionLeaders(ctx, pending.map((k) => byKey.get(k)!), out, 'DeleteRecords');
    await fanOut(out, groups, (r) => tpKey(r.topic, r.partition), async (node, list) => {
      const topics = new Map<string, Array<{ partitionIndex: number; offset: bigint }>>();
      for (const r of list) topics.set(r.topic, [...(topics.get(r.topic) ?? []), { partitionIndex: r.partition, offset: r.beforeOffset }]);
      const res = await ctx.pool.request<DeleteRecordsResponse>(node, 'DeleteRecords', {
        topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
        timeoutMs: ctx.settings.requestTimeoutMs,
      });
      for (const t of res.topics) {
        for (const p of t.partitions) {
          out.set(tpKey(t.name, p.partitionIndex), p.errorCode === 0 ? ok({ lowWatermark: p.lowWatermark }) : fail(errorFor(p.errorCode, { api: 'DeleteRecords', broker: node, topic: t.name, partition: p.partitionIndex })));
        }
      }
    });
    return out;
  }, opts);
  return [...byKey].map(([k, r]) => ({ topic: r.topic, partition: r.partition, ...results.get(k)! }));
}
