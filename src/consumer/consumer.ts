import createDebug from 'debug';
import { Metadata } from '../cluster/metadata.js';
import { callTimeoutMs, clockOption, describeValue } from '../config-checks.js';
import { KafkaConfigError, KafkaError, KafkaTimeoutError } from '../errors.js';
import { errorName } from '../messages/error-codes.js';
import { backoffMs } from '../network/backoff.js';
import type { Clock } from '../network/clock.js';
import { clientPool } from '../network/client-pool.js';
import type { ConnectionPool } from '../network/pool.js';
import type { ConsumerRecord } from './completed-fetch.js';
import { FetchManager, type ConsumerBatch } from './fetch-manager.js';
import type { GroupHost, GroupMembership, GroupOffsets, GroupOptions, OffsetAndMetadata, RebalanceListener, TopicPartition } from './group/contract.js';
import { createGroupMembership, createGroupOffsets } from './group/index.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets } from './offsets.js';
import { checkGroupId, resolveConsumerOptions, type ConsumerOptions, type ResolvedConsumerOptions } from './options.js';
import { RecordIterator } from './record-iterator.js';

const log = createDebug('kafkawire:consumer');

/** An offset to commit or seek to: a bigint, or a safe non-negative integer. */
export type OffsetInput = bigint | number;

export interface OffsetToCommit extends TopicPartition {
  offset: OffsetInput;
  leaderEpoch?: number;
  metadata?: string | null;
}

export interface PartitionOffset extends TopicPartition {
  offset: bigint;
}

export interface CommittedOffset extends TopicPartition {
  /** null when the group has no committed offset for the partition. */
  offset: bigint | null;
  leaderEpoch: number | null;
  metadata: string | null;
}

export interface OffsetForTime extends TopicPartition {
  /** null when no record has a timestamp at or after the one asked for. */
  offset: bigint | null;
  timestamp: number | null;
  leaderEpoch: number | null;
}

function toOffset(v: unknown, what: string): bigint {
  if (typeof v === 'bigint') {
    if (v < 0n || BigInt.asIntN(64, v) !== v) throw new KafkaConfigError(`${what}: offset ${v} must be a non-negative int64`);
    return v;
  }
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  throw new KafkaConfigError(`${what}: offset ${describeValue(v)} is not a non-negative integer (use a bigint or a safe integer)`);
}

/** A list of partitions as a call takes it: an array (a string would be read one character at a time). */
function partitionList(v: unknown, what: string): TopicPartition[] {
  if (!Array.isArray(v)) throw new KafkaConfigError(`${what} takes a list of { topic, partition }, got ${describeValue(v)}`);
  return v as TopicPartition[];
}

function checkTp(tp: unknown, what: string): TopicPartition {
  const t = tp as TopicPartition | null;
  if (!t || typeof t.topic !== 'string' || t.topic.length === 0 || t.topic.includes(':')) throw new KafkaConfigError(`${what}: a topic name is required, got ${describeValue(t?.topic)}`);
  if (!Number.isInteger(t.partition) || t.partition < 0) throw new KafkaConfigError(`${what}: partition ${describeValue(t.partition)} of topic ${t.topic} is not a non-negative integer`);
  return { topic: t.topic, partition: t.partition };
}

const tpKey = (tp: TopicPartition): string => `${tp.topic}:${tp.partition}`;

/**
 * A Kafka consumer with the Java KafkaConsumer's semantics. Use assign() for
 * chosen partitions, or subscribe() with a groupId to share topics' partitions
 * with a group; read with `for await (const record of consumer)`,
 * `consumer.batches()` or `poll()`. Fetching runs ahead of the application,
 * bounded by maxBufferedBytes.
 */
export class Consumer<K = Buffer | null, V = Buffer | null> implements AsyncIterable<ConsumerRecord<K, V>> {
  readonly options: ResolvedConsumerOptions;
  private readonly pool: ConnectionPool;
  private readonly metadata: Metadata;
  private readonly clock: Clock;
  /** The fetching side: partition states, per-broker fetchers, buffered data. */
  readonly fetches: FetchManager;
  private membership: GroupMembership | null = null;
  private offsetsClient: GroupOffsets | null = null;
  private mode: 'none' | 'assign' | 'subscribe' = 'none';
  private subscribedTopics: string[] = [];
  private listener: RebalanceListener | undefined;
  private starting: Promise<void> | null = null;
  private closed = false;
  private closing = false;
  private autoCommitTimer: NodeJS.Timeout | null = null;
  /** Positions last committed, so auto commit sends only what moved. */
  private readonly lastCommitted = new Map<string, bigint>();
  /** An error from a rebalance callback, thrown once from the next poll. */
  private pendingError: Error | null = null;

  constructor(options: ConsumerOptions<K, V>) {
    this.options = resolveConsumerOptions(options as ConsumerOptions<unknown, unknown>);
    const o = this.options;
    this.clock = clockOption(options.clock);
    this.pool = clientPool({ ...o, tls: options.tls, sasl: options.sasl, lookup: options.lookup, clock: options.clock });
    this.metadata = new Metadata(this.pool, { metadataMaxAgeMs: o.metadataMaxAgeMs, retryBackoffMs: o.retryBackoffMs, allowAutoTopicCreation: o.allowAutoCreateTopics });
    this.fetches = new FetchManager(o, this.pool, this.metadata);
    this.fetches.committedSource = (tps) => this.groupCommits('read committed offsets').fetchCommitted(tps);
  }

  // --- connecting ---

  /** Connects and loads metadata (every call that needs the cluster does this first). */
  connect(): Promise<void> {
    this.starting ??= this.connectWithRetries();
    this.starting.catch(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private async connectWithRetries(): Promise<void> {
    const deadline = Date.now() + this.options.defaultApiTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.pool.start();
        await this.metadata.refresh();
        this.fetches.enabled = true;
        this.fetches.schedule();
        this.fetches.kick();
        return;
      } catch (e) {
        if (this.closed || !(e instanceof KafkaError) || !e.retriable || Date.now() >= deadline) throw e;
        await new Promise((r) => setTimeout(r, Math.min(backoffMs(attempt, { initialMs: this.options.reconnectBackoffMs, maxMs: this.options.reconnectBackoffMaxMs }), Math.max(0, deadline - Date.now()))));
      }
    }
  }

  /** Connects in the background; a failure reaches the application through poll(). */
  private connectInBackground(): void {
    this.connect().catch((e: unknown) => {
      if (!this.closed) this.fetches.fatal(e);
    });
  }

  private checkOpen(): void {
    if (this.closing || this.closed) throw new KafkaConfigError('the consumer is closed');
  }

  // --- assignment and subscription ---

  /** Reads exactly these partitions, with no group membership (Java's assign). Replaces any earlier assignment. */
  assign(partitions: TopicPartition[]): void {
    this.checkOpen();
    if (!Array.isArray(partitions)) throw new KafkaConfigError('assign() takes a list of { topic, partition }');
    const tps = partitions.map((tp) => checkTp(tp, 'assign()'));
    if (this.mode === 'subscribe') throw new KafkaConfigError('assign() cannot be mixed with subscribe(): call unsubscribe() first');
    if (tps.length === 0) {
      this.fetches.remove([...this.fetches.states.values()]);
      this.mode = 'none';
      return;
    }
    const wanted = new Set(tps.map(tpKey));
    this.fetches.remove([...this.fetches.states.values()].filter((st) => !wanted.has(st.key)));
    this.fetches.add(tps, this.options.groupId !== null);
    this.mode = 'assign';
    this.startAutoCommit();
    this.connectInBackground();
  }

  /**
   * Joins the group (groupId) to share the partitions of these topics, or of
   * every topic matching the pattern. Joining runs in the background: records
   * come once partitions are assigned.
   */
  subscribe(topics: string[] | RegExp, listener?: RebalanceListener): void {
    this.checkOpen();
    if (this.options.groupId === null) throw new KafkaConfigError('subscribe() needs a groupId in the consumer options (or use assign() for chosen partitions)');
    checkGroupId(this.options.groupId);
    if (this.mode === 'assign') throw new KafkaConfigError('subscribe() cannot be mixed with assign(): call unsubscribe() first');
    let subscription: { topics: string[] } | { pattern: RegExp };
    if (topics instanceof RegExp) {
      subscription = { pattern: topics };
      this.subscribedTopics = [];
    } else {
      if (!Array.isArray(topics) || topics.length === 0) throw new KafkaConfigError('subscribe() takes a non-empty list of topic names or a RegExp');
      for (const t of topics) if (typeof t !== 'string' || t.length === 0) throw new KafkaConfigError(`subscribe(): invalid topic name ${describeValue(t)}`);
      subscription = { topics: [...new Set(topics)] };
      this.subscribedTopics = subscription.topics;
      this.metadata.want(subscription.topics);
    }
    this.listener = listener;
    this.mode = 'subscribe';
    this.membership ??= createGroupMembership({ pool: this.pool, metadata: this.metadata, clock: this.clock, host: this.host, options: this.groupOptions() });
    const membership = this.membership;
    this.startAutoCommit();
    this.connect()
      .then(() => membership.subscribe(subscription))
      .catch((e: unknown) => {
        if (!this.closed) this.fetches.fatal(e, `joining consumer group ${this.options.groupId} failed`);
      });
    this.watchSubscribedTopics();
  }

  /** Subscribed topics reported missing, until they appear (then a later disappearance is reported again). */
  private readonly reportedMissing = new Set<string>();
  private missingTimer: NodeJS.Timeout | null = null;

  /**
   * A subscribe() to a topic that does not exist waits for it, as Java's does;
   * so that "why do I get nothing?" has an answer, every member (whatever its
   * group protocol or role) logs each such topic once, and looks again every
   * metadataMaxAgeMs until they all exist.
   */
  private watchSubscribedTopics(): void {
    if (this.missingTimer) clearTimeout(this.missingTimer);
    this.missingTimer = null;
    if (this.closing || this.closed) return;
    this.connect()
      .then(() => this.checkSubscribedTopics())
      .then((missing) => {
        if (missing > 0 && !this.closing && !this.closed && this.mode === 'subscribe') {
          this.missingTimer = setTimeout(() => this.watchSubscribedTopics(), this.options.metadataMaxAgeMs);
        }
      })
      .catch((e: unknown) => log('group %s: checking the subscribed topics failed: %s', this.options.groupId, (e as Error).message));
  }

  /** Logs subscribed topics newly found missing; returns how many are missing. */
  private async checkSubscribedTopics(): Promise<number> {
    const topics = this.subscribedTopics;
    if (this.mode !== 'subscribe' || topics.length === 0 || this.closing || this.closed) return 0;
    await this.metadata.refresh();
    for (const t of this.reportedMissing) if (!topics.includes(t)) this.reportedMissing.delete(t);
    let missing = 0;
    for (const t of topics) {
      if (this.metadata.partitionsFor(t)) {
        if (this.reportedMissing.delete(t)) log('group %s (client %s): subscribed topic %s exists now', this.options.groupId, this.options.clientId, t);
        continue;
      }
      missing++;
      if (this.reportedMissing.has(t)) continue;
      this.reportedMissing.add(t);
      const code = this.metadata.topics.get(t)?.errorCode ?? 0;
      log(
        'group %s (client %s): subscribed topic %s does not exist or is not visible to this client (%s); the consumer waits for it and gets none of its records until it is created',
        this.options.groupId,
        this.options.clientId,
        t,
        code !== 0 ? errorName(code) : 'not in the cluster metadata',
      );
    }
    return missing;
  }

  /** Leaves the group (revoking, with a commit when auto commit is on) or drops the assignment. */
  async unsubscribe(): Promise<void> {
    if (this.missingTimer) clearTimeout(this.missingTimer);
    this.missingTimer = null;
    this.reportedMissing.clear();
    if (this.mode === 'subscribe' && this.membership) {
      await this.membership.leave();
      this.membership = null;
    }
    this.fetches.remove([...this.fetches.states.values()]);
    this.mode = 'none';
    this.subscribedTopics = [];
  }

  /** The partitions assigned to this consumer now. */
  assignment(): TopicPartition[] {
    return [...this.fetches.states.values()].map((st) => ({ topic: st.topic, partition: st.partition }));
  }

  /** The topics subscribed to (empty for a pattern or assign()). */
  subscription(): string[] {
    return [...this.subscribedTopics];
  }

  private groupOptions(): GroupOptions {
    const o = this.options;
    return {
      groupId: o.groupId!,
      groupInstanceId: o.groupInstanceId,
      clientId: o.clientId,
      groupProtocol: o.groupProtocol,
      sessionTimeoutMs: o.sessionTimeoutMs,
      heartbeatIntervalMs: o.heartbeatIntervalMs,
      maxPollIntervalMs: o.maxPollIntervalMs,
      rebalanceTimeoutMs: o.maxPollIntervalMs,
      partitionAssignmentStrategy: o.partitionAssignmentStrategy,
      groupRemoteAssignor: o.groupRemoteAssignor,
      clientRack: o.clientRack,
      retryBackoffMs: o.retryBackoffMs,
      retryBackoffMaxMs: o.retryBackoffMaxMs,
      requestTimeoutMs: o.requestTimeoutMs,
      defaultApiTimeoutMs: o.defaultApiTimeoutMs,
      metadataMaxAgeMs: o.metadataMaxAgeMs,
    };
  }

  /** Where commits and committed offsets go: the membership, or (assign with a groupId) the group's coordinator. */
  private groupCommits(what: string): Pick<GroupOffsets, 'commit' | 'fetchCommitted'> {
    if (this.options.groupId === null) throw new KafkaConfigError(`cannot ${what} without a groupId in the consumer options`);
    if (this.membership && this.mode === 'subscribe') return this.membership;
    this.offsetsClient ??= createGroupOffsets({ pool: this.pool, metadata: this.metadata, clock: this.clock, options: this.groupOptions() });
    return this.offsetsClient;
  }

  /** What the group membership calls when partitions come and go. */
  private readonly host: GroupHost = {
    revoke: async (tps) => {
      const states = tps.map((tp) => this.fetches.get(tp)).filter((st) => st !== undefined);
      for (const st of states) {
        st.paused = true;
        this.fetches.release(st, st.clearBuffer());
      }
      if (this.options.enableAutoCommit) {
        await this.commitPositions(states.map((st) => ({ topic: st.topic, partition: st.partition })), true).catch((e: unknown) => {
          log('group %s: commit before revoking %o failed: %s', this.options.groupId, tps, (e as Error).message);
        });
      }
      await this.callListener('onPartitionsRevoked', tps);
      this.fetches.remove(tps);
    },
    assign: async (tps) => {
      if (this.closed) return;
      const added = this.fetches.add(tps, true);
      if (added.length > 0) {
        const deadline = Date.now() + this.options.defaultApiTimeoutMs;
        while (!this.closed && Date.now() < deadline && added.some((st) => !st.removed && st.position === null && st.error === null)) {
          await this.fetches.afterMaintenance();
          if (added.some((st) => !st.removed && st.position === null && st.error === null)) await new Promise((r) => setTimeout(r, this.options.retryBackoffMs));
        }
      }
      this.fetches.kick();
      await this.callListener('onPartitionsAssigned', tps);
    },
    lost: async (tps) => {
      this.fetches.remove(tps);
      await this.callListener(this.listener?.onPartitionsLost ? 'onPartitionsLost' : 'onPartitionsRevoked', tps);
    },
    fatal: (err) => {
      this.fetches.fatal(err, `consumer group ${this.options.groupId} failed`);
    },
  };

  private async callListener(name: keyof RebalanceListener, tps: TopicPartition[]): Promise<void> {
    const f = this.listener?.[name];
    if (!f) return;
    try {
      await f.call(this.listener, tps);
    } catch (e) {
      log('group %s: %s threw: %s', this.options.groupId, name, (e as Error).message);
      this.pendingError ??= e as Error;
    }
  }

  // --- reading ---

  private beforeRead(): void {
    if (this.pendingError) {
      const e = this.pendingError;
      this.pendingError = null;
      throw e;
    }
    const err = this.fetches.firstError();
    if (err) throw err;
    this.membership?.polled();
  }

  private checkReadable(): void {
    this.checkOpen();
    if (this.mode === 'none') throw new KafkaConfigError('the consumer is not subscribed to any topics or assigned any partitions: call subscribe() or assign() first');
  }

  /**
   * Waits up to timeoutMs for records and returns at most maxPollRecords of
   * them (an empty list when none came in time). Throws a partition's error
   * (no offset with autoOffsetReset 'none', corrupt data, authorization).
   */
  async poll(timeoutMs = 1000): Promise<ConsumerRecord<K, V>[]> {
    this.checkReadable();
    // Infinity (or any huge number) waits as long as a timer can: Java's poll(Long.MAX_VALUE).
    const deadline = Date.now() + callTimeoutMs('poll()', { timeoutMs }, 1000);
    const max = this.options.maxPollRecords;
    for (;;) {
      this.beforeRead();
      const out: ConsumerRecord<K, V>[] = [];
      for (let b = this.fetches.takeBatch(max); b !== null; b = out.length < max ? this.fetches.takeBatch(max - out.length) : null) {
        this.fetches.handedOut(b);
        for (const r of b.records) out.push(r as ConsumerRecord<K, V>);
        if (out.length >= max) break;
      }
      if (out.length > 0 || this.closed) return out;
      const left = deadline - Date.now();
      if (left <= 0) return out;
      await this.fetches.waitForData(left);
    }
  }

  /**
   * The next batch of one partition's records (up to maxPollRecords), waiting
   * as long as it takes; null once the consumer is closed.
   */
  async nextBatch(): Promise<ConsumerBatch<K, V> | null> {
    for (;;) {
      if (this.closed || this.closing) return null;
      this.checkReadable();
      this.beforeRead();
      const b = this.fetches.takeBatch(this.options.maxPollRecords);
      if (b) return b as ConsumerBatch<K, V>;
      await this.fetches.waitForData(this.options.maxPollIntervalMs);
    }
  }

  /** Batches of one partition's records, for bulk processing; each is committed as consumed once the next is asked for. */
  async *batches(): AsyncGenerator<ConsumerBatch<K, V>, void, undefined> {
    for (;;) {
      const b = await this.nextBatch();
      if (b === null) return;
      this.fetches.handedOut(b as ConsumerBatch<unknown, unknown>);
      yield b;
    }
  }

  /** Records one at a time (taken from the buffer a batch at a time). */
  [Symbol.asyncIterator](): AsyncIterator<ConsumerRecord<K, V>> {
    return new RecordIterator<K, V>(this.fetches, () => this.nextBatch());
  }

  // --- positions ---

  private assigned(tp: TopicPartition, what: string) {
    const t = checkTp(tp, what);
    const st = this.fetches.get(t);
    if (!st) throw new KafkaConfigError(`${what}: ${t.topic}-${t.partition} is not assigned to this consumer`);
    return st;
  }

  /**
   * Sets where the next read of this partition starts. With a leaderEpoch
   * (a record's, or a committed offset's), the position is first checked
   * against the leader's log for truncation, as Java's seek(OffsetAndMetadata).
   */
  seek(tp: TopicPartition, offset: OffsetInput | { offset: OffsetInput; leaderEpoch?: number }): void {
    this.checkOpen();
    const st = this.assigned(tp, 'seek()');
    const o = typeof offset === 'object' && offset !== null ? offset : { offset };
    const value = toOffset(o.offset, `seek(${st.topic}-${st.partition})`);
    const epoch = o.leaderEpoch ?? -1;
    if (!Number.isInteger(epoch) || epoch < -1) throw new KafkaConfigError(`seek(${st.topic}-${st.partition}): leaderEpoch ${describeValue(epoch)} is not a non-negative integer`);
    if (epoch >= 0) {
      this.fetches.release(st, st.seekUnvalidated(value, epoch));
      log('%s-%d: seek to %s (leader epoch %d, to be validated)', st.topic, st.partition, String(value), epoch);
      this.fetches.schedule();
    } else {
      this.fetches.release(st, st.seek(value, -1));
      log('%s-%d: seek to %s', st.topic, st.partition, String(value));
    }
    this.fetches.kick();
  }

  seekToBeginning(partitions?: TopicPartition[]): void {
    this.seekTo('earliest', partitions);
  }

  seekToEnd(partitions?: TopicPartition[]): void {
    this.seekTo('latest', partitions);
  }

  private seekTo(strategy: 'earliest' | 'latest', partitions?: TopicPartition[]): void {
    this.checkOpen();
    const what = strategy === 'earliest' ? 'seekToBeginning()' : 'seekToEnd()';
    const states = partitions === undefined ? [...this.fetches.states.values()] : partitionList(partitions, what).map((tp) => this.assigned(tp, what));
    for (const st of states) this.fetches.release(st, st.requestReset(strategy, what));
    this.fetches.schedule();
  }

  /**
   * The offset of the next record this partition hands out, waiting (up to
   * defaultApiTimeoutMs) until it is known and, if it carries a leader epoch,
   * validated (a truncated log moves it, as in Java).
   */
  async position(tp: TopicPartition, opts?: { timeoutMs?: number }): Promise<bigint> {
    this.checkOpen();
    const st = this.assigned(tp, 'position()');
    const timeoutMs = callTimeoutMs('position()', opts, this.options.defaultApiTimeoutMs);
    const deadline = Date.now() + timeoutMs;
    await this.withDeadline(this.connect(), deadline, 'connecting');
    for (;;) {
      if (st.error) throw st.error;
      if (this.fetches.fatalError) throw this.fetches.fatalError;
      if (st.position !== null && !st.needsValidation) return st.position;
      if (st.removed) throw new KafkaConfigError(`position(): ${st.topic}-${st.partition} is no longer assigned`);
      if (Date.now() >= deadline) throw new KafkaTimeoutError(`the position of ${st.topic}-${st.partition} was not known within ${timeoutMs} ms (defaultApiTimeoutMs)`, { topic: st.topic, partition: st.partition });
      await this.withDeadline(this.fetches.afterMaintenance(), deadline, 'position').catch(() => undefined);
      if ((st.position === null || st.needsValidation) && !st.error) await new Promise((r) => setTimeout(r, Math.min(this.options.retryBackoffMs, Math.max(0, deadline - Date.now()))));
    }
  }

  private async withDeadline<T>(p: Promise<T>, deadline: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KafkaTimeoutError(`${what} did not finish within the timeout`)), Math.max(0, deadline - Date.now()));
    });
    try {
      return await Promise.race([p, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  pause(partitions: TopicPartition[]): void {
    this.checkOpen();
    for (const tp of partitionList(partitions, 'pause()')) this.assigned(tp, 'pause()').paused = true;
  }

  resume(partitions: TopicPartition[]): void {
    this.checkOpen();
    for (const tp of partitionList(partitions, 'resume()')) {
      const st = this.assigned(tp, 'resume()');
      if (!st.paused) continue;
      st.paused = false;
      this.fetches.resumed(st);
    }
  }

  paused(): TopicPartition[] {
    return [...this.fetches.states.values()].filter((st) => st.paused).map((st) => ({ topic: st.topic, partition: st.partition }));
  }

  /** Bytes fetched and not yet handed to the application. */
  bufferedBytes(): number {
    return this.fetches.bufferedBytes;
  }

  // --- offsets lookups ---

  private async lookup(tps: TopicPartition[], timestamp: (tp: TopicPartition, i: number) => bigint, opts: unknown, what: string) {
    this.checkOpen();
    const list = partitionList(tps, what).map((tp) => checkTp(tp, what));
    const deadline = Date.now() + callTimeoutMs(what, opts, this.options.defaultApiTimeoutMs);
    await this.withDeadline(this.connect(), deadline, 'connecting');
    const lookups = list.map((tp, i) => ({ ...tp, timestamp: timestamp(tp, i) }));
    const found = await listOffsets(this.fetches.offsetsCtx, lookups, deadline);
    return list.map((tp) => ({ tp, r: found.get(tpKey(tp)) }));
  }

  /** The first offset of each partition (the log start). */
  async beginningOffsets(partitions: TopicPartition[], opts?: { timeoutMs?: number }): Promise<PartitionOffset[]> {
    const res = await this.lookup(partitions, () => EARLIEST_TIMESTAMP, opts, 'beginningOffsets()');
    return res.map(({ tp, r }) => ({ ...tp, offset: r!.offset }));
  }

  /** The end of each partition: the high watermark, or the last stable offset with read_committed. */
  async endOffsets(partitions: TopicPartition[], opts?: { timeoutMs?: number }): Promise<PartitionOffset[]> {
    const res = await this.lookup(partitions, () => LATEST_TIMESTAMP, opts, 'endOffsets()');
    return res.map(({ tp, r }) => ({ ...tp, offset: r!.offset }));
  }

  /** For each partition, the first record with a timestamp at or after the one given (null if none). */
  async offsetsForTimes(query: Array<TopicPartition & { timestamp: number }>, opts?: { timeoutMs?: number }): Promise<OffsetForTime[]> {
    for (const q of query) {
      if (!Number.isSafeInteger(q?.timestamp) || q.timestamp < 0) throw new KafkaConfigError(`offsetsForTimes(): timestamp ${describeValue(q?.timestamp)} of ${q?.topic}-${q?.partition} must be a non-negative integer (milliseconds)`);
    }
    const res = await this.lookup(query, (_, i) => BigInt(query[i]!.timestamp), opts, 'offsetsForTimes()');
    return res.map(({ tp, r }) =>
      !r || r.offset < 0n ? { ...tp, offset: null, timestamp: null, leaderEpoch: null } : { ...tp, offset: r.offset, timestamp: Number(r.timestamp), leaderEpoch: r.leaderEpoch >= 0 ? r.leaderEpoch : null },
    );
  }

  // --- commits ---

  /** The group's committed offsets for these partitions (offset null where there is none). */
  async committed(partitions: TopicPartition[], opts?: { timeoutMs?: number }): Promise<CommittedOffset[]> {
    this.checkOpen();
    const list = partitionList(partitions, 'committed()').map((tp) => checkTp(tp, 'committed()'));
    const target = this.groupCommits('read committed offsets');
    const deadline = Date.now() + callTimeoutMs('committed()', opts, this.options.defaultApiTimeoutMs);
    await this.withDeadline(this.connect(), deadline, 'connecting');
    const found = await this.withDeadline(target.fetchCommitted(list), deadline, `committed() for group ${this.options.groupId}`);
    return list.map((tp) => {
      const c = found.get(tpKey(tp)) ?? null;
      return c === null || c.offset < 0n
        ? { ...tp, offset: null, leaderEpoch: null, metadata: null }
        : { ...tp, offset: c.offset, leaderEpoch: c.leaderEpoch !== undefined && c.leaderEpoch >= 0 ? c.leaderEpoch : null, metadata: c.metadata ?? null };
    });
  }

  /**
   * Commits offsets and waits for the answer: the given ones (the offset of
   * the next record to read, as in Java), or every assigned partition's
   * position (what the application has been handed).
   */
  async commitSync(offsets?: OffsetToCommit[]): Promise<void> {
    this.checkOpen();
    if (offsets === undefined) {
      this.groupCommits('commit offsets');
      return this.commitPositions(undefined, false);
    }
    if (!Array.isArray(offsets)) throw new KafkaConfigError('commitSync() takes a list of { topic, partition, offset }');
    const map = new Map<TopicPartition, OffsetAndMetadata>();
    for (const o of offsets) {
      const tp = checkTp(o, 'commitSync()');
      map.set(tp, { offset: toOffset(o.offset, `commitSync(${tp.topic}-${tp.partition})`), leaderEpoch: o.leaderEpoch ?? -1, metadata: o.metadata ?? null });
    }
    const target = this.groupCommits('commit offsets');
    await this.connect();
    await target.commit(map);
    for (const [tp, o] of map) this.lastCommitted.set(tpKey(tp), o.offset);
  }

  /**
   * Commits in the background; the callback (if any) gets the outcome. A
   * callback that throws has its error thrown once from the next poll(), as
   * a rebalance callback's is.
   */
  commitAsync(offsets?: OffsetToCommit[], callback?: (err: Error | null) => void): void {
    const answer = (err: Error | null) => {
      try {
        callback?.(err);
      } catch (e) {
        log('the commitAsync callback threw (thrown from the next poll): %s', (e as Error).message);
        this.pendingError ??= e as Error;
      }
    };
    this.commitSync(offsets).then(
      () => answer(null),
      (e: unknown) => {
        if (!callback) log('commitAsync failed%s: %s', this.options.groupId === null ? '' : ` (group ${this.options.groupId})`, (e as Error).message);
        answer(e as Error);
      },
    );
  }

  /** Commits the positions of these (or all assigned) partitions; `onlyMoved` skips those unchanged since the last commit. */
  private async commitPositions(tps: TopicPartition[] | undefined, onlyMoved: boolean): Promise<void> {
    const states = tps === undefined ? [...this.fetches.states.values()] : tps.map((tp) => this.fetches.get(tp)).filter((st) => st !== undefined);
    const map = new Map<TopicPartition, OffsetAndMetadata>();
    for (const st of states) {
      if (st.position === null) continue;
      if (onlyMoved && this.lastCommitted.get(st.key) === st.position) continue;
      map.set({ topic: st.topic, partition: st.partition }, { offset: st.position, leaderEpoch: st.positionEpoch, metadata: '' });
    }
    if (map.size === 0) return;
    const target = this.groupCommits('commit offsets');
    await target.commit(map);
    for (const [tp, o] of map) this.lastCommitted.set(tpKey(tp), o.offset);
    log('group %s: committed %o', this.options.groupId, [...map].map(([tp, o]) => `${tp.topic}-${tp.partition}@${o.offset}`));
  }

  private startAutoCommit(): void {
    if (!this.options.enableAutoCommit || this.autoCommitTimer || this.options.autoCommitIntervalMs <= 0) return;
    const tick = () => {
      this.autoCommitTimer = null;
      if (this.closing || this.closed) return;
      this.commitPositions(undefined, true)
        .catch((e: unknown) => log('group %s: auto commit failed: %s', this.options.groupId, (e as Error).message))
        .finally(() => {
          if (!this.closing && !this.closed) this.autoCommitTimer = setTimeout(tick, this.options.autoCommitIntervalMs);
        })
        .catch(() => undefined);
    };
    this.autoCommitTimer = setTimeout(tick, this.options.autoCommitIntervalMs);
  }

  /** Member id and generation, for a transactional producer's sendOffsetsToTransaction. */
  groupMetadata(): { groupId: string; generationId: number; memberId: string; groupInstanceId: string | null } {
    if (this.options.groupId === null) throw new KafkaConfigError('groupMetadata() needs a groupId');
    return this.membership?.groupMetadata() ?? { groupId: this.options.groupId, generationId: -1, memberId: '', groupInstanceId: this.options.groupInstanceId };
  }

  /**
   * Commits (with auto commit), leaves the group, stops fetching and closes
   * every connection; waits at most timeoutMs (default 30000) for the group.
   */
  async close(opts?: { timeoutMs?: number }): Promise<void> {
    if (this.closed || this.closing) return;
    const timeoutMs = callTimeoutMs('close()', opts, 30_000);
    this.closing = true;
    if (this.autoCommitTimer) clearTimeout(this.autoCommitTimer);
    if (this.missingTimer) clearTimeout(this.missingTimer);
    this.autoCommitTimer = this.missingTimer = null;
    const deadline = Date.now() + timeoutMs;
    try {
      if (this.starting !== null) {
        if (this.membership && this.mode === 'subscribe') {
          await this.withDeadline(this.membership.leave(), deadline, `leaving group ${this.options.groupId}`);
        } else if (this.options.enableAutoCommit && this.mode === 'assign') {
          await this.withDeadline(this.commitPositions(undefined, true), deadline, 'the commit on close');
        }
      }
    } catch (e) {
      log('close: %s', (e as Error).message);
    } finally {
      this.closed = true;
      if (this.starting !== null) await this.fetches.closeSessions(Math.min(1000, Math.max(0, deadline - Date.now())));
      this.fetches.close();
      await this.pool.close();
    }
  }
}
