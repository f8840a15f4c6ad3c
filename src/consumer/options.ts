import { KafkaConfigError } from '../errors.js';
import { describeValue, intOption as int, msOption as ms, oneOfOption as oneOf } from '../config-checks.js';
import type { VersionCaps } from '../messages/negotiate.js';
import type { PoolOptions } from '../network/pool.js';
import { bytesDeserializer, type Deserializer } from './deserializers.js';

export type AutoOffsetReset = 'latest' | 'earliest' | 'none';
export type IsolationLevel = 'read_uncommitted' | 'read_committed';

/** Consumer options: the Java consumer's names in camelCase, with its defaults. */
export interface ConsumerOptions<K = Buffer | null, V = Buffer | null> extends Pick<PoolOptions, 'tls' | 'sasl' | 'lookup' | 'clock'> {
  bootstrapServers: string | string[];
  clientId?: string;
  /** The consumer group; null (default) for a consumer that only uses assign() and commits nothing. */
  groupId?: string | null;
  /** Static membership (KIP-345): a stable id for this member across restarts. */
  groupInstanceId?: string | null;
  /** Where to start a partition without a committed offset: 'latest' (default), 'earliest' or 'none' (an error). */
  autoOffsetReset?: AutoOffsetReset;
  /** Commit consumed offsets every autoCommitIntervalMs (default true; off without a groupId). */
  enableAutoCommit?: boolean;
  autoCommitIntervalMs?: number;
  fetchMinBytes?: number;
  fetchMaxWaitMs?: number;
  fetchMaxBytes?: number;
  maxPartitionFetchBytes?: number;
  maxPollRecords?: number;
  checkCrcs?: boolean;
  isolationLevel?: IsolationLevel;
  /** This client's rack, for fetching from the closest replica (KIP-392). */
  clientRack?: string | null;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  maxPollIntervalMs?: number;
  /** 'classic' (default) or 'consumer' (KIP-848). */
  groupProtocol?: 'classic' | 'consumer';
  /** KIP-848 only: the server-side assignor ('uniform' or 'range'); null for the broker's default. */
  groupRemoteAssignor?: string | null;
  /** Classic protocol: assignor names in preference order (default ['range', 'cooperative-sticky']). */
  partitionAssignmentStrategy?: string[];
  requestTimeoutMs?: number;
  /** Bound on calls that wait for the cluster (position, committed, offsets lookups, metadata for assign). */
  defaultApiTimeoutMs?: number;
  retryBackoffMs?: number;
  retryBackoffMaxMs?: number;
  /** Ask brokers to create subscribed topics that do not exist (default true, as Java; brokers may refuse). */
  allowAutoCreateTopics?: boolean;
  /**
   * Bytes of fetched records not yet taken by the application (default
   * 67108864). Each partition may buffer its share of this; a partition over
   * its share is not fetched until the application catches up.
   */
  maxBufferedBytes?: number;
  connectionsMaxIdleMs?: number;
  reconnectBackoffMs?: number;
  reconnectBackoffMaxMs?: number;
  socketConnectionSetupTimeoutMs?: number;
  socketConnectionSetupTimeoutMaxMs?: number;
  metadataMaxAgeMs?: number;
  /** Default: bytes, as a Buffer (a view of the fetched data) or null. */
  keyDeserializer?: Deserializer<K>;
  valueDeserializer?: Deserializer<V>;
  /** Per-API version caps, e.g. `{ Fetch: 11 }`. */
  versionCaps?: VersionCaps;
}

export interface ResolvedConsumerOptions {
  bootstrapServers: string | string[];
  clientId: string;
  groupId: string | null;
  groupInstanceId: string | null;
  autoOffsetReset: AutoOffsetReset;
  enableAutoCommit: boolean;
  autoCommitIntervalMs: number;
  fetchMinBytes: number;
  fetchMaxWaitMs: number;
  fetchMaxBytes: number;
  maxPartitionFetchBytes: number;
  maxPollRecords: number;
  checkCrcs: boolean;
  isolationLevel: IsolationLevel;
  clientRack: string | null;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxPollIntervalMs: number;
  groupProtocol: 'classic' | 'consumer';
  groupRemoteAssignor: string | null;
  partitionAssignmentStrategy: string[];
  requestTimeoutMs: number;
  defaultApiTimeoutMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  allowAutoCreateTopics: boolean;
  maxBufferedBytes: number;
  connectionsMaxIdleMs: number;
  reconnectBackoffMs: number;
  reconnectBackoffMaxMs: number;
  socketConnectionSetupTimeoutMs: number;
  socketConnectionSetupTimeoutMaxMs: number;
  metadataMaxAgeMs: number;
  keyDeserializer: Deserializer<unknown>;
  valueDeserializer: Deserializer<unknown>;
  versionCaps: VersionCaps;
}

let clientSeq = 0;

/** Checks a group id the way the broker will (a non-empty string). */
export function checkGroupId(groupId: unknown): string {
  if (typeof groupId !== 'string' || groupId.trim().length === 0) {
    throw new KafkaConfigError(`invalid groupId ${describeValue(groupId)}: a consumer group id must be a non-empty string`);
  }
  return groupId;
}

/** Applies defaults and the Java consumer's consistency rules. */
export function resolveConsumerOptions(o: ConsumerOptions<unknown, unknown>): ResolvedConsumerOptions {
  if (o === null || typeof o !== 'object') throw new KafkaConfigError('the consumer needs an options object with bootstrapServers');
  if (o.bootstrapServers === undefined || (Array.isArray(o.bootstrapServers) && o.bootstrapServers.length === 0) || o.bootstrapServers === '') {
    throw new KafkaConfigError('bootstrapServers is required (e.g. "127.0.0.1:9092")');
  }
  const groupId = o.groupId === undefined || o.groupId === null ? null : checkGroupId(o.groupId);
  const groupInstanceId = o.groupInstanceId ?? null;
  if (groupInstanceId !== null) {
    if (groupId === null) throw new KafkaConfigError('groupInstanceId (static membership) needs a groupId');
    if (typeof groupInstanceId !== 'string' || groupInstanceId.length === 0) throw new KafkaConfigError('groupInstanceId must be a non-empty string');
  }
  // As in Java: auto commit asked for without a group is an error; left at its default it is simply off.
  if (groupId === null && o.enableAutoCommit === true) {
    throw new KafkaConfigError('enableAutoCommit needs a groupId: set groupId, or remove enableAutoCommit: true');
  }
  const sessionTimeoutMs = ms('sessionTimeoutMs', o.sessionTimeoutMs ?? 45_000, 1);
  const heartbeatIntervalMs = ms('heartbeatIntervalMs', o.heartbeatIntervalMs ?? 3000, 1);
  if (o.groupProtocol !== 'consumer' && heartbeatIntervalMs >= sessionTimeoutMs) {
    throw new KafkaConfigError(`heartbeatIntervalMs (${heartbeatIntervalMs}) must be lower than sessionTimeoutMs (${sessionTimeoutMs})`);
  }
  const fetchMaxBytes = int('fetchMaxBytes', o.fetchMaxBytes ?? 52_428_800, 0);
  const maxPartitionFetchBytes = int('maxPartitionFetchBytes', o.maxPartitionFetchBytes ?? 1_048_576, 0);
  const maxBufferedBytes = int('maxBufferedBytes', o.maxBufferedBytes ?? 67_108_864, 1);
  const clientRack = o.clientRack ?? null;
  if (clientRack !== null && typeof clientRack !== 'string') throw new KafkaConfigError('clientRack must be a string or null');
  const strategy = o.partitionAssignmentStrategy ?? ['range', 'cooperative-sticky'];
  if (!Array.isArray(strategy) || strategy.length === 0 || !strategy.every((s) => typeof s === 'string' && s.length > 0)) {
    throw new KafkaConfigError('partitionAssignmentStrategy must be a non-empty list of assignor names');
  }
  for (const [name, d] of [['keyDeserializer', o.keyDeserializer], ['valueDeserializer', o.valueDeserializer]] as const) {
    if (d !== undefined && typeof d !== 'function') throw new KafkaConfigError(`${name} must be a function (data, topic, headers) => value`);
  }
  return {
    bootstrapServers: o.bootstrapServers,
    clientId: o.clientId ?? `kafkawire-consumer-${++clientSeq}`,
    groupId,
    groupInstanceId,
    autoOffsetReset: oneOf('autoOffsetReset', o.autoOffsetReset ?? 'latest', ['latest', 'earliest', 'none'] as const),
    enableAutoCommit: groupId !== null && (o.enableAutoCommit ?? true),
    autoCommitIntervalMs: ms('autoCommitIntervalMs', o.autoCommitIntervalMs ?? 5000, 0),
    fetchMinBytes: int('fetchMinBytes', o.fetchMinBytes ?? 1, 0),
    fetchMaxWaitMs: ms('fetchMaxWaitMs', o.fetchMaxWaitMs ?? 500, 0),
    fetchMaxBytes,
    maxPartitionFetchBytes,
    maxPollRecords: int('maxPollRecords', o.maxPollRecords ?? 500, 1),
    checkCrcs: o.checkCrcs ?? true,
    isolationLevel: oneOf('isolationLevel', o.isolationLevel ?? 'read_uncommitted', ['read_uncommitted', 'read_committed'] as const),
    clientRack,
    sessionTimeoutMs,
    heartbeatIntervalMs,
    maxPollIntervalMs: ms('maxPollIntervalMs', o.maxPollIntervalMs ?? 300_000, 1),
    groupProtocol: oneOf('groupProtocol', o.groupProtocol ?? 'classic', ['classic', 'consumer'] as const),
    groupRemoteAssignor: o.groupRemoteAssignor ?? null,
    partitionAssignmentStrategy: strategy,
    requestTimeoutMs: ms('requestTimeoutMs', o.requestTimeoutMs ?? 30_000, 1),
    defaultApiTimeoutMs: ms('defaultApiTimeoutMs', o.defaultApiTimeoutMs ?? 60_000, 0),
    retryBackoffMs: ms('retryBackoffMs', o.retryBackoffMs ?? 100, 0),
    retryBackoffMaxMs: ms('retryBackoffMaxMs', o.retryBackoffMaxMs ?? 1000, 0),
    allowAutoCreateTopics: o.allowAutoCreateTopics ?? true,
    maxBufferedBytes,
    connectionsMaxIdleMs: o.connectionsMaxIdleMs ?? 540_000,
    reconnectBackoffMs: ms('reconnectBackoffMs', o.reconnectBackoffMs ?? 50, 0),
    reconnectBackoffMaxMs: ms('reconnectBackoffMaxMs', o.reconnectBackoffMaxMs ?? 1000, 0),
    socketConnectionSetupTimeoutMs: ms('socketConnectionSetupTimeoutMs', o.socketConnectionSetupTimeoutMs ?? 10_000, 1),
    socketConnectionSetupTimeoutMaxMs: ms('socketConnectionSetupTimeoutMaxMs', o.socketConnectionSetupTimeoutMaxMs ?? 30_000, 1),
    metadataMaxAgeMs: ms('metadataMaxAgeMs', o.metadataMaxAgeMs ?? 300_000, 0),
    keyDeserializer: (o.keyDeserializer ?? bytesDeserializer) as Deserializer<unknown>,
    valueDeserializer: (o.valueDeserializer ?? bytesDeserializer) as Deserializer<unknown>,
    versionCaps: o.versionCaps ?? {},
  };
}
