/**
 * ShareConsumer: a member of a share group (KIP-932, "queues for Kafka"),
 * with the semantics of Java's KafkaShareConsumer. Several members read the
 * same partitions; each record is lent to one member at a time (acquired,
 * under a lock of the group's share.record.lock.duration.ms) and that member
 * accepts, releases or rejects it. A released record, or one whose lock ran
 * out, is delivered again with a higher delivery count, until the group's
 * share.delivery.count.limit, after which the broker archives it.
 */
import createDebug from 'debug';
import { Metadata } from '../../cluster/metadata.js';
import { callTimeoutMs, clockOption } from '../../config-checks.js';
import { KafkaConfigError, KafkaError, KafkaTimeoutError } from '../../errors.js';
import { api } from '../../messages/registry.js';
import type { Clock } from '../../network/clock.js';
import { clientPool } from '../../network/client-pool.js';
import type { ConnectionPool } from '../../network/pool.js';
import type { DecodeSettings } from '../completed-fetch.js';
import { AcquiredFetch } from './acquired.js';
import { ShareAcknowledgementError } from './errors.js';
import { ShareMembership, type AssignedPartition } from './membership.js';
import { ShareNode, type FetchedPartition, type SharePartitionRef, type ShareNodeHost } from './node.js';
import { resolveShareConsumerOptions, type ResolvedShareConsumerOptions, type ShareConsumerOptions } from './options.js';
import { ACK_CODE, type AckCode, type AcknowledgeType, type ShareAcknowledgementResult, type ShareConsumerRecord } from './types.js';

const log = createDebug('kafkawire:share-consumer');

/** A record to acknowledge: one poll() returned, or its topic, partition and offset. */
export type ShareRecordRef = Pick<ShareConsumerRecord<unknown, unknown>, 'topic' | 'partition' | 'offset'>;

interface Delivered {
  topic: string;
  topicId: string;
  partition: number;
  offset: bigint;
  nodeId: number;
}

const recKey = (topic: string, partition: number, offset: bigint) => `${topic}:${partition}:${offset}`;

export class ShareConsumer<K = Buffer | null, V = Buffer | null> implements AsyncIterable<ShareConsumerRecord<K, V>> {
  readonly options: ResolvedShareConsumerOptions;
  private readonly pool: ConnectionPool;
  private readonly metadata: Metadata;
  private readonly clock: Clock;
  private readonly decode: DecodeSettings;
  private membership: ShareMembership | null = null;
  private topics: string[] = [];
  private assignmentList: AssignedPartition[] = [];
  private readonly nodes = new Map<number, ShareNode>();
  private buffer: AcquiredFetch[] = [];
  /** Records handed out by poll() and not acknowledged yet (all of the last poll's, in implicit mode). */
  private readonly delivered = new Map<string, Delivered>();
  private readonly errors: KafkaError[] = [];
  private fatalError: KafkaError | null = null;
  private dataWaiters: Array<() => void> = [];
  private lockTimeoutMs: number | null = null;
  private commitCallback: ((results: ShareAcknowledgementResult[]) => void) | null = null;
  private starting: Promise<void> | null = null;
  private refreshing = false;
  /** poll() calls waiting for records now: brokers are fetched from while there are any. */
  private waitingPolls = 0;
  /** Brokers allowed one fetch ahead of the application (after a poll that returned records). */
  private readonly prefetch = new Set<number>();
  private closing = false;
  private closed = false;

  constructor(options: ShareConsumerOptions<K, V>) {
    this.options = resolveShareConsumerOptions(options as ShareConsumerOptions<unknown, unknown>);
    const o = this.options;
    this.clock = clockOption(options.clock);
    this.pool = clientPool({ ...o, tls: options.tls, sasl: options.sasl, lookup: options.lookup, clock: options.clock });
    this.metadata = new Metadata(this.pool, { metadataMaxAgeMs: o.metadataMaxAgeMs, retryBackoffMs: o.retryBackoffMs, allowAutoTopicCreation: false });
    this.decode = { checkCrcs: o.checkCrcs, readCommitted: false, keyDeserializer: o.keyDeserializer, valueDeserializer: o.valueDeserializer };
    this.nodeHost = this.makeNodeHost();
  }

  private checkOpen(): void {
    if (this.closing || this.closed) throw new KafkaConfigError(`the share consumer of group ${this.options.groupId} is closed`);
  }

  // --- subscription ---

  /** Joins the share group for these topics (replacing any earlier list); records come once the group assigns partitions. */
  subscribe(topics: string[]): void {
    this.checkOpen();
    if (!Array.isArray(topics)) throw new KafkaConfigError('subscribe() takes a list of topic names');
    for (const t of topics) if (typeof t !== 'string' || t.length === 0) throw new KafkaConfigError(`subscribe(): invalid topic name ${JSON.stringify(t)}`);
    if (topics.length === 0) {
      this.unsubscribe().catch((e: unknown) => log('unsubscribe failed: %s', (e as Error).message));
      return;
    }
    this.topics = [...new Set(topics)];
    this.metadata.want(this.topics);
    this.membership ??= new ShareMembership({
      pool: this.pool,
      metadata: this.metadata,
      clock: this.clock,
      options: this.options,
      assigned: (list) => this.setAssignment(list),
      fatal: (err) => this.fail(err),
      versionAt: async (nodeId) => (await this.pool.get(nodeId)).versionFor(api('ShareGroupHeartbeat')),
    });
    const m = this.membership;
    const topicsNow = this.topics;
    this.connect()
      .then(() => {
        if (!this.closing && !this.closed && m === this.membership) m.subscribe(topicsNow);
      })
      .catch((e: unknown) => this.fail(e));
  }

  /** Leaves the share group; acquired records not yet acknowledged are released. */
  async unsubscribe(): Promise<void> {
    const m = this.membership;
    this.topics = [];
    this.releaseHeld();
    this.setAssignment([]);
    // Close the share sessions (they belong to this member id); a later subscribe() joins as a new member.
    const nodes = [...this.nodes.values()];
    this.nodes.clear();
    await Promise.all(nodes.map((n) => n.close().catch((e: unknown) => log('closing the share session with broker %d failed: %s', n.nodeId, (e as Error).message))));
    this.membership = null;
    if (m) await m.leave();
  }

  /** The topics subscribed to. */
  subscription(): string[] {
    return [...this.topics];
  }

  /** The partitions the group assigned to this member now (other members may have the same ones). */
  assignment(): Array<{ topic: string; partition: number }> {
    return this.assignmentList.map((p) => ({ topic: p.topic, partition: p.partition }));
  }

  /** The acquisition lock timeout the brokers reported (ShareFetch v1+), or null before the first fetch. Java's acquisitionLockTimeoutMs(). */
  acquisitionLockTimeoutMs(): number | null {
    return this.lockTimeoutMs;
  }

  /** The member id this consumer chose for the group (a UUID; kept until close). */
  memberId(): string | null {
    return this.membership?.memberId ?? null;
  }

  /** Called with the outcome of every acknowledgement sent, whoever triggered it (Java's setAcknowledgementCommitCallback). */
  setAcknowledgementCommitCallback(callback: ((results: ShareAcknowledgementResult[]) => void) | null): void {
    this.commitCallback = callback;
  }

  private connect(): Promise<void> {
    this.starting ??= (async () => {
      await this.pool.start();
      await this.metadata.refresh();
    })();
    this.starting.catch(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private setAssignment(list: AssignedPartition[]): void {
    this.assignmentList = list;
    const keep = new Set(list.map((p) => `${p.topic}:${p.partition}`));
    // Records of partitions no longer assigned stay acquired by us until released: give them back.
    const gone = this.buffer.filter((f) => !keep.has(`${f.topic}:${f.partition}`));
    for (const f of gone) this.releaseFetch(f);
    this.buffer = this.buffer.filter((f) => !gone.includes(f));
    this.wakeAll();
  }

  // --- the per-broker loops ---

  /** What the per-broker loops see of this consumer (built in the constructor, once the pool exists). */
  private readonly nodeHost: ShareNodeHost;

  private makeNodeHost(): ShareNodeHost {
    const o = this.options;
    return {
      pool: this.pool,
      groupId: o.groupId,
      settings: { maxWaitMs: o.fetchMaxWaitMs, minBytes: o.fetchMinBytes, maxBytes: o.fetchMaxBytes, maxRecords: o.maxPollRecords, acquireMode: o.shareAcquireMode === 'record_limit' ? 1 : 0, retryBackoffMs: o.retryBackoffMs, retryBackoffMaxMs: o.retryBackoffMaxMs },
      memberId: () => this.membership?.memberId ?? '',
      wanted: (nodeId) => {
        const partitions = new Map<string, SharePartitionRef>();
        for (const p of this.assignmentList) if (this.metadata.leaderFor(p.topic, p.partition) === nodeId) partitions.set(`${p.topic}:${p.partition}`, p);
        // Records are fetched (acquired, so their lock starts) only for an application that is polling, plus one
        // fetch ahead after a poll that returned records, as Java's share consumer does: records sitting in the
        // buffer of a member that stopped polling would only wait for their locks to run out.
        const member = this.membership?.currentState === 'stable';
        const wanted = this.waitingPolls > 0 || this.prefetch.has(nodeId);
        const fetch = member && wanted && !this.closing && !this.closed && !this.buffer.some((f) => f.nodeId === nodeId && !f.done);
        return { fetch, partitions };
      },
      fetching: (nodeId) => {
        this.prefetch.delete(nodeId);
      },
      topicName: (topicId) => {
        for (const p of this.assignmentList) if (p.topicId === topicId) return p.topic;
        for (const t of this.metadata.topics.values()) if (t.topicId === topicId) return t.name;
        return undefined;
      },
      received: (nodeId, data) => this.received(nodeId, data),
      acknowledged: (results) => {
        for (const r of results) if (r.error) log('share group %s: acknowledgement of %s-%d %o failed: %s', this.options.groupId, r.topic, r.partition, r.offsets.map(String), r.error.message);
        if (this.commitCallback) {
          try {
            this.commitCallback(results);
          } catch (e) {
            log('the acknowledgement commit callback threw: %s', (e as Error).message);
          }
        }
      },
      partitionError: (nodeId, ref, err, moved, leader) => {
        if (moved) {
          if (leader && leader.leaderId >= 0) this.metadata.setLeader(ref.topic, ref.partition, leader.leaderId, leader.leaderEpoch);
          log('share group %s: %s-%d at broker %d: %s; looking up the leader again', this.options.groupId, ref.topic, ref.partition, nodeId, err.errorName);
          this.refreshMetadata();
          return;
        }
        this.errors.push(err);
        this.notify();
      },
      lockTimeout: (nodeId, ms) => {
        if (ms === this.lockTimeoutMs) return;
        this.lockTimeoutMs = ms;
        log('share group %s: broker %d holds acquired records for %d ms (acquisition lock timeout, the group\'s share.record.lock.duration.ms): acknowledge within that', this.options.groupId, nodeId, ms);
      },
      brokerFailed: () => this.refreshMetadata(),
      fatal: (err) => this.fail(err),
    };
  }

  private node(nodeId: number): ShareNode {
    let n = this.nodes.get(nodeId);
    if (!n) {
      n = new ShareNode(nodeId, this.nodeHost);
      this.nodes.set(nodeId, n);
    }
    return n;
  }

  private wakeAll(): void {
    if (this.closed) return;
    let unknown = false;
    for (const p of this.assignmentList) {
      const leader = this.metadata.leaderFor(p.topic, p.partition);
      if (leader < 0) unknown = true;
      else this.node(leader).wake();
    }
    for (const n of this.nodes.values()) n.wake();
    if (unknown) this.refreshMetadata();
  }

  private refreshMetadata(): void {
    if (this.refreshing || this.closed) return;
    this.refreshing = true;
    const wait = new Promise((r) => setTimeout(r, this.options.retryBackoffMs));
    wait
      .then(() => this.metadata.refresh())
      .catch((e: unknown) => log('share group %s: metadata refresh failed: %s', this.options.groupId, (e as Error).message))
      .finally(() => {
        this.refreshing = false;
        this.wakeAll();
      })
      .catch(() => undefined);
  }

  private received(nodeId: number, data: FetchedPartition[]): void {
    for (const d of data) {
      if (this.closing || this.closed || !this.assignmentList.some((p) => p.topic === d.topic && p.partition === d.partition)) {
        // Not ours any more: give the records back at once.
        for (const r of d.acquired) for (let o = r.firstOffset; o <= r.lastOffset; o++) this.node(nodeId).queue.add(d.topic, d.topicId, d.partition, o, ACK_CODE.release);
        continue;
      }
      try {
        this.buffer.push(new AcquiredFetch(d.topic, d.topicId, d.partition, nodeId, d.records, d.acquired, this.decode));
      } catch (e) {
        const err = e instanceof KafkaError ? e : new KafkaError((e as Error).message, false, { topic: d.topic, partition: d.partition, broker: nodeId, cause: e });
        for (const r of d.acquired) for (let o = r.firstOffset; o <= r.lastOffset; o++) this.node(nodeId).queue.add(d.topic, d.topicId, d.partition, o, ACK_CODE.release);
        this.errors.push(err);
      }
    }
    this.notify();
  }

  private notify(): void {
    for (const w of this.dataWaiters.splice(0)) w();
  }

  private waitForData(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.dataWaiters = this.dataWaiters.filter((w) => w !== done);
        resolve();
      }, ms);
      this.dataWaiters.push(done);
    });
  }

  private fail(e: unknown): void {
    if (this.closed) return;
    this.fatalError ??= e instanceof KafkaError ? e : new KafkaError(`share group ${this.options.groupId}: ${(e as Error)?.message ?? String(e)}`, false, { cause: e });
    log('share group %s: fatal: %s', this.options.groupId, this.fatalError.message);
    this.notify();
  }

  // --- acknowledgements ---

  private queueAck(d: Delivered, code: AckCode): void {
    this.node(d.nodeId).queue.add(d.topic, d.topicId, d.partition, d.offset, code);
  }

  /** Implicit mode: what the last poll returned is accepted now. Explicit mode: nothing may be left unacknowledged. */
  private settleDelivered(what: string): void {
    if (this.delivered.size === 0) return;
    if (this.options.shareAcknowledgementMode === 'explicit') {
      const first = this.delivered.values().next().value as Delivered;
      throw new ShareAcknowledgementError(
        `share group ${this.options.groupId}: ${what} while ${this.delivered.size} record(s) of the last poll are unacknowledged (first: ${first.topic}-${first.partition} offset ${first.offset}); ` +
          "with shareAcknowledgementMode 'explicit', acknowledge() every record first",
        this.options.groupId,
        { topic: first.topic, partition: first.partition, offset: first.offset },
      );
    }
    for (const d of this.delivered.values()) this.queueAck(d, ACK_CODE.accept);
    this.delivered.clear();
  }

  /**
   * Acknowledges one record of the last poll (shareAcknowledgementMode
   * 'explicit' only): 'accept' (default), 'release' or 'reject'; 'renew'
   * extends its lock and leaves it waiting for a final acknowledgement. Sent
   * with the next poll(), commitSync(), commitAsync() or close().
   */
  acknowledge(record: ShareRecordRef, type: AcknowledgeType = 'accept'): void {
    this.checkOpen();
    const g = this.options.groupId;
    if (this.options.shareAcknowledgementMode !== 'explicit') {
      throw new ShareAcknowledgementError(`share group ${g}: acknowledge() needs shareAcknowledgementMode 'explicit'; in 'implicit' mode the next poll() accepts every record`, g, record ?? {});
    }
    if (!record || typeof record.topic !== 'string' || typeof record.offset !== 'bigint') throw new KafkaConfigError('acknowledge() takes a record from poll() (or { topic, partition, offset } with a bigint offset)');
    const code = ACK_CODE[type as keyof typeof ACK_CODE];
    if (code === undefined || type === ('gap' as AcknowledgeType)) throw new KafkaConfigError(`acknowledge(): type must be 'accept', 'release', 'reject' or 'renew', got ${JSON.stringify(type)}`);
    const key = recKey(record.topic, record.partition, record.offset);
    const d = this.delivered.get(key);
    if (!d) {
      throw new ShareAcknowledgementError(
        `share group ${g}: ${record.topic}-${record.partition} offset ${record.offset} is not waiting for an acknowledgement (not returned by the last poll, or already acknowledged)`,
        g,
        { topic: record.topic, partition: record.partition, offset: record.offset },
      );
    }
    this.queueAck(d, code);
    if (type !== 'renew') this.delivered.delete(key);
  }

  /**
   * Sends every acknowledgement not sent yet (in implicit mode, accepting the
   * last poll's records first) and waits for the brokers' answers: one result
   * per partition, with `error` null where the broker applied them. Java's
   * commitSync(); throws a KafkaTimeoutError after timeoutMs (default defaultApiTimeoutMs).
   */
  async commitSync(opts?: { timeoutMs?: number }): Promise<ShareAcknowledgementResult[]> {
    this.checkOpen();
    const timeoutMs = callTimeoutMs('commitSync()', opts, this.options.defaultApiTimeoutMs);
    if (this.options.shareAcknowledgementMode === 'implicit') this.settleDelivered('commitSync()');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KafkaTimeoutError(`share group ${this.options.groupId}: commitSync() did not finish within ${timeoutMs} ms`, { api: 'ShareAcknowledge' })), timeoutMs);
    });
    try {
      const all = await Promise.race([Promise.all([...this.nodes.values()].map((n) => n.flush())), timeout]);
      return all.flat();
    } finally {
      clearTimeout(timer);
    }
  }

  /** commitSync() in the background; the callback (if any) gets the results or the error. */
  commitAsync(callback?: (err: Error | null, results: ShareAcknowledgementResult[]) => void): void {
    this.commitSync()
      .then(
        (r) => callback?.(null, r),
        (e: unknown) => {
          if (callback) callback(e as Error, []);
          else log('commitAsync failed: %s', (e as Error).message);
        },
      )
      .catch((e: unknown) => log('the commitAsync callback threw: %s', (e as Error).message));
  }

  // --- reading ---

  /**
   * Waits up to timeoutMs for records and returns at most maxPollRecords of
   * them ([] when none came). Implicit mode: first accepts every record the
   * previous poll returned. Explicit mode: throws a ShareAcknowledgementError
   * while one of them is unacknowledged. Throws a partition's error (e.g.
   * authorization) or the group's (e.g. UnsupportedVersionError on a cluster
   * without share groups).
   */
  async poll(timeoutMs = 1000): Promise<ShareConsumerRecord<K, V>[]> {
    this.checkOpen();
    if (this.topics.length === 0) throw new KafkaConfigError(`share group ${this.options.groupId}: call subscribe() before poll()`);
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) throw new KafkaConfigError(`poll(): timeoutMs must be a non-negative number, got ${timeoutMs}`);
    this.settleDelivered('poll()');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.fatalError) throw this.fatalError;
      const err = this.errors.shift();
      if (err) throw err;
      const out = this.take(this.options.maxPollRecords);
      if (out.length > 0 || this.closing || this.closed) {
        // One fetch ahead from each broker whose records are all handed out; acknowledgements ride on it.
        for (const id of this.nodes.keys()) if (!this.buffer.some((f) => f.nodeId === id)) this.prefetch.add(id);
        this.wakeAll();
        return out;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        this.wakeAll(); // the acknowledgements still go out
        return out;
      }
      this.waitingPolls++;
      try {
        this.wakeAll();
        await this.waitForData(left);
      } finally {
        this.waitingPolls--;
      }
    }
  }

  private take(max: number): ShareConsumerRecord<K, V>[] {
    const out: ShareConsumerRecord<unknown, unknown>[] = [];
    const drained = new Set<number>();
    while (out.length < max && this.buffer.length > 0) {
      const f = this.buffer[0]!;
      const before = out.length;
      const node = this.node(f.nodeId);
      const r = f.take(max - out.length, out, (offset, code) => node.queue.add(f.topic, f.topicId, f.partition, offset, code));
      for (let i = before; i < out.length; i++) {
        const rec = out[i]!;
        this.delivered.set(recKey(rec.topic, rec.partition, rec.offset), { topic: rec.topic, topicId: f.topicId, partition: rec.partition, offset: rec.offset, nodeId: f.nodeId });
        if (rec.deliveryCount > 1) log('share group %s: %s-%d offset %s delivered for the %d. time', this.options.groupId, rec.topic, rec.partition, String(rec.offset), rec.deliveryCount);
      }
      if (f.done) {
        this.buffer.shift();
        drained.add(f.nodeId);
      }
      if (r.error) {
        this.errors.push(r.error);
        break;
      }
      if (!f.done) break;
    }
    for (const id of drained) this.node(id).wake();
    return out as ShareConsumerRecord<K, V>[];
  }

  /** Releases what this member holds and has not handed out, and (explicit mode) what it handed out and nobody acknowledged. */
  private releaseHeld(): void {
    for (const f of this.buffer) this.releaseFetch(f);
    this.buffer = [];
    for (const d of this.delivered.values()) this.queueAck(d, this.options.shareAcknowledgementMode === 'implicit' ? ACK_CODE.accept : ACK_CODE.release);
    this.delivered.clear();
  }

  private releaseFetch(f: AcquiredFetch): void {
    const node = this.node(f.nodeId);
    for (const o of f.drain()) node.queue.add(f.topic, f.topicId, f.partition, o, ACK_CODE.release);
  }

  /** Records one at a time (each poll's records handed out in order). Leaving the loop gives back the records not handed out yet. */
  [Symbol.asyncIterator](): AsyncIterator<ShareConsumerRecord<K, V>> {
    let batch: ShareConsumerRecord<K, V>[] = [];
    let i = 0;
    return {
      next: async () => {
        while (i >= batch.length) {
          if (this.closing || this.closed) return { value: undefined, done: true };
          batch = await this.poll(this.options.fetchMaxWaitMs + 1000);
          i = 0;
        }
        return { value: batch[i++]!, done: false };
      },
      return: async () => {
        // Records of the batch not handed to the loop go back to the group.
        for (const r of batch.slice(i)) {
          const key = recKey(r.topic, r.partition, r.offset);
          const d = this.delivered.get(key);
          if (d && !this.closed) {
            this.queueAck(d, ACK_CODE.release);
            this.delivered.delete(key);
          }
        }
        batch = [];
        i = 0;
        return { value: undefined, done: true };
      },
    };
  }

  /**
   * Acknowledges what is owed (implicit mode: accepts the last poll's
   * records; explicit mode: releases unacknowledged ones), releases records
   * fetched and not handed out, closes the share sessions (epoch -1), leaves
   * the group (epoch -1) and closes the connections. Waits at most timeoutMs
   * (default 30000) for the brokers.
   */
  async close(opts?: { timeoutMs?: number }): Promise<void> {
    if (this.closing || this.closed) return;
    const timeoutMs = callTimeoutMs('close()', opts, 30_000);
    this.closing = true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    try {
      this.releaseHeld();
      const work = (async () => {
        await Promise.all([...this.nodes.values()].map((n) => n.close().catch((e: unknown) => log('closing the share session with broker %d failed: %s', n.nodeId, (e as Error).message))));
        await this.membership?.leave();
      })();
      await Promise.race([work.catch((e: unknown) => log('close: %s', (e as Error).message)), timeout]);
    } finally {
      clearTimeout(timer);
      this.closed = true;
      this.notify();
      await this.pool.close();
    }
  }
}
