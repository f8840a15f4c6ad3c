// Transaction calls: describeProducers (partition leaders), listTransactions
// (every broker), describeTransactions and fenceProducers (transaction
// coordinators), abortTransaction.
import { KafkaError } from '../errors.js';
import { errorFor } from '../messages/error-codes.js';
import type { DescribeProducersResponse, DescribeTransactionsResponse, InitProducerIdResponse, ListTransactionsResponse } from '../messages/generated/index.js';
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
  opts: CallOptions & { states?: string[]; producerIds?: bigint[]; durationMs?: number } = {},
): Promise<{ transactions: TransactionListing[]; errors: Array<{ broker: number; error: Error }> }> {
  const brokers = await ctx.once('Metadata (listTransactions)', () => ctx.knownBrokers(), opts);
  const results = await ctx.perItem<TransactionListing[]>('ListTransactions', brokers.map((b) => String(b.id)), async (pending) => {
    const out = new Map<string, Result<TransactionListing[]>>();
    await fanOut(out, byNode(pending.map((k) => [Number(k), k] as [number, string])), (k) => k, async (node) => {
      const res = await ctx.pool.request<ListTransactionsResponse>(node, 'ListTransactions', {
        stateFilters: opts.states ?? [],
        producerIdFilters: opts.producerIds ?? [],
        durationFilter: BigInt(opts.durationMs ?? -1),
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
  const results = await ctx.perItem<{ producerId: bigint; producerEpoch: number }>('InitProducerId (fenceProducers)', transactionalIds, async (pending) => {
    const out = new Map<string, Result<{ producerId: bigint; producerEpoch: number }>>();
    const groups = await routeToCoordinators(ctx, 'transaction', pending, out);
    await fanOut(out, groups, (id) => id, async (node, ids) => {
      await Promise.all(ids.map(async (transactionalId) => {
        const res = await ctx.pool.request<InitProducerIdResponse>(node, 'InitProducerId', {
          transactionalId,
          transactionTimeoutMs: opts.transactionTimeoutMs ?? 60_000,
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
  coordinatorEpoch: number;
}

/**
 * Java's abortTransaction writes an abort marker for a hanging transaction
 * with WriteTxnMarkers (API 27) to the partition leader; kafkawire has no
 * codec for that API yet, so this rejects saying so.
 */
export async function abortTransaction(_ctx: AdminContext, spec: AbortTransactionSpec): Promise<void> {
  throw new KafkaError(
    `abortTransaction for ${spec.topic}-${spec.partition} (producer ${spec.producerId}) needs the WriteTxnMarkers API (key 27), which this version of kafkawire does not implement; ` +
      'use kafka-transactions.sh abort meanwhile',
    false,
    { api: 'WriteTxnMarkers', topic: spec.topic, partition: spec.partition },
  );
}

export type { GroupResult };
