/**
 * The share consumer's conversation with one broker (the leader of some
 * assigned partitions): one share session, one request at a time. Each
 * round sends either a ShareFetch for the partitions this broker leads,
 * carrying the acknowledgements owed for them, or — while the records of the
 * last fetch are still being handed out — a ShareAcknowledge with only the
 * acknowledgements. Acknowledgements cannot ride on a request that opens a
 * session (epoch 0); those owed when a session is lost fail, and the broker
 * delivers the records again once their acquisition locks run out.
 */
import createDebug from 'debug';
import { isAuthorizationCode, KafkaAuthorizationError, KafkaBrokerError, KafkaError, type KafkaErrorContext } from '../../errors.js';
import { ErrorCode, errorFor, errorName, isRetriable } from '../../messages/error-codes.js';
import type { ShareAcknowledgeResponse, ShareFetchResponse } from '../../messages/generated/index.js';
import { backoffMs } from '../../network/backoff.js';
import type { ConnectionPool } from '../../network/pool.js';
import { AckQueue, toAckBatches, type PartitionAcks } from './acks.js';
import type { AcquiredRange } from './acquired.js';
import { CLOSE_EPOCH, ShareSession } from './session.js';
import { ACK_CODE, type ShareAcknowledgementResult } from './types.js';

const log = createDebug('kafkawire:share-consumer');

/** A partition this broker leads, as the session names it. */
export interface SharePartitionRef {
  topic: string;
  topicId: string;
  partition: number;
}

export interface FetchedPartition extends SharePartitionRef {
  records: Buffer | null;
  acquired: AcquiredRange[];
}

/** What a node needs from the consumer. */
export interface ShareNodeHost {
  readonly pool: ConnectionPool;
  readonly groupId: string;
  readonly settings: { maxWaitMs: number; minBytes: number; maxBytes: number; maxRecords: number; acquireMode: 0 | 1; retryBackoffMs: number; retryBackoffMaxMs: number };
  memberId(): string;
  /** Partitions this broker leads for us, and whether to fetch from it now (false while its last records are still being handed out). */
  wanted(nodeId: number): { fetch: boolean; partitions: Map<string, SharePartitionRef> };
  /** A ShareFetch to this broker is being sent now. */
  fetching(nodeId: number): void;
  topicName(topicId: string): string | undefined;
  received(nodeId: number, data: FetchedPartition[]): void;
  acknowledged(results: ShareAcknowledgementResult[]): void;
  partitionError(nodeId: number, ref: SharePartitionRef, err: KafkaBrokerError, moved: boolean, leader?: { leaderId: number; leaderEpoch: number }): void;
  lockTimeout(nodeId: number, ms: number): void;
  brokerFailed(nodeId: number, err: unknown): void;
  fatal(err: unknown): void;
}

const SESSION_ERRORS = new Set<number>([ErrorCode.SHARE_SESSION_NOT_FOUND, ErrorCode.INVALID_SHARE_SESSION_EPOCH]);
/** Partition errors that mean "look the leader up again". */
const MOVED = new Set<number>([ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_ID, ErrorCode.FENCED_LEADER_EPOCH, ErrorCode.UNKNOWN_LEADER_EPOCH, ErrorCode.LEADER_NOT_AVAILABLE]);

function byTopic<T>(items: Array<{ topicId: string; partition: number; value: T }>): Array<{ topicId: string; partitions: Array<{ partition: number; value: T }> }> {
  const m = new Map<string, Array<{ partition: number; value: T }>>();
  for (const it of items) {
    let l = m.get(it.topicId);
    if (!l) m.set(it.topicId, (l = []));
    l.push({ partition: it.partition, value: it.value });
  }
  return [...m].map(([topicId, partitions]) => ({ topicId, partitions }));
}

/** A broker error code, typed as errorFor types it, with the share group named in the message. */
export function shareError(groupId: string, code: number, ctx: KafkaErrorContext, brokerMessage: string | null): KafkaBrokerError {
  const msg = `share group ${groupId}: ${errorFor(code, ctx, brokerMessage).message}`;
  return isAuthorizationCode(code) ? new KafkaAuthorizationError(code, msg, ctx) : new KafkaBrokerError(code, msg, isRetriable(code), ctx);
}

export class ShareNode {
  readonly session = new ShareSession();
  readonly queue = new AckQueue();
  private running = false;
  private closed = false;
  private failures = 0;
  private current: Promise<void> = Promise.resolve();
  /** Waiting for the next request that carries acknowledgements, and for the one in flight. */
  private nextWaiters: Array<(r: ShareAcknowledgementResult[]) => void> = [];
  private inflightWaiters: Array<(r: ShareAcknowledgementResult[]) => void> | null = null;
  private sleeping: { timer: NodeJS.Timeout; resolve: () => void } | null = null;

  constructor(
    readonly nodeId: number,
    private readonly host: ShareNodeHost,
  ) {}

  /** Starts the loop if it is idle. */
  wake(): void {
    if (this.closed) return;
    if (this.sleeping) {
      clearTimeout(this.sleeping.timer);
      this.sleeping.resolve();
      this.sleeping = null;
    }
    if (this.running) return;
    this.running = true;
    this.current = this.run().catch((e: unknown) => {
      this.running = false;
      this.host.fatal(e);
    });
  }

  /** Resolves once the acknowledgements queued now (and any in flight) have been answered. */
  flush(): Promise<ShareAcknowledgementResult[]> {
    if (this.queue.size === 0 && this.inflightWaiters === null) return Promise.resolve([]);
    return new Promise((resolve) => {
      if (this.queue.size === 0 && this.inflightWaiters !== null) this.inflightWaiters.push(resolve);
      else {
        this.nextWaiters.push(resolve);
        this.wake();
      }
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleeping = null;
        resolve();
      }, ms);
      this.sleeping = { timer, resolve };
    });
  }

  /** The loop; `running` is cleared in the same synchronous step as the decision to stop, so no wake() is lost. */
  private async run(): Promise<void> {
    for (;;) {
      if (this.closed) {
        this.running = false;
        return;
      }
      const { fetch, partitions } = this.host.wanted(this.nodeId);
      const doFetch = fetch && partitions.size > 0;
      if (!doFetch && this.queue.size === 0) {
        this.running = false;
        return;
      }
      const waiters = this.nextWaiters.splice(0);
      this.inflightWaiters = waiters;
      const acks = this.queue.takeAll();
      const results: ShareAcknowledgementResult[] = [];
      try {
        if (doFetch) {
          const ride = this.session.open ? acks.filter((a) => partitions.has(`${a.topic}:${a.partition}`)) : [];
          const rest = acks.filter((a) => !ride.includes(a));
          if (rest.length > 0) results.push(...(await this.acknowledge(rest, this.session.ackEpoch())));
          if (this.closed) {
            this.failAcks(ride, new KafkaError(`the share consumer of group ${this.host.groupId} closed before these acknowledgements were sent`, false, { broker: this.nodeId }), results);
            continue;
          }
          results.push(...(await this.fetch(partitions, ride)));
        } else {
          results.push(...(await this.acknowledge(acks, this.session.ackEpoch())));
        }
      } finally {
        this.inflightWaiters = null;
        if (results.length > 0) this.host.acknowledged(results);
        for (const w of waiters) w(results);
      }
    }
  }

  private failAcks(acks: PartitionAcks[], err: Error, into: ShareAcknowledgementResult[]): void {
    for (const a of acks) into.push({ topic: a.topic, partition: a.partition, offsets: [...a.acks.keys()].sort((x, y) => (x < y ? -1 : 1)), error: err });
  }

  private lostSession(): KafkaError {
    return new KafkaError(
      `the share session of group ${this.host.groupId} with broker ${this.nodeId} was lost, so these acknowledgements cannot be applied; ` +
        'the broker delivers the records again once their acquisition lock times out',
      true,
      { api: 'ShareAcknowledge', broker: this.nodeId },
    );
  }

  private ackTopics(acks: PartitionAcks[]) {
    return byTopic(acks.map((a) => ({ topicId: a.topicId, partition: a.partition, value: toAckBatches(a.acks) })));
  }

  private static hasRenew(acks: PartitionAcks[]): boolean {
    return acks.some((a) => [...a.acks.values()].includes(ACK_CODE.renew));
  }

  /** ShareAcknowledge in the open session (epoch null: no session, the acknowledgements fail). */
  private async acknowledge(acks: PartitionAcks[], epoch: number | null, closing = false): Promise<ShareAcknowledgementResult[]> {
    const out: ShareAcknowledgementResult[] = [];
    if (acks.length === 0 && !closing) return out;
    if (epoch === null) {
      this.failAcks(acks, this.lostSession(), out);
      return out;
    }
    let res: ShareAcknowledgeResponse;
    try {
      res = await this.host.pool.request<ShareAcknowledgeResponse>(this.nodeId, 'ShareAcknowledge', {
        groupId: this.host.groupId,
        memberId: this.host.memberId(),
        shareSessionEpoch: epoch,
        isRenewAck: ShareNode.hasRenew(acks),
        topics: this.ackTopics(acks).map((t) => ({ topicId: t.topicId, partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, acknowledgementBatches: p.value })) })),
      });
    } catch (e) {
      this.session.reset();
      this.failAcks(acks, e as Error, out);
      if (!closing) this.host.brokerFailed(this.nodeId, e);
      return out;
    }
    if (res.errorCode !== 0) {
      const err = shareError(this.host.groupId, res.errorCode, { api: 'ShareAcknowledge', broker: this.nodeId }, res.errorMessage);
      if (SESSION_ERRORS.has(res.errorCode) || closing) this.session.reset();
      log('group %s: ShareAcknowledge to broker %d: %s', this.host.groupId, this.nodeId, err.message);
      this.failAcks(acks, err, out);
      return out;
    }
    if (closing) this.session.reset();
    else this.session.accepted({});
    if (res.acquisitionLockTimeoutMs > 0) this.host.lockTimeout(this.nodeId, res.acquisitionLockTimeoutMs);
    const errors = new Map<string, { code: number; message: string | null }>();
    for (const t of res.responses) {
      const topic = this.host.topicName(t.topicId);
      for (const p of t.partitions) if (p.errorCode !== 0 && topic !== undefined) errors.set(`${topic}:${p.partitionIndex}`, { code: p.errorCode, message: p.errorMessage });
    }
    for (const a of acks) {
      const e = errors.get(`${a.topic}:${a.partition}`);
      out.push({
        topic: a.topic,
        partition: a.partition,
        offsets: [...a.acks.keys()].sort((x, y) => (x < y ? -1 : 1)),
        error: e ? shareError(this.host.groupId, e.code, { api: 'ShareAcknowledge', broker: this.nodeId, topic: a.topic, partition: a.partition }, e.message) : null,
      });
    }
    return out;
  }

  private async fetch(partitions: Map<string, SharePartitionRef>, acks: PartitionAcks[]): Promise<ShareAcknowledgementResult[]> {
    const s = this.host.settings;
    for (const ref of partitions.values()) this.topicIds.set(ref.topic, ref.topicId);
    const req = this.session.build(new Set(partitions.keys()));
    const ackBy = new Map(acks.map((a) => [`${a.topic}:${a.partition}`, a]));
    const listed = new Set([...req.add, ...ackBy.keys()]);
    const topics = byTopic(
      [...listed].map((k) => {
        const ref = partitions.get(k)!;
        const a = ackBy.get(k);
        return { topicId: ref.topicId, partition: ref.partition, value: a ? toAckBatches(a.acks) : [] };
      }),
    ).map((t) => ({ topicId: t.topicId, partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, acknowledgementBatches: p.value })) }));
    const forgotten = byTopic(
      req.forget.map((k) => {
        const i = k.lastIndexOf(':');
        const topic = k.slice(0, i);
        return { topicId: this.topicIdOf(topic), partition: Number(k.slice(i + 1)), value: null };
      }),
    ).map((t) => ({ topicId: t.topicId, partitions: t.partitions.map((p) => p.partition) }));
    const sentAt = Date.now();
    this.host.fetching(this.nodeId);
    let res: ShareFetchResponse;
    const out: ShareAcknowledgementResult[] = [];
    try {
      res = await this.host.pool.request<ShareFetchResponse>(this.nodeId, 'ShareFetch', {
        groupId: this.host.groupId,
        memberId: this.host.memberId(),
        shareSessionEpoch: req.epoch,
        maxWaitMs: s.maxWaitMs,
        minBytes: s.minBytes,
        maxBytes: s.maxBytes,
        maxRecords: s.maxRecords,
        batchSize: s.maxRecords,
        shareAcquireMode: s.acquireMode,
        isRenewAck: ShareNode.hasRenew(acks),
        topics,
        forgottenTopicsData: forgotten,
      });
    } catch (e) {
      this.session.reset();
      this.failAcks(acks, e as Error, out);
      if (this.closed) return out;
      this.failures++;
      log('group %s: ShareFetch to broker %d failed (%s); retrying', this.host.groupId, this.nodeId, (e as Error).message);
      this.host.brokerFailed(this.nodeId, e);
      await this.sleep(backoffMs(this.failures, { initialMs: s.retryBackoffMs, maxMs: s.retryBackoffMaxMs }));
      return out;
    }
    if (res.errorCode !== 0) {
      const err = shareError(this.host.groupId, res.errorCode, { api: 'ShareFetch', broker: this.nodeId }, res.errorMessage);
      this.session.reset();
      this.failAcks(acks, err, out);
      this.failures++;
      if (!SESSION_ERRORS.has(res.errorCode) && !err.retriable && res.errorCode !== ErrorCode.UNKNOWN_MEMBER_ID && res.errorCode !== ErrorCode.FENCED_MEMBER_EPOCH) {
        this.host.fatal(err);
        return out;
      }
      log('group %s: ShareFetch to broker %d: %s (session epoch %d); opening a new session', this.host.groupId, this.nodeId, errorName(res.errorCode), req.epoch);
      if (this.failures > 1) await this.sleep(backoffMs(this.failures - 1, { initialMs: s.retryBackoffMs, maxMs: s.retryBackoffMaxMs }));
      return out;
    }
    this.failures = 0;
    this.session.accepted(req);
    if (res.acquisitionLockTimeoutMs > 0) this.host.lockTimeout(this.nodeId, res.acquisitionLockTimeoutMs);
    const ackErrors = new Map<string, KafkaError>();
    const data: FetchedPartition[] = [];
    let empty = true;
    for (const t of res.responses) {
      const topic = this.host.topicName(t.topicId);
      if (topic === undefined) continue;
      for (const p of t.partitions) {
        const key = `${topic}:${p.partitionIndex}`;
        const ref: SharePartitionRef = partitions.get(key) ?? { topic, topicId: t.topicId, partition: p.partitionIndex };
        if (p.acknowledgeErrorCode !== 0) ackErrors.set(key, shareError(this.host.groupId, p.acknowledgeErrorCode, { api: 'ShareFetch', broker: this.nodeId, topic, partition: p.partitionIndex }, p.acknowledgeErrorMessage));
        if (p.errorCode !== 0) {
          empty = false;
          const err = shareError(this.host.groupId, p.errorCode, { api: 'ShareFetch', broker: this.nodeId, topic, partition: p.partitionIndex }, p.errorMessage);
          this.host.partitionError(this.nodeId, ref, err, MOVED.has(p.errorCode), p.currentLeader);
          continue;
        }
        if (p.acquiredRecords.length > 0) {
          empty = false;
          data.push({ ...ref, records: p.records && p.records.length > 0 ? Buffer.from(p.records.buffer, p.records.byteOffset, p.records.byteLength) : null, acquired: p.acquiredRecords.map((r) => ({ firstOffset: r.firstOffset, lastOffset: r.lastOffset, deliveryCount: r.deliveryCount })) });
        }
      }
    }
    for (const a of acks) out.push({ topic: a.topic, partition: a.partition, offsets: [...a.acks.keys()].sort((x, y) => (x < y ? -1 : 1)), error: ackErrors.get(`${a.topic}:${a.partition}`) ?? null });
    if (data.length > 0) this.host.received(this.nodeId, data);
    // A broker answers an empty ShareFetch after maxWaitMs; one that answers at once must not be asked again at once.
    const early = s.maxWaitMs - (Date.now() - sentAt);
    if (empty && early > 0 && this.queue.size === 0) await this.sleep(early);
    return out;
  }

  private topicIdOf(topic: string): string {
    return this.topicIds.get(topic) ?? 'AAAAAAAAAAAAAAAAAAAAAA';
  }

  /** Topic ids seen, for forgetting partitions whose topic is no longer wanted. */
  readonly topicIds = new Map<string, string>();

  /**
   * Stops the loop and closes the session (ShareAcknowledge with epoch -1)
   * carrying the last acknowledgements; the broker releases whatever this
   * member still holds in the session. Best effort.
   */
  async close(): Promise<ShareAcknowledgementResult[]> {
    this.closed = true;
    if (this.sleeping) {
      clearTimeout(this.sleeping.timer);
      this.sleeping.resolve();
      this.sleeping = null;
    }
    await this.current.catch(() => undefined);
    const acks = this.queue.takeAll();
    const waiters = this.nextWaiters.splice(0);
    let results: ShareAcknowledgementResult[] = [];
    if (this.session.open) {
      results = await this.acknowledge(acks, CLOSE_EPOCH, true);
    } else {
      this.failAcks(acks, this.lostSession(), results);
    }
    if (results.length > 0) this.host.acknowledged(results);
    for (const w of waiters) w(results);
    return results;
  }
}
