/**
 * Share consumer options: Java's KafkaShareConsumer settings in camelCase,
 * with its defaults. Connection, TLS and SASL settings are the other clients'.
 */
import { KafkaConfigError } from '../../errors.js';
import { intOption, oneOfOption as oneOf } from '../../config-checks.js';
import type { VersionCaps } from '../../messages/negotiate.js';
import type { PoolOptions } from '../../network/pool.js';
import { bytesDeserializer, type Deserializer } from '../deserializers.js';
import { checkGroupId } from '../options.js';
import type { ShareAcknowledgementMode, ShareAcquireMode } from './types.js';

export interface ShareConsumerOptions<K = Buffer | null, V = Buffer | null> extends Pick<PoolOptions, 'tls' | 'sasl' | 'lookup' | 'clock'> {
  bootstrapServers: string | string[];
  /** The share group (required). A share group id cannot also be a consumer group's. */
  groupId: string;
  clientId?: string;
  /** 'implicit' (default) or 'explicit' (Java's share.acknowledgement.mode). */
  shareAcknowledgementMode?: ShareAcknowledgementMode;
  /** 'batch_optimized' (default) or 'record_limit' (Java's share.acquire.mode; needs a broker with ShareFetch v2, e.g. 4.4). */
  shareAcquireMode?: ShareAcquireMode;
  /** Default: bytes, as a Buffer (a view of the fetched data) or null. */
  keyDeserializer?: Deserializer<K>;
  valueDeserializer?: Deserializer<V>;
  /** This client's rack, sent when joining. */
  clientRack?: string | null;
  fetchMinBytes?: number;
  fetchMaxWaitMs?: number;
  fetchMaxBytes?: number;
  /**
   * Accepted for symmetry with the consumer; ShareFetch v1+ has no
   * per-partition byte limit (the broker divides fetchMaxBytes), so it is not sent.
   */
  maxPartitionFetchBytes?: number;
  /** Records per poll(); also the number of records asked of each broker per ShareFetch. */
  maxPollRecords?: number;
  checkCrcs?: boolean;
  requestTimeoutMs?: number;
  /** Bound on subscribe()'s wait for the coordinator and on commitSync() (default 60000). */
  defaultApiTimeoutMs?: number;
  retryBackoffMs?: number;
  retryBackoffMaxMs?: number;
  connectionsMaxIdleMs?: number;
  reconnectBackoffMs?: number;
  reconnectBackoffMaxMs?: number;
  socketConnectionSetupTimeoutMs?: number;
  socketConnectionSetupTimeoutMaxMs?: number;
  metadataMaxAgeMs?: number;
  /** Per-API version caps, e.g. `{ ShareFetch: 1 }`. */
  versionCaps?: VersionCaps;
}

export interface ResolvedShareConsumerOptions {
  bootstrapServers: string | string[];
  groupId: string;
  clientId: string;
  shareAcknowledgementMode: ShareAcknowledgementMode;
  shareAcquireMode: ShareAcquireMode;
  keyDeserializer: Deserializer<unknown>;
  valueDeserializer: Deserializer<unknown>;
  clientRack: string | null;
  fetchMinBytes: number;
  fetchMaxWaitMs: number;
  fetchMaxBytes: number;
  maxPartitionFetchBytes: number;
  maxPollRecords: number;
  checkCrcs: boolean;
  requestTimeoutMs: number;
  defaultApiTimeoutMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  connectionsMaxIdleMs: number;
  reconnectBackoffMs: number;
  reconnectBackoffMaxMs: number;
  socketConnectionSetupTimeoutMs: number;
  socketConnectionSetupTimeoutMaxMs: number;
  metadataMaxAgeMs: number;
  versionCaps: VersionCaps;
}

let clientSeq = 0;

function int(name: string, v: unknown, min: number): number {
  return intOption(name, v, min, 2_147_483_647);
}

export function resolveShareConsumerOptions(o: ShareConsumerOptions<unknown, unknown>): ResolvedShareConsumerOptions {
  if (o === null || typeof o !== 'object') throw new KafkaConfigError('the share consumer needs an options object with bootstrapServers and groupId');
  if (o.bootstrapServers === undefined || (Array.isArray(o.bootstrapServers) && o.bootstrapServers.length === 0) || o.bootstrapServers === '') {
    throw new KafkaConfigError('bootstrapServers is required (e.g. "127.0.0.1:9092")');
  }
  if (o.groupId === undefined || o.groupId === null) throw new KafkaConfigError('a share consumer needs a groupId (the share group to join)');
  const groupId = checkGroupId(o.groupId);
  for (const [name, d] of [['keyDeserializer', o.keyDeserializer], ['valueDeserializer', o.valueDeserializer]] as const) {
    if (d !== undefined && typeof d !== 'function') throw new KafkaConfigError(`${name} must be a function (data, topic, headers) => value`);
  }
  const clientRack = o.clientRack ?? null;
  if (clientRack !== null && typeof clientRack !== 'string') throw new KafkaConfigError('clientRack must be a string or null');
  return {
    bootstrapServers: o.bootstrapServers,
    groupId,
    clientId: o.clientId ?? `kafkawire-share-consumer-${++clientSeq}`,
    shareAcknowledgementMode: oneOf('shareAcknowledgementMode', o.shareAcknowledgementMode ?? 'implicit', ['implicit', 'explicit'] as const),
    shareAcquireMode: oneOf('shareAcquireMode', o.shareAcquireMode ?? 'batch_optimized', ['batch_optimized', 'record_limit'] as const),
    keyDeserializer: (o.keyDeserializer ?? bytesDeserializer) as Deserializer<unknown>,
    valueDeserializer: (o.valueDeserializer ?? bytesDeserializer) as Deserializer<unknown>,
    clientRack,
    fetchMinBytes: int('fetchMinBytes', o.fetchMinBytes ?? 1, 0),
    fetchMaxWaitMs: int('fetchMaxWaitMs', o.fetchMaxWaitMs ?? 500, 0),
    fetchMaxBytes: int('fetchMaxBytes', o.fetchMaxBytes ?? 52_428_800, 0),
    maxPartitionFetchBytes: int('maxPartitionFetchBytes', o.maxPartitionFetchBytes ?? 1_048_576, 0),
    maxPollRecords: int('maxPollRecords', o.maxPollRecords ?? 500, 1),
    checkCrcs: o.checkCrcs ?? true,
    requestTimeoutMs: int('requestTimeoutMs', o.requestTimeoutMs ?? 30_000, 1),
    defaultApiTimeoutMs: int('defaultApiTimeoutMs', o.defaultApiTimeoutMs ?? 60_000, 0),
    retryBackoffMs: int('retryBackoffMs', o.retryBackoffMs ?? 100, 0),
    retryBackoffMaxMs: int('retryBackoffMaxMs', o.retryBackoffMaxMs ?? 1000, 0),
    connectionsMaxIdleMs: o.connectionsMaxIdleMs ?? 540_000,
    reconnectBackoffMs: int('reconnectBackoffMs', o.reconnectBackoffMs ?? 50, 0),
    reconnectBackoffMaxMs: int('reconnectBackoffMaxMs', o.reconnectBackoffMaxMs ?? 1000, 0),
    socketConnectionSetupTimeoutMs: int('socketConnectionSetupTimeoutMs', o.socketConnectionSetupTimeoutMs ?? 10_000, 1),
    socketConnectionSetupTimeoutMaxMs: int('socketConnectionSetupTimeoutMaxMs', o.socketConnectionSetupTimeoutMaxMs ?? 30_000, 1),
    metadataMaxAgeMs: int('metadataMaxAgeMs', o.metadataMaxAgeMs ?? 300_000, 0),
    versionCaps: o.versionCaps ?? {},
  };
}
