import createDebug from 'debug';
import { ZERO_UUID } from '../codec/uuid.js';
import { errorFor } from '../messages/error-codes.js';
import { KafkaError } from '../errors.js';
import type { MetadataResponse } from '../messages/generated/index.js';
import type { ConnectionPool } from '../network/pool.js';

const log = createDebug('kafkawire:metadata');

export interface PartitionInfo {
  partition: number;
  /** Leader's node id, or -1 while there is none. */
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  errorCode: number;
}

export interface TopicInfo {
  name: string;
  topicId: string;
  partitions: PartitionInfo[];
  /** Partitions with a known leader, kept with the metadata so sends need not work it out. */
  available: number[];
  errorCode: number;
}

const withLeader = (partitions: PartitionInfo[]) => partitions.filter((p) => p.leader >= 0).map((p) => p.partition);

export interface MetadataOptions {
  /** Refresh at least this often even without errors (default 300000, as metadata.max.age.ms). */
  metadataMaxAgeMs?: number;
  /** Ask the broker to create missing topics (default true, as the Java producer; brokers may refuse). */
  allowAutoTopicCreation?: boolean;
  /** Delay between refreshes of an incomplete view (default 100, retry.backoff.ms). */
  retryBackoffMs?: number;
  /**
   * Producer's metadata.max.idle.ms: a topic not `touch`ed for this long is
   * dropped from refreshes and from the view (default: never; only topics
   * that were touched expire).
   */
  metadataMaxIdleMs?: number;
  /** Clock for metadataMaxIdleMs (default Date.now). */
  now?: () => number;
}

/**
 * The client's view of the cluster: brokers, and the topics it uses with
 * their partitions and leaders. Refreshes go to any broker; after each, the
 * pool connects to every broker (as the Java client does).
 */
export class Metadata {
  readonly topics = new Map<string, TopicInfo>();
  clusterId: string | null = null;
  controllerId = -1;
  /** Time of the last successful refresh. */
  updatedAt = 0;
  private readonly wanted = new Set<string>();
  /** Last use of each touched topic (metadataMaxIdleMs). */
  private readonly lastUsed = new Map<string, number>();
  private inflight: Promise<void> | null = null;

  constructor(
    private readonly pool: ConnectionPool,
    private readonly opts: MetadataOptions = {},
  ) {}

  /** Adds topics to those the next refreshes ask about. */
  want(topics: Iterable<string>): void {
    for (const t of topics) this.wanted.add(t);
  }

  get stale(): boolean {
    return Date.now() - this.updatedAt >= (this.opts.metadataMaxAgeMs ?? 300_000);
  }

  /** Refreshes now (joining a refresh already under way). */
  refresh(): Promise<void> {
    this.inflight ??= this.fetch().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  /** A topic was used now (a producer sent to it): it stays in refreshes for metadataMaxIdleMs more. */
  touch(topic: string, now = (this.opts.now ?? Date.now)()): void {
    this.lastUsed.set(topic, now);
  }

  /** Drops topics touched last more than metadataMaxIdleMs ago (Java's producer metadata does this on refresh). */
  private dropIdle(): void {
    const maxIdle = this.opts.metadataMaxIdleMs;
    if (maxIdle === undefined) return;
    const now = (this.opts.now ?? Date.now)();
    for (const [topic, at] of this.lastUsed) {
      if (now - at < maxIdle) continue;
      this.lastUsed.delete(topic);
      this.wanted.delete(topic);
      this.topics.delete(topic);
      log('dropped topic %s: unused for %d ms (metadataMaxIdleMs)', topic, now - at);
    }
  }

  private async fetch(): Promise<void> {
    this.dropIdle();
    const topics = [...this.wanted].map((name) => ({ name, topicId: ZERO_UUID }));
    const res = await this.pool.request<MetadataResponse>('any', 'Metadata', {
      topics,
      allowAutoTopicCreation: this.opts.allowAutoTopicCreation ?? true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    throwMetadataError(res);
    this.apply(res);
  }

  /** Takes in a Metadata response. */
  apply(res: MetadataResponse): void {
    this.clusterId = res.clusterId ?? null;
    this.controllerId = res.controllerId;
    for (const t of res.topics) {
      if (t.name === null) continue;
      const partitions: PartitionInfo[] = t.partitions
        .map((p) => ({
          partition: p.partitionIndex,
          leader: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          errorCode: p.errorCode,
        }))
        .sort((a, b) => a.partition - b.partition);
      this.topics.set(t.name, { name: t.name, topicId: t.topicId, partitions, available: withLeader(partitions), errorCode: t.errorCode });
    }
    this.updatedAt = Date.now();
    log('metadata: %d brokers, topics %o', res.brokers.length, res.topics.map((t) => `${t.name}(${t.partitions.length}, error ${t.errorCode})`));
    this.pool.updateBrokers(res.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })));
  }

  /** Takes a new leader a broker named in an error response (KIP-951), if it is newer than what we know. */
  setLeader(topic: string, partition: number, leader: number, leaderEpoch: number): boolean {
    const t = this.topics.get(topic);
    const p = t?.partitions.find((x) => x.partition === partition);
    if (!t || !p || leader < 0 || leaderEpoch <= p.leaderEpoch) return false;
    p.leader = leader;
    p.leaderEpoch = leaderEpoch;
    t.available = withLeader(t.partitions);
    return true;
  }

  /** The topic's id, or undefined while it is not known (or the brokers have no topic ids). */
  topicIdOf(topic: string): string | undefined {
    const id = this.topics.get(topic)?.topicId;
    return id === undefined || id === ZERO_UUID ? undefined : id;
  }

  /** Leader of a partition, or -1 when unknown. */
  leaderFor(topic: string, partition: number): number {
    return this.topics.get(topic)?.partitions[partition]?.leader ?? -1;
  }

  /** Partitions with a known leader (empty while the topic is unknown). */
  availablePartitions(topic: string): number[] {
    return this.topics.get(topic)?.available ?? [];
  }

  /** A topic's metadata when it can be sent to (known, no error, some partitions): partitionsFor and availablePartitions in one lookup. */
  sendableTopic(topic: string): TopicInfo | undefined {
    const t = this.topics.get(topic);
    return t && t.errorCode === 0 && t.partitions.length > 0 ? t : undefined;
  }

  /** Partitions of a topic, or undefined while it is unknown. */
  partitionsFor(topic: string): PartitionInfo[] | undefined {
    return this.sendableTopic(topic)?.partitions;
  }

  /**
   * Waits until the topic's partitions are known, refreshing as needed, for
   * at most maxWaitMs. A topic that still does not exist, or that this client
   * may not see, fails with an error naming it.
   */
  async waitForTopic(topic: string, maxWaitMs: number): Promise<PartitionInfo[]> {
    this.want([topic]);
    const deadline = Date.now() + maxWaitMs;
    for (let attempt = 0; ; attempt++) {
      const known = this.partitionsFor(topic);
      if (known) return known;
      const t = this.topics.get(topic);
      if (t && t.errorCode !== 0) {
        const err = errorFor(t.errorCode, { api: 'Metadata', topic });
        if (!err.retriable) throw err;
        if (Date.now() >= deadline) throw err;
      } else if (attempt > 0 && Date.now() >= deadline) {
        throw new KafkaError(`topic ${topic} is not in the cluster metadata after ${maxWaitMs} ms (maxBlockMs)`, true, { topic });
      }
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(this.opts.retryBackoffMs ?? 100, Math.max(0, deadline - Date.now()))));
      try {
        await this.refresh();
      } catch (e) {
        // A broker restarting or a connection dropping: keep trying until the deadline.
        if (!(e instanceof KafkaError) || !e.retriable || Date.now() >= deadline) throw e;
      }
    }
  }
}

/**
 * A Metadata answer whose top-level error code (v13+) is set carries no usable
 * view of the cluster: it becomes the typed error for that code (for example
 * REBOOTSTRAP_REQUIRED, KIP-1242). Per-topic errors stay in the topics.
 */
export function throwMetadataError(res: MetadataResponse, broker?: number | string): void {
  if (res.errorCode !== undefined && res.errorCode !== 0) throw errorFor(res.errorCode, { api: 'Metadata', broker });
}
