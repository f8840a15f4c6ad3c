/**
 * One fetch loop per broker (franz-go's source, Java's per-node fetch): a
 * Fetch for every partition this broker should serve now is kept in flight;
 * as soon as a response is parsed into buffered batches the next one goes
 * out, whether or not the application has taken the records yet. The loop
 * stops when this broker has nothing to fetch (every partition paused, over
 * its buffer share, or elsewhere) and is woken when that changes.
 */
import createDebug from 'debug';
import { KafkaError } from '../errors.js';
import { errorName } from '../messages/error-codes.js';
import type { FetchResponse, FetchResponsePartitionData } from '../messages/generated/index.js';
import { backoffMs } from '../network/backoff.js';
import type { ConnectionPool } from '../network/pool.js';
import { FetchSession, type SessionPartition } from './fetch-session.js';
import type { PartitionState } from './partition-state.js';

const log = createDebug('kafkawire:consumer');

/** A partition this broker should fetch, with the state's generation when the request was built. */
export interface WantedPartition {
  state: PartitionState;
  generation: number;
  request: SessionPartition;
}

/** What a fetcher needs from the consumer. */
export interface FetchHost {
  readonly pool: ConnectionPool;
  readonly fetchSettings: { minBytes: number; maxWaitMs: number; maxBytes: number; isolationLevel: 0 | 1; rackId: string; retryBackoffMs: number; retryBackoffMaxMs: number };
  /** Partitions to fetch from this broker now (none: the loop sleeps until woken). */
  partitionsFor(nodeId: number): Map<string, WantedPartition>;
  /** Maps a response's topic id to its name (Fetch v13+ names topics by id). */
  topicName(topicId: string): string | undefined;
  /** One partition's part of a response, still current (same generation). */
  handlePartition(nodeId: number, wanted: WantedPartition, data: FetchResponsePartitionData): void;
  /** The request failed as a whole (connection lost, timeout): refresh metadata, maybe move partitions. */
  brokerFailed(nodeId: number, err: unknown): void;
  /** Something the loop did not expect; the consumer surfaces it. */
  fatal(err: unknown): void;
}

export class Fetcher {
  readonly session = new FetchSession();
  private running = false;
  private closed = false;
  private failures = 0;
  private sleeping: { timer: NodeJS.Timeout; resolve: () => void } | null = null;

  constructor(
    readonly nodeId: number,
    private readonly host: FetchHost,
  ) {}

  /** Starts the loop if it is not running (it checks what to fetch each round). */
  wake(): void {
    if (this.closed || this.running) return;
    this.running = true;
    this.run().catch((err: unknown) => {
      this.running = false;
      this.host.fatal(err);
    });
  }

  /**
   * Tells the broker to drop our fetch session (a Fetch with epoch -1 and no
   * partitions, as Java's consumer sends on close), so its slot is free at
   * once rather than when the broker evicts it. Best effort.
   */
  async closeSession(): Promise<void> {
    const sessionId = this.session.sessionId;
    if (sessionId === 0) return;
    this.session.reset();
    await this.host.pool.request<FetchResponse>(this.nodeId, 'Fetch', {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: this.host.fetchSettings.maxBytes,
      isolationLevel: this.host.fetchSettings.isolationLevel,
      sessionId,
      sessionEpoch: -1,
      topics: [],
      forgottenTopicsData: [],
      rackId: this.host.fetchSettings.rackId,
    });
  }

  close(): void {
    this.closed = true;
    if (this.sleeping) {
      clearTimeout(this.sleeping.timer);
      this.sleeping.resolve();
      this.sleeping = null;
    }
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

  private async run(): Promise<void> {
    const s = this.host.fetchSettings;
    while (!this.closed) {
      const wanted = this.host.partitionsFor(this.nodeId);
      if (wanted.size === 0) {
        // Set synchronously with the check, so a wake() from now on starts a new loop.
        this.running = false;
        return;
      }
      const requests = new Map<string, SessionPartition>();
      for (const [k, w] of wanted) {
        requests.set(k, w.request);
        w.state.inflight = true;
      }
      const req = this.session.build(requests);
      const sentAt = Date.now();
      let res: FetchResponse;
      try {
        res = await this.host.pool.request<FetchResponse>(this.nodeId, 'Fetch', {
          replicaId: -1,
          maxWaitMs: s.maxWaitMs,
          minBytes: s.minBytes,
          maxBytes: s.maxBytes,
          isolationLevel: s.isolationLevel,
          sessionId: req.sessionId,
          sessionEpoch: req.sessionEpoch,
          topics: req.topics,
          forgottenTopicsData: req.forgottenTopicsData,
          rackId: s.rackId,
        });
      } catch (e) {
        this.release(wanted);
        this.session.reset();
        if (this.closed) return;
        this.failures++;
        log('fetch from broker %d failed (%s); retrying', this.nodeId, (e as Error).message);
        this.host.brokerFailed(this.nodeId, e);
        await this.sleep(backoffMs(this.failures, { initialMs: s.retryBackoffMs, maxMs: s.retryBackoffMaxMs }));
        continue;
      }
      this.release(wanted);
      if (this.closed) return;
      this.session.handleResponse(res.errorCode, res.sessionId, req.full);
      if (res.errorCode !== 0) {
        log('fetch from broker %d: %s (fetch session %d epoch %d); starting a new session', this.nodeId, errorName(res.errorCode), req.sessionId, req.sessionEpoch);
        this.failures++;
        if (this.failures > 1) await this.sleep(backoffMs(this.failures - 1, { initialMs: s.retryBackoffMs, maxMs: s.retryBackoffMaxMs }));
        continue;
      }
      this.failures = 0;
      let empty = true;
      for (const t of res.responses) {
        const topic = t.topic || this.host.topicName(t.topicId);
        if (topic === undefined) continue;
        for (const p of t.partitions) {
          if (p.errorCode !== 0 || (p.records !== null && p.records.length > 0)) empty = false;
          const w = wanted.get(`${topic}:${p.partitionIndex}`);
          // Dropped while the request was out (seek, revoke, pause with a cleared buffer): the data is stale.
          if (w === undefined || w.state.removed || w.state.generation !== w.generation) continue;
          this.host.handlePartition(this.nodeId, w, p);
        }
      }
      // A broker holds an empty Fetch for maxWaitMs; one that answers nothing at once must not be asked
      // again at once (a busy loop): wait out the rest of maxWaitMs first.
      const early = s.maxWaitMs - (Date.now() - sentAt);
      if (empty && early > 0) await this.sleep(early);
    }
    this.running = false;
  }

  private release(wanted: Map<string, WantedPartition>): void {
    for (const w of wanted.values()) if (w.state.generation === w.generation) w.state.inflight = false;
  }
}

export function fetchError(message: string, nodeId: number, state: PartitionState): KafkaError {
  return new KafkaError(message, false, { api: 'Fetch', broker: nodeId, topic: state.topic, partition: state.partition });
}
