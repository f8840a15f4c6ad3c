// Transaction calls: describeProducers (partition leaders), listTransactions
// (every broker), describeTransactions and fenceProducers (transaction
// coordinators), abortTransaction (the partition leader).
import { describeValue } from '../config-checks.js';
import { KafkaConfigError, KafkaError } from '../errors.js';
import { ErrorCode, errorFor, KafkaBrokerError } from '../messages/error-codes.js';
import type { DescribeProducersResponse, DescribeTransactionsResponse, InitProducerIdResponse, ListTransactionsResponse, WriteTxnMarkersResponse } from '../messages/generated/index.js';
import { int64Arg, intArg, listArg, namesArg } from './args.js';
import { byNode, fanOut, type AdminContext } from './context.js';
import { routeToCoordinators, type GroupResult, type PartitionResult } from './groups.js';
import { partitionLeaders } from './offsets.js';
import { fail, ok, tpKey, type CallOptions, type Result, type TopicPartition } from './types.js';

export interface ProducerState {
  producerId: bigint;
  producerEpoch: number;
  lastSequence: number;
  lastTimestamp: bigint;
  coordinatorEpoch: number;
  /** First offset of the producer's open transaction, or null. */
  currentTransactionStartOffset: bigint | null;
}

export async function describeProducers(ctx: AdminContext, partitions: TopicPartition[], opts: CallOptions = {}): Promise<Array<PartitionResult<ProducerState[]>>> {
  const byKey = new Map(partitions.map((p) => [tpKey(p.topic, p.partition), p]));
  const results = await ctx.perItem<ProducerState[]>('DescribeProducers', [...byKey.keys()], async (pending) => {
    const out = new Map<string, Result<ProducerState[]>>();
    const groups = await partitionLeaders(ctx, pending.map((k) => byKey.get(k)!), out, 'DescribeProducers');
    await fanOut(out, groups, (p) => tpKey(p.topic, p.partition), async (node, list) => {
      const topics = new Map<string, number[]>();
      for (const p of list) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p.partition]);
      const res = await ctx.pool.request<DescribeProducersResponse>(node, 'DescribeProducers', { topics: [...topics].map(([name, partitionIndexes]) => ({ name, partitionIndexes })) });
      for (const t of res.topics) {
        for (const p of t.partitions) {
          out.set(
            tpKey(t.name, p.partitionIndex),
            p.errorCode !== 0
              ? fail(errorFor(p.errorCode, { api: 'DescribeProducers', broker: node, topic: t.name, partition: p.partitionIndex }, p.errorMessage))
              : ok(
                  p.activeProducers.map((s) => ({
                    producerId: s.producerId,
                    producerEpoch: s.producerEpoch,
                    lastSequence: s.lastSequence,
                    lastTimestamp: s.lastTimestamp,
                    coordinatorEpoch: s.coordinatorEpoch,
                    currentTransactionStartOffset: s.currentTxnStartOffset < 0n ? null : s.currentTxnStartOffset,
                  })),
                ),
          );
        }
      }
    });
    return out;
  }, opts);
  return [...byKey].map(([k, p]) => ({ topic: p.topic, partition: p.partition, ...results.get(k)! }));
}

export interface TransactionListing {
  transactionalId: string;
  producerId: bigint;
  state: string;
}

/** Transactions every broker coordinates (filtered); brokers that failed are listed in `errors`. */
export async function listTransactions(
  ctx: AdminContext,
  opts: CallOptions & { states?: string[]; producerIds?: Array<bigint | number>; durationMs?: number } = {},
): Promise<{ transactions: TransactionListing[]; errors: Array<{ broker: number; error: Error }> }> {
  const call = 'listTransactions()';
  const stateFilters = opts.states == null ? [] : namesArg(call, 'transaction states', opts.states, 'states');
  const producerIdFilters = opts.producerIds == null ? [] : Array.from(listArg(call, 'producer ids', opts.producerIds, 'producerIds'), (id, i) => int64Arg(call, `producerIds[${i}]`, id, 0n));
  const durationFilter = opts.durationMs == null ? -1n : int64Arg(call, 'durationMs', opts.durationMs, -1n, ' (-1: any duration)');
  const brokers = await ctx.once('Metadata (listTransactions)', () => ctx.knownBrokers(), opts);
  const results = await ctx.perItem<TransactionListing[]>('ListTransactions', brokers.map((b) => String(b.id)), async (pending) => {
    const out = new Map<string, Result<TransactionListing[]>>();
    await fanOut(out, byNode(pending.map((k) => [Number(k), k] as [number, string])), (k) => k, async (node) => {
      const res = await ctx.pool.request<ListTransactionsResponse>(node, 'ListTransactions', {
        stateFilters,
        producerIdFilters,
        durationFilter,
      });
      out.set(
        String(node),
        res.errorCode !== 0
          ? fail(errorFor(res.errorCode, { api: 'ListTransactions', broker: node }))
          : ok(res.transactionStates.map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, state: t.transactionState }))),
      );
    });
    return out;
  }, opts);
  const transactions: TransactionListing[] = [];
  const errors: Array<{ broker: number; error: Error }> = [];
  for (const [k, r] of results) {
    if (r.ok) transactions.push(...r.value);
    else errors.push({ broker: Number(k), error: r.error });
  }
  return { transactions: transactions.sort((a, b) => a.transactionalId.localeCompare(b.transactionalId)), errors };
}

export interface TransactionDescription {
  coordinatorId: number;
  state: string;
  producerId: bigint;
  producerEpoch: number;
  transactionTimeoutMs: number;
  /** Start of the current transaction (ms since the epoch), or null. */
  transactionStartTimeMs: bigint | null;
  topicPartitions: TopicPartition[];
}

export type TransactionResult<V> = { transactionalId: string } & Result<V>;

export async function describeTransactions(ctx: AdminContext, transactionalIds: string[], opts: CallOptions = {}): Promise<Array<TransactionResult<TransactionDescription>>> {
  const results = await ctx.perItem<TransactionDescription>('DescribeTransactions', transactionalIds, async (pending) => {
    const out = new Map<string, Result<TransactionDescription>>();
    const groups = await routeToCoordinators(ctx, 'transaction', pending, out);
    await fanOut(out, groups, (id) => id, async (node, ids) => {
      const res = await ctx.pool.request<DescribeTransactionsResponse>(node, 'DescribeTransactions', { transactionalIds: ids });
      for (const t of res.transactionStates) {
        out.set(
          t.transactionalId,
          t.errorCode !== 0
            ? fail(errorFor(t.errorCode, { api: 'DescribeTransactions', broker: node }, `transactional id ${t.transactionalId}`))
            : ok({
                coordinatorId: node,
                state: t.transactionState,
                producerId: t.producerId,
                producerEpoch: t.producerEpoch,
                transactionTimeoutMs: t.transactionTimeoutMs,
                transactionStartTimeMs: t.transactionStartTimeMs < 0n ? null : t.transactionStartTimeMs,
                topicPartitions: t.topics.flatMap((x) => x.partitions.map((partition) => ({ topic: x.topic, partition }))),
              }),
        );
      }
    });
    return out;
  }, opts);
  return [...new Set(transactionalIds)].map((transactionalId) => ({ transactionalId, ...results.get(transactionalId)! }));
}

/**
 * Fences the producers of those transactional ids, as Java's fenceProducers:
 * an InitProducerId for each id bumps its epoch, so the current producer's
 * next write or commit fails with a fencing error and its open transaction
 * is aborted.
 */
export async function fenceProducers(
  ctx: AdminContext,
  transactionalIds: string[],
  opts: CallOptions & { transactionTimeoutMs?: number } = {},
): Promise<Array<TransactionResult<{ producerId: bigint; producerEpoch: number }>>> {
  const transactionTimeoutMs = opts.transactionTimeoutMs == null ? 60_000 : intArg('fenceProducers()', 'transactionTimeoutMs', opts.transactionTimeoutMs, 1);
  const results = await ctx.perItem<{ producerId: bigint; producerEpoch: number }>('InitProducerId (fenceProducers)', transactionalIds, async (pending) => {
    const out = new Map<string, Result<{ producerId: bigint; producerEpoch: number }>>();
    const groups = await routeToCoordinators(ctx, 'transaction', pending, out);
    await fanOut(out, groups, (id) => id, async (node, ids) => {
      await Promise.all(ids.map(async (transactionalId) => {
        const res = await ctx.pool.request<InitProducerIdResponse>(node, 'InitProducerId', {
          transactionalId,
          transactionTimeoutMs,
          producerId: -1n,
          producerEpoch: -1,
        });
        out.set(transactionalId, res.errorCode !== 0 ? fail(errorFor(res.errorCode, { api: 'InitProducerId', broker: node }, `transactional id ${transactionalId}`)) : ok({ producerId: res.producerId, producerEpoch: res.producerEpoch }));
      }));
    });
    return out;
  }, opts);
  return [...new Set(transactionalIds)].map((transactionalId) => ({ transactionalId, ...results.get(transactionalId)! }));
}

export interface AbortTransactionSpec extends TopicPartition {
  producerId: bigint;
  producerEpoch: number;
  /** The coordinator epoch describeProducers reported (-1 there, when no marker was ever written: pass 0). */
  coordinatorEpoch: number;
}

/** Errors after which Java looks the partition leader up again and retries. */
const LEADER_MOVED = new Set<number>([ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.REPLICA_NOT_AVAILABLE, ErrorCode.BROKER_NOT_AVAILABLE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);

/**
 * Aborts a hanging transaction on one partition, as Java's abortTransaction:
 * the partition leader gets a WriteTxnMarkers request with one abort marker
 * for that producer id and epoch, written under the given coordinator epoch.
 * The leader then drops the producer's open transaction, so the last stable
 * offset moves on and read_committed consumers get past it. Needs
 * CLUSTER_ACTION on the cluster. Take the values from describeProducers
 * (the producer whose currentTransactionStartOffset is the stuck offset).
 */
export async function abortTransaction(ctx: AdminContext, spec: AbortTransactionSpec, opts: CallOptions = {}): Promise<void> {
  const s = checkAbortSpec(spec);
  const key = tpKey(s.topic, s.partition);
  const what = `abortTransaction (WriteTxnMarkers) for ${s.topic}-${s.partition}, producer ${s.producerId} epoch ${s.producerEpoch}`;
  const results = await ctx.perItem<void>('WriteTxnMarkers (abortTransaction)', [key], async () => {
    const out = new Map<string, Result<void>>();
    const groups = await partitionLeaders(ctx, [s], out, 'WriteTxnMarkers');
    await fanOut(out, groups, (p) => tpKey(p.topic, p.partition), async (node) => {
      const res = await ctx.pool.request<WriteTxnMarkersResponse>(node, 'WriteTxnMarkers', {
        markers: [{ producerId: s.producerId, producerEpoch: s.producerEpoch, transactionResult: false, coordinatorEpoch: s.coordinatorEpoch, topics: [{ name: s.topic, partitionIndexes: [s.partition] }] }],
      });
      const marker = res.markers.length === 1 && res.markers[0]!.producerId === s.producerId ? res.markers[0]! : null;
      const topic = marker && marker.topics.length === 1 && marker.topics[0]!.name === s.topic ? marker.topics[0]! : null;
      const part = topic && topic.partitions.length === 1 && topic.partitions[0]!.partitionIndex === s.partition ? topic.partitions[0]! : null;
      if (!part) {
        out.set(key, fail(new KafkaError(`${what}: broker ${node} answered about other markers or partitions than the one asked for`, false, { api: 'WriteTxnMarkers', broker: node, topic: s.topic, partition: s.partition })));
        return;
      }
      if (part.errorCode === 0) {
        out.set(key, ok(undefined));
        return;
      }
      const e = errorFor(part.errorCode, { api: 'WriteTxnMarkers', broker: node, topic: s.topic, partition: s.partition }, what);
      // The leader moved or is not known yet: look it up again and retry, as Java does; other errors are final.
      out.set(key, fail(LEADER_MOVED.has(part.errorCode) ? new KafkaBrokerError(part.errorCode, e.message, true, e.context) : e.retriable ? new KafkaBrokerError(part.errorCode, e.message, false, e.context) : e));
    });
    return out;
  }, opts);
  const r = results.get(key)!;
  if (!r.ok) throw r.error;
}

function checkAbortSpec(spec: AbortTransactionSpec): AbortTransactionSpec {
  const s = spec as Partial<AbortTransactionSpec> | null;
  if (!s || typeof s.topic !== 'string' || s.topic.length === 0) throw new KafkaConfigError('abortTransaction needs { topic, partition, producerId, producerEpoch, coordinatorEpoch }');
  if (!Number.isInteger(s.partition) || s.partition! < 0) throw new KafkaConfigError(`abortTransaction: partition ${describeValue(s.partition)} of ${s.topic} is not a non-negative integer`);
  const pid = typeof s.producerId === 'number' && Number.isSafeInteger(s.producerId) ? BigInt(s.producerId) : s.producerId;
  if (typeof pid !== 'bigint' || pid < 0n) throw new KafkaConfigError(`abortTransaction: producerId ${describeValue(s.producerId)} is not a non-negative integer`);
  if (!Number.isInteger(s.producerEpoch) || s.producerEpoch! < 0 || s.producerEpoch! > 32767) throw new KafkaConfigError(`abortTransaction: producerEpoch ${describeValue(s.producerEpoch)} is not an int16 ≥ 0`);
  if (!Number.isInteger(s.coordinatorEpoch) || s.coordinatorEpoch! < 0 || s.coordinatorEpoch! > 2147483647) {
    throw new KafkaConfigError(`abortTransaction: coordinatorEpoch ${describeValue(s.coordinatorEpoch)} is not an int32 ≥ 0 (describeProducers reports -1 when no coordinator wrote a marker yet: pass 0, as kafka-transactions.sh does)`);
  }
  return { topic: s.topic, partition: s.partition!, producerId: pid, producerEpoch: s.producerEpoch!, coordinatorEpoch: s.coordinatorEpoch! };
}

export type { GroupResult };
