/**
 * The consumer's fetching side: the per-partition states, one Fetcher per
 * broker, the buffered data and its byte bound, and the background work that
 * gives partitions a position (committed offsets, resets with ListOffsets,
 * truncation checks with OffsetForLeaderEpoch). The Consumer class on top is
 * the user's API and the group host.
 */
import createDebug from 'debug';
import type { Metadata } from '../cluster/metadata.js';
import { MAX_DELAY_MS } from '../config-checks.js';
import { KafkaError } from '../errors.js';
import { ErrorCode, errorName } from '../messages/error-codes.js';
import type { FetchResponsePartitionData } from '../messages/generated/index.js';
import type { ConnectionPool } from '../network/pool.js';
import { scanRecords } from '../records/legacy.js';
import { CompletedFetch, type ConsumerRecord, type DecodeSettings } from './completed-fetch.js';
import { LogTruncationError, NoOffsetForPartitionError, OffsetOutOfRangeError } from './errors.js';
import { Fetcher, type FetchHost, type WantedPartition } from './fetcher.js';
import type { OffsetAndMetadata, TopicPartition } from './group/contract.js';
import { epochEndOffsets, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets, partitionError, type OffsetsContext } from './offsets.js';
import type { ResolvedConsumerOptions } from './options.js';
import { PartitionState } from './partition-state.js';

const log = createDebug('kafkawire:consumer');

/** Records of one partition handed out together. */
export interface ConsumerBatch<K = Buffer | null, V = Buffer | null> {
  topic: string;
  partition: number;
  records: ConsumerRecord<K, V>[];
  /** The position after this batch (past skipped control or aborted records too). */
  nextOffset: bigint;
  /** Leader epoch of the batch's last record (-1 if unknown). */
  lastEpoch: number;
  /** The state's generation when taken: if it changed, the rest of the batch is stale. */
  generation: number;
}

export type CommittedSource = (tps: TopicPartition[]) => Promise<Map<string, OffsetAndMetadata | null>>;

export class FetchManager implements FetchHost {
  readonly states = new Map<string, PartitionState>();
  private readonly fetchers = new Map<number, Fetcher>();
  bufferedBytes = 0;
  /** Highest bufferedBytes seen (for tests of the bound). */
  peakBufferedBytes = 0;
  private readonly ready: PartitionState[] = [];
  private readonly inReady = new Set<PartitionState>();
  private waiters: Array<() => void> = [];
  private closed = false;
  /** An error not tied to a partition (a fetch loop that broke); the application gets it from poll(). */
  fatalError: KafkaError | null = null;
  readonly fetchSettings: FetchHost['fetchSettings'];
  private readonly decode: DecodeSettings;
  readonly offsetsCtx: OffsetsContext;
  committedSource: CommittedSource | null = null;
  /** False until the consumer has connected: position work needs the cluster. */
  enabled = false;

  constructor(
    readonly opts: ResolvedConsumerOptions,
    readonly pool: ConnectionPool,
    readonly metadata: Metadata,
  ) {
    const isolationLevel = opts.isolationLevel === 'read_committed' ? 1 : 0;
    this.fetchSettings = {
      minBytes: opts.fetchMinBytes,
      maxWaitMs: opts.fetchMaxWaitMs,
      maxBytes: opts.fetchMaxBytes,
      isolationLevel,
      rackId: opts.clientRack ?? '',
      retryBackoffMs: opts.retryBackoffMs,
      retryBackoffMaxMs: opts.retryBackoffMaxMs,
    };
    this.decode = { checkCrcs: opts.checkCrcs, readCommitted: isolationLevel === 1, keyDeserializer: opts.keyDeserializer, valueDeserializer: opts.valueDeserializer };
    this.offsetsCtx = { pool, metadata, isolationLevel, retryBackoffMs: opts.retryBackoffMs, retryBackoffMaxMs: opts.retryBackoffMaxMs, groupId: opts.groupId };
  }

  // --- assignment ---

  /** Adds partitions; `committed` says whether to look up their committed offsets first. */
  add(tps: readonly TopicPartition[], committed: boolean): PartitionState[] {
    const added: PartitionState[] = [];
    for (const tp of tps) {
      const k = `${tp.topic}:${tp.partition}`;
      if (this.states.has(k)) continue;
      const st = new PartitionState(tp.topic, tp.partition);
      if (committed) st.needsCommitted = true;
      else this.applyResetPolicy(st, 'no groupId, so no committed offset');
      this.states.set(k, st);
      added.push(st);
    }
    this.metadata.want(new Set(tps.map((tp) => tp.topic)));
    this.schedule();
    return added;
  }

  remove(tps: readonly TopicPartition[]): void {
    for (const tp of tps) {
      const st = this.states.get(`${tp.topic}:${tp.partition}`);
      if (!st) continue;
      this.release(st, st.clearBuffer());
      st.removed = true;
      this.states.delete(st.key);
    }
  }

  get(tp: TopicPartition): PartitionState | undefined {
    return this.states.get(`${tp.topic}:${tp.partition}`);
  }

  /** Sets a partition waiting for a reset with autoOffsetReset, or fails it when that is 'none'. */
  applyResetPolicy(st: PartitionState, why: string): void {
    const policy = this.opts.autoOffsetReset;
    if (policy === 'none') {
      this.release(st, st.clearBuffer());
      st.position = null;
      st.error = new NoOffsetForPartitionError([{ topic: st.topic, partition: st.partition }], this.opts.groupId);
      log('%s: %s and autoOffsetReset=none: the application gets NoOffsetForPartitionError until it seeks', this.name(st), why);
      this.notify();
      return;
    }
    this.release(st, st.requestReset(policy, why));
  }

  private name(st: TopicPartition): string {
    return `${this.opts.groupId === null ? '' : `group ${this.opts.groupId} `}${st.topic}-${st.partition}`;
  }

  release(st: PartitionState, bytes: number): void {
    if (bytes === 0) return;
    this.bufferedBytes -= bytes;
    if (st.bufferedBytes < this.share() && !st.inflight) this.wakeFor(st);
  }

  private share(): number {
    return this.opts.maxBufferedBytes / Math.max(1, this.states.size);
  }

  // --- the data the application takes ---

  /** Waits until data or an error arrives, or timeoutMs passes. */
  waitForData(timeoutMs: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.min(MAX_DELAY_MS, Math.max(0, timeoutMs)));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** The first partition error or fatal error, for poll() to throw. */
  firstError(): KafkaError | null {
    if (this.fatalError) return this.fatalError;
    for (const st of this.states.values()) if (st.error && !st.paused) return st.error;
    return null;
  }

  /**
   * Takes up to `max` records of one partition (the next with data, in
   * turn). The caller moves the position when it hands them out.
   */
  takeBatch(max: number): ConsumerBatch<unknown, unknown> | null {
    while (this.ready.length > 0) {
      const st = this.ready.shift()!;
      this.inReady.delete(st);
      if (st.removed || st.paused || st.error || st.buffered.length === 0 || st.position === null) continue;
      const records: ConsumerRecord<unknown, unknown>[] = [];
      const from = st.takeOffset;
      let next = from;
      let lastEpoch = -1;
      while (records.length < max && st.buffered.length > 0) {
        const cf = st.buffered[0]!;
        const r = cf.take(next, max, records);
        next = r.nextOffset;
        if (r.lastEpoch >= 0) lastEpoch = r.lastEpoch;
        if (cf.done) {
          st.buffered.shift();
          r.released += cf.drop();
        }
        st.bufferedBytes -= r.released;
        this.release(st, r.released);
        if (r.error) {
          st.error = r.error;
          log('%s: cannot read the record at offset %s: %s', this.name(st), String(next), r.error.message);
          this.release(st, st.clearBuffer());
          st.fetchOffset = next;
          this.notify();
          break;
        }
      }
      st.takeOffset = next;
      if (st.buffered.length > 0 && !st.error) this.markReady(st);
      // Only control or aborted records: nothing is handed over, but the position moves past them.
      if (records.length === 0) {
        if (st.position === from) st.position = next;
        continue;
      }
      return { topic: st.topic, partition: st.partition, records, nextOffset: next, lastEpoch, generation: st.generation };
    }
    return null;
  }

  /** The application has the whole batch: the position moves past it. */
  handedOut(batch: ConsumerBatch<unknown, unknown>): void {
    const st = this.states.get(`${batch.topic}:${batch.partition}`);
    if (!st || st.generation !== batch.generation) return;
    st.position = batch.nextOffset;
    if (batch.lastEpoch >= 0) st.positionEpoch = batch.lastEpoch;
  }

  private markReady(st: PartitionState): void {
    if (this.inReady.has(st)) return;
    this.inReady.add(st);
    this.ready.push(st);
  }

  /** Paused or resumed: a resumed partition's buffered data is handed out again. */
  resumed(st: PartitionState): void {
    if (st.buffered.length > 0) this.markReady(st);
    this.wakeFor(st);
    this.notify();
  }

  // --- fetching ---

  /** Starts (or wakes) the fetcher of every broker something should be fetched from. */
  kick(): void {
    if (this.closed) return;
    for (const st of this.states.values()) this.wakeFor(st);
  }

  private wakeFor(st: PartitionState): void {
    if (this.closed || !st.fetchable || st.inflight) return;
    const node = this.nodeFor(st);
    if (node < 0) return;
    let f = this.fetchers.get(node);
    if (!f) this.fetchers.set(node, (f = new Fetcher(node, this)));
    f.wake();
  }

  /** The broker to fetch a partition from: the preferred read replica while it is valid, else the leader. */
  private nodeFor(st: PartitionState): number {
    const info = this.metadata.topics.get(st.topic)?.partitions[st.partition];
    if (!info || info.leader < 0) {
      this.refreshMetadata();
      return -1;
    }
    if (info.leaderEpoch > st.leaderEpoch) {
      const hadLeader = st.leaderEpoch >= 0;
      st.leaderEpoch = info.leaderEpoch;
      st.preferredReplica = -1;
      // A new leader: check that its log still holds what we consumed (it may have been truncated) before fetching again.
      if (hadLeader && st.positionEpoch >= 0 && st.position !== null) {
        st.needsValidation = true;
        this.schedule();
        return -1;
      }
    }
    if (st.preferredReplica >= 0 && Date.now() < st.preferredUntil && this.pool.knownBrokers().some((b) => b.nodeId === st.preferredReplica)) return st.preferredReplica;
    return info.leader;
  }

  partitionsFor(nodeId: number): Map<string, WantedPartition> {
    const out = new Map<string, WantedPartition>();
    if (this.closed) return out;
    if (this.metadata.stale) this.refreshMetadata();
    const share = this.share();
    const maxPartition = this.opts.maxPartitionFetchBytes;
    for (const st of this.states.values()) {
      if (!st.fetchable || st.inflight || st.bufferedBytes >= share) continue;
      if (this.nodeFor(st) !== nodeId) continue;
      const topicId = this.metadata.topics.get(st.topic)?.topicId ?? 'AAAAAAAAAAAAAAAAAAAAAA';
      // Ask for no more than the partition's room in the buffer (the broker still sends at least one batch).
      const room = Math.max(1, Math.min(maxPartition, Math.floor(share - st.bufferedBytes)));
      out.set(st.key, {
        state: st,
        generation: st.generation,
        request: { topic: st.topic, topicId, partition: st.partition, fetchOffset: st.fetchOffset, currentLeaderEpoch: st.leaderEpoch, partitionMaxBytes: room },
      });
    }
    return out;
  }

  topicName(topicId: string): string | undefined {
    for (const t of this.metadata.topics.values()) if (t.topicId === topicId) return t.name;
    return undefined;
  }

  handlePartition(nodeId: number, w: WantedPartition, p: FetchResponsePartitionData): void {
    const st = w.state;
    if (p.highWatermark >= 0n) st.highWatermark = p.highWatermark;
    if (p.lastStableOffset >= 0n) st.lastStableOffset = p.lastStableOffset;
    if (p.logStartOffset >= 0n) st.logStartOffset = p.logStartOffset;
    if (p.currentLeader && p.currentLeader.leaderId >= 0) this.metadata.setLeader(st.topic, st.partition, p.currentLeader.leaderId, p.currentLeader.leaderEpoch);
    const code = p.errorCode;
    if (code === 0) {
      if (p.preferredReadReplica >= 0 && p.preferredReadReplica !== nodeId) {
        st.preferredReplica = p.preferredReadReplica;
        st.preferredUntil = Date.now() + this.opts.metadataMaxAgeMs;
        log('%s: the leader (broker %d) says to fetch from broker %d, in rack %s (KIP-392)', this.name(st), nodeId, p.preferredReadReplica, this.opts.clientRack);
        this.wakeFor(st);
        return;
      }
      this.addRecords(st, w.request.fetchOffset, nodeId, p);
      return;
    }
    const name = errorName(code);
    switch (code) {
      case ErrorCode.OFFSET_OUT_OF_RANGE: {
        const offset = w.request.fetchOffset;
        if (st.preferredReplica >= 0) {
          // A follower may be behind the leader: go back to the leader before deciding the offset is gone.
          st.preferredReplica = -1;
          this.wakeFor(st);
          return;
        }
        if (this.opts.autoOffsetReset === 'none') {
          st.error = new OffsetOutOfRangeError(st, offset);
          this.release(st, st.clearBuffer());
          this.notify();
          return;
        }
        const why = `fetch offset ${offset} is out of range (log start ${st.logStartOffset}, end ${st.highWatermark})`;
        log('%s: %s: resetting to the %s offset (autoOffsetReset=%s)', this.name(st), why, this.opts.autoOffsetReset, this.opts.autoOffsetReset);
        this.applyResetPolicy(st, why);
        this.schedule();
        return;
      }
      case ErrorCode.TOPIC_AUTHORIZATION_FAILED:
        st.error = partitionError(code, 'Fetch', st, nodeId, this.opts.groupId);
        this.notify();
        return;
      default: {
        const err = partitionError(code, 'Fetch', st, nodeId, this.opts.groupId);
        if (!err.retriable) {
          st.error = err;
          this.notify();
          return;
        }
        // NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, UNKNOWN_TOPIC_OR_PARTITION, KAFKA_STORAGE_ERROR, …: leadership moved or is moving.
        log('%s: %s from broker %d; refreshing metadata', this.name(st), name, nodeId);
        st.preferredReplica = -1;
        st.awaitingMetadata = true;
        this.refreshMetadata(true);
      }
    }
  }

  private addRecords(st: PartitionState, requested: bigint, nodeId: number, p: FetchResponsePartitionData): void {
    const data = p.records;
    if (data === null || data.length === 0) return;
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let scanned;
    try {
      scanned = scanRecords(buf, { topic: st.topic, partition: st.partition });
    } catch (e) {
      st.error = e as KafkaError;
      this.notify();
      return;
    }
    if (scanned.entries.length === 0) {
      st.error = new KafkaError(
        `the record batch at offset ${requested} of ${st.topic}-${st.partition} is larger than maxPartitionFetchBytes (${this.opts.maxPartitionFetchBytes}) / fetchMaxBytes (${this.opts.fetchMaxBytes}): raise them`,
        false,
        { api: 'Fetch', broker: nodeId, topic: st.topic, partition: st.partition, offset: requested },
      );
      this.notify();
      return;
    }
    const cf = new CompletedFetch(st.topic, st.partition, buf, scanned.entries, p.abortedTransactions, this.decode);
    const end = cf.endOffset;
    if (end > st.fetchOffset) st.fetchOffset = end;
    st.buffered.push(cf);
    st.bufferedBytes += cf.bytes;
    this.bufferedBytes += cf.bytes;
    if (this.bufferedBytes > this.peakBufferedBytes) this.peakBufferedBytes = this.bufferedBytes;
    if (!st.paused) this.markReady(st);
    this.notify();
  }

  brokerFailed(nodeId: number): void {
    // A read replica that cannot be reached is given up at once: back to the leader (as Java does).
    for (const st of this.states.values()) if (st.preferredReplica === nodeId) st.preferredReplica = -1;
    this.refreshMetadata(true);
    this.kick();
  }

  fatal(err: unknown, what = "the consumer's fetch loop failed"): void {
    this.fatalError = err instanceof KafkaError ? err : new KafkaError(`${what}: ${(err as Error)?.message ?? String(err)}`, false, { cause: err });
    log('fatal: %s', this.fatalError.message);
    this.notify();
  }

  // --- metadata ---

  private metadataTimer: NodeJS.Timeout | null = null;
  private lastRefresh = 0;
  private refreshFailures = 0;

  /** Refreshes metadata soon (at most once per retryBackoffMs), then wakes the fetchers. */
  refreshMetadata(now = false): void {
    if (this.closed || this.metadataTimer) return;
    const wait = now && this.refreshFailures === 0 ? 0 : Math.max(0, this.lastRefresh + this.opts.retryBackoffMs * 2 ** Math.min(this.refreshFailures, 4) - Date.now());
    this.metadataTimer = setTimeout(() => {
      this.lastRefresh = Date.now();
      this.metadata
        .refresh()
        .then(() => {
          this.refreshFailures = 0;
        })
        .catch((e: unknown) => {
          this.refreshFailures++;
          log('metadata refresh failed: %s', (e as Error).message);
        })
        .finally(() => {
          this.metadataTimer = null;
          for (const st of this.states.values()) st.awaitingMetadata = false;
          this.kick();
          if (this.needsMaintenance()) this.schedule();
        })
        .catch(() => undefined);
    }, Math.min(wait, this.opts.retryBackoffMaxMs));
  }

  // --- positions: committed offsets, resets, truncation checks ---

  private maintaining = false;
  private again = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private maintenanceFailures = 0;
  /** Waiters for positions (position(), and tests). */
  private positionWaiters: Array<() => void> = [];

  private needsMaintenance(): boolean {
    for (const st of this.states.values()) if (!st.removed && (st.needsCommitted || st.reset !== null || st.needsValidation)) return true;
    return false;
  }

  /** Runs the position work soon (once at a time; again if asked while running). */
  schedule(): void {
    if (this.closed || !this.enabled) return;
    if (this.maintaining) {
      this.again = true;
      return;
    }
    this.maintaining = true;
    this.maintain()
      .catch((e: unknown) => this.fatal(e))
      .finally(() => {
        this.maintaining = false;
        const w = this.positionWaiters;
        this.positionWaiters = [];
        for (const f of w) f();
        if (this.again) {
          this.again = false;
          this.schedule();
        }
      })
      .catch(() => undefined);
  }

  /** Resolves after the next round of position work. */
  afterMaintenance(): Promise<void> {
    if (!this.maintaining && !this.needsMaintenance()) return Promise.resolve();
    const p = new Promise<void>((r) => this.positionWaiters.push(r));
    if (!this.maintaining) this.schedule();
    return p;
  }

  private async maintain(): Promise<void> {
    const deadline = Date.now() + this.opts.defaultApiTimeoutMs;
    try {
      await this.loadCommitted();
      await this.resetPositions(deadline);
      await this.validatePositions(deadline);
      this.maintenanceFailures = 0;
    } catch (e) {
      if (this.closed) return;
      const err = e instanceof KafkaError ? e : new KafkaError(String(e), false, { cause: e });
      if (!err.retriable) {
        // Not worth retrying (authorization, a missing topic, a bad partition): the affected partitions get the error.
        for (const st of this.states.values()) if (st.needsCommitted || st.reset !== null || st.needsValidation) if (err.context.topic === undefined || err.context.topic === st.topic) st.error ??= err;
        log('positions: %s', err.message);
        this.notify();
      } else {
        this.maintenanceFailures++;
        log('positions: %s; trying again', err.message);
        if (!this.retryTimer) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = null;
            this.schedule();
          }, Math.min(this.opts.retryBackoffMs * 2 ** Math.min(this.maintenanceFailures, 5), this.opts.retryBackoffMaxMs));
        }
      }
    }
    this.kick();
  }

  private async loadCommitted(): Promise<void> {
    const pending = [...this.states.values()].filter((st) => st.needsCommitted && !st.removed);
    if (pending.length === 0 || !this.committedSource) return;
    const gens = pending.map((st) => st.generation);
    const committed = await this.committedSource(pending.map((st) => ({ topic: st.topic, partition: st.partition })));
    const missing: PartitionState[] = [];
    pending.forEach((st, i) => {
      if (st.removed || !st.needsCommitted || st.generation !== gens[i]) return;
      const c = committed.get(st.key) ?? null;
      if (c && c.offset >= 0n) {
        const epoch = c.leaderEpoch ?? -1;
        this.release(st, st.seekUnvalidated(c.offset, epoch));
        if (epoch >= 0) log('%s: starting at committed offset %s (leader epoch %d; checking it against the leader first)', this.name(st), String(c.offset), epoch);
        else log('%s: starting at committed offset %s', this.name(st), String(c.offset));
      } else {
        st.needsCommitted = false;
        missing.push(st);
        this.applyResetPolicy(st, 'no committed offset');
      }
    });
    // As Java's NoOffsetForPartitionException: one error naming every partition without a committed offset.
    if (this.opts.autoOffsetReset === 'none' && missing.length > 1) {
      const err = new NoOffsetForPartitionError(missing.map((st) => ({ topic: st.topic, partition: st.partition })), this.opts.groupId);
      for (const st of missing) st.error = err;
    }
  }

  private async resetPositions(deadline: number): Promise<void> {
    const pending = [...this.states.values()].filter((st) => st.reset !== null && !st.removed);
    if (pending.length === 0) return;
    const lookups = pending.map((st) => ({ topic: st.topic, partition: st.partition, timestamp: st.reset === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP }));
    const gens = pending.map((st) => st.generation);
    const found = await listOffsets(this.offsetsCtx, lookups, deadline);
    pending.forEach((st, i) => {
      const r = found.get(st.key);
      if (!r || st.removed || st.reset === null || st.generation !== gens[i] || st.reset !== (lookups[i]!.timestamp === EARLIEST_TIMESTAMP ? 'earliest' : 'latest')) return;
      const strategy = st.reset;
      const why = st.resetReason;
      this.release(st, st.seek(r.offset, -1));
      if (strategy === 'latest') {
        log('%s: %s: autoOffsetReset=latest, starting at the end (%s); records produced before now will not be delivered', this.name(st), why, String(r.offset));
      } else {
        log('%s: %s: autoOffsetReset=earliest, starting at the beginning (%s)', this.name(st), why, String(r.offset));
      }
    });
  }

  /**
   * KIP-320, as Java's consumer: a position with a leader epoch is checked
   * with OffsetForLeaderEpoch before it is fetched from. If the leader's log
   * for that epoch ends below the position, the log was truncated (an unclean
   * election): continue from where it diverges, or with 'none' fail with
   * LogTruncationError.
   */
  private async validatePositions(deadline: number): Promise<void> {
    const pending: PartitionState[] = [];
    for (const st of this.states.values()) {
      if (!st.needsValidation || st.removed || st.position === null) continue;
      const info = this.metadata.topics.get(st.topic)?.partitions[st.partition];
      if (!info) {
        // The leader is not known yet: validate after the next metadata refresh.
        this.refreshMetadata(true);
        continue;
      }
      if (info.leaderEpoch > st.leaderEpoch) st.leaderEpoch = info.leaderEpoch;
      // Without an epoch on either side there is nothing to compare (old brokers), as in Java.
      if (st.positionEpoch < 0 || st.leaderEpoch < 0) {
        log('%s: position %s not validated: leader epoch unknown (position %d, leader %d)', this.name(st), String(st.position), st.positionEpoch, st.leaderEpoch);
        st.needsValidation = false;
        continue;
      }
      pending.push(st);
    }
    if (pending.length === 0) return;
    const lookups = pending.map((st) => ({ topic: st.topic, partition: st.partition, leaderEpoch: st.positionEpoch, currentLeaderEpoch: st.leaderEpoch }));
    const gens = pending.map((st) => st.generation);
    const positions = pending.map((st) => st.position!);
    const epochs = pending.map((st) => st.positionEpoch);
    const found = await epochEndOffsets(this.offsetsCtx, lookups, deadline);
    pending.forEach((st, i) => {
      const r = found.get(st.key);
      if (!r || st.removed || !st.needsValidation || st.generation !== gens[i] || st.position !== positions[i]) return;
      const position = positions[i]!;
      const epoch = epochs[i]!;
      const leader = this.metadata.leaderFor(st.topic, st.partition);
      if (r.unsupported) {
        log('%s: broker %d is too old for OffsetForLeaderEpoch from a consumer (v3+): position %s not validated', this.name(st), leader, String(position));
        st.needsValidation = false;
        return;
      }
      if (r.endOffset < 0n || r.leaderEpoch < 0) {
        // The leader has no record of the position's epoch: everything since may be gone.
        if (this.opts.autoOffsetReset === 'none') {
          st.needsValidation = false;
          st.error = new LogTruncationError(st, position, null, epoch);
          log('%s: %s', this.name(st), st.error.message);
          this.notify();
          return;
        }
        log('%s: truncation detected: the leader (broker %d) knows no end offset for leader epoch %d of position %s; resetting (autoOffsetReset=%s)', this.name(st), leader, epoch, String(position), this.opts.autoOffsetReset);
        st.needsValidation = false;
        this.applyResetPolicy(st, `leader epoch ${epoch} of position ${position} is unknown to the leader (truncation)`);
        return;
      }
      if (r.endOffset < position) {
        if (this.opts.autoOffsetReset === 'none') {
          st.needsValidation = false;
          st.error = new LogTruncationError(st, position, r.endOffset, epoch);
          log('%s: %s', this.name(st), st.error.message);
          this.notify();
          return;
        }
        log('%s: truncation detected: position %s (leader epoch %d) is past the end %s of that epoch on the leader (broker %d); resuming at the divergent offset %s', this.name(st), String(position), epoch, String(r.endOffset), leader, String(r.endOffset));
        this.release(st, st.seek(r.endOffset, r.leaderEpoch));
        return;
      }
      log('%s: position %s (leader epoch %d) validated: the leader (broker %d, epoch %d) has that epoch up to %s', this.name(st), String(position), epoch, leader, st.leaderEpoch, String(r.endOffset));
      st.needsValidation = false;
    });
  }

  /** Stops fetching and closes the brokers' fetch sessions (best effort, at most timeoutMs). */
  async closeSessions(timeoutMs: number): Promise<void> {
    for (const f of this.fetchers.values()) f.close();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, timeoutMs))));
    const closing = Promise.all(
      [...this.fetchers.values()].map((f) =>
        f.closeSession().catch((e: unknown) => {
          log('closing the fetch session with broker %d: %s', f.nodeId, (e as Error).message);
        }),
      ),
    );
    await Promise.race([closing, timeout]);
    clearTimeout(timer);
  }

  close(): void {
    this.closed = true;
    for (const f of this.fetchers.values()) f.close();
    if (this.metadataTimer) clearTimeout(this.metadataTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.metadataTimer = null;
    this.retryTimer = null;
    for (const st of this.states.values()) st.clearBuffer();
    this.bufferedBytes = 0;
    this.notify();
    const w = this.positionWaiters;
    this.positionWaiters = [];
    for (const f of w) f();
  }

  /** Fetch session counters per broker (tests, diagnostics). */
  sessions(): Array<{ nodeId: number; sessionId: number; full: number; incremental: number }> {
    return [...this.fetchers.values()].map((f) => ({ nodeId: f.nodeId, sessionId: f.session.sessionId, full: f.session.fullRequests, incremental: f.session.incrementalRequests }));
  }
}
