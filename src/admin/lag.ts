// A consumer group's lag per partition: committed offset against the end
// offset (as kafka-consumer-groups --describe computes it), with each
// partition's owner when the group has members.
import { KafkaError } from '../errors.js';
import type { AdminContext } from './context.js';
import { describeConsumerGroups, listConsumerGroupOffsets, type ConsumerGroupDescription } from './groups.js';
import { listOffsets } from './offsets.js';
import { tpKey, type CallOptions, type TopicPartition } from './types.js';

export interface PartitionLag extends TopicPartition {
  /** Committed offset, or null when the group has none for this partition. */
  committedOffset: bigint | null;
  /** The partition's end offset (high watermark), or null when it could not be read. */
  endOffset: bigint | null;
  /** endOffset − committedOffset, or null when either is unknown. */
  lag: bigint | null;
  /** The member that owns the partition now, or null. */
  owner: { memberId: string; clientId: string; host: string; groupInstanceId: string | null } | null;
  /** Why the end offset is missing, when it is. */
  error?: KafkaError;
}

export interface ConsumerGroupLag {
  groupId: string;
  /** The group's description, or null for a group that exists only through committed offsets it no longer has. */
  description: ConsumerGroupDescription | null;
  partitions: PartitionLag[];
  /** Sum of the known lags. */
  totalLag: bigint;
}

/**
 * Lag of one group: every partition it has an offset for or a member owns.
 * Rejects when the group does not exist or cannot be read (e.g. not authorized).
 */
export async function consumerGroupLag(ctx: AdminContext, groupId: string, opts: CallOptions & { isolationLevel?: 'read_uncommitted' | 'read_committed' } = {}): Promise<ConsumerGroupLag> {
  const [[desc], [committed]] = await Promise.all([describeConsumerGroups(ctx, [groupId], opts), listConsumerGroupOffsets(ctx, [groupId], opts)]);
  if (!committed!.ok) throw committed!.error;
  const description = desc!.ok ? desc!.value : null;
  if (!desc!.ok && committed!.value.length === 0) throw desc!.error;
  const rows = new Map<string, PartitionLag>();
  for (const c of committed!.value) rows.set(tpKey(c.topic, c.partition), { topic: c.topic, partition: c.partition, committedOffset: c.offset, endOffset: null, lag: null, owner: null });
  for (const m of description?.members ?? []) {
    for (const tp of m.assignment) {
      const k = tpKey(tp.topic, tp.partition);
      const row = rows.get(k) ?? { topic: tp.topic, partition: tp.partition, committedOffset: null, endOffset: null, lag: null, owner: null };
      row.owner = { memberId: m.memberId, clientId: m.clientId, host: m.host, groupInstanceId: m.groupInstanceId };
      rows.set(k, row);
    }
  }
  const ends = rows.size === 0 ? [] : await listOffsets(ctx, [...rows.values()].map((r) => ({ topic: r.topic, partition: r.partition, spec: 'latest' as const })), opts);
  let totalLag = 0n;
  for (const e of ends) {
    const row = rows.get(tpKey(e.topic, e.partition))!;
    if (!e.ok) {
      row.error = e.error;
      continue;
    }
    row.endOffset = e.value.offset;
    if (row.committedOffset !== null) {
      // A committed offset past the end (after truncation) shows as no lag, as Java's tool shows it.
      row.lag = row.endOffset > row.committedOffset ? row.endOffset - row.committedOffset : 0n;
      totalLag += row.lag;
    }
  }
  const partitions = [...rows.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return { groupId, description, partitions, totalLag };
}
