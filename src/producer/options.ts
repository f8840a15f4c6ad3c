import { KafkaConfigError } from '../errors.js';
import type { VersionCaps } from '../messages/negotiate.js';
import type { CompressionTypeName } from '../records/compression/index.js';
import type { PoolOptions } from '../network/pool.js';
import type { Partitioner } from './partitioner.js';
import type { Serializer } from './serializers.js';

/** Producer options: the Java producer's names in camelCase, with its defaults. */
export interface ProducerOptions<K = unknown, V = unknown> extends Pick<PoolOptions, 'tls' | 'sasl' | 'lookup' | 'clock'> {
  bootstrapServers: string | string[];
  clientId?: string;
  /** 0 (no answer), 1 (leader), -1 or 'all' (all in-sync replicas). Default 'all'. */
  acks?: 0 | 1 | -1 | 'all';
  /** Default true; needs acks 'all', retries > 0 and at most 5 requests in flight. */
  enableIdempotence?: boolean;
  /** Wait this long for more records before sending a partial batch (default 5). */
  lingerMs?: number;
  /** Target size of one partition's batch in bytes (default 16384). */
  batchSize?: number;
  compressionType?: CompressionTypeName;
  /** Bytes of records the producer may hold before send() waits (default 33554432). */
  bufferMemory?: number;
  /** How long send() may wait for metadata or buffer space (default 60000). */
  maxBlockMs?: number;
  /** Upper bound on the time from send() to success or failure (default 120000). */
  deliveryTimeoutMs?: number;
  requestTimeoutMs?: number;
  retries?: number;
  retryBackoffMs?: number;
  retryBackoffMaxMs?: number;
  maxInFlightRequestsPerConnection?: number;
  /** Largest Produce request (and so record) sent (default 1048576). */
  maxRequestSize?: number;
  connectionsMaxIdleMs?: number;
  reconnectBackoffMs?: number;
  reconnectBackoffMaxMs?: number;
  socketConnectionSetupTimeoutMs?: number;
  /** The setup timeout doubles per failed attempt up to this (default 30000). */
  socketConnectionSetupTimeoutMaxMs?: number;
  metadataMaxAgeMs?: number;
  partitioner?: Partitioner;
  /** Ignore keys when choosing partitions (partitioner.ignore.keys). */
  partitionerIgnoreKeys?: boolean;
  keySerializer?: Serializer<K>;
  valueSerializer?: Serializer<V>;
  transactionalId?: string | null;
  transactionTimeoutMs?: number;
  /** Per-API version caps, e.g. `{ Produce: 8 }`. */
  versionCaps?: VersionCaps;
}

export type ResolvedProducerOptions = Required<
  Omit<ProducerOptions, 'partitioner' | 'keySerializer' | 'valueSerializer' | 'tls' | 'sasl' | 'lookup' | 'clock' | 'transactionalId' | 'acks' | 'versionCaps'>
> & {
  acks: 0 | 1 | -1;
  transactionalId: string | null;
  versionCaps: VersionCaps;
};

let clientSeq = 0;

function int(name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new KafkaConfigError(`${name} must be an integer ≥ ${min}, got ${String(v)}`);
  return v;
}

/** Applies defaults and the Java producer's consistency rules. */
export function resolveProducerOptions(o: ProducerOptions): ResolvedProducerOptions {
  const acksRaw = o.acks ?? 'all';
  const acks = acksRaw === 'all' ? -1 : acksRaw;
  if (acks !== 0 && acks !== 1 && acks !== -1) throw new KafkaConfigError(`acks must be 0, 1, -1 or 'all', got ${String(acksRaw)}`);
  const retries = int('retries', o.retries ?? 2147483647, 0);
  const maxInFlight = int('maxInFlightRequestsPerConnection', o.maxInFlightRequestsPerConnection ?? 5, 1);
  const transactionalId = o.transactionalId ?? null;
  // Idempotence is on by default but gives way silently to conflicting settings, unless it was asked for.
  let idempotence = o.enableIdempotence ?? true;
  const conflicts: string[] = [];
  if (acks !== -1) conflicts.push(`acks must be 'all' (it is ${acks})`);
  if (retries === 0) conflicts.push('retries must be greater than 0');
  if (maxInFlight > 5) conflicts.push(`maxInFlightRequestsPerConnection must be at most 5 (it is ${maxInFlight})`);
  if (idempotence && conflicts.length > 0) {
    if (o.enableIdempotence === true || transactionalId !== null) {
      throw new KafkaConfigError(`enableIdempotence${transactionalId !== null ? ' (needed by transactionalId)' : ''} conflicts with the other options: ${conflicts.join('; ')}`);
    }
    idempotence = false;
  }
  if (transactionalId !== null && o.enableIdempotence === false) {
    throw new KafkaConfigError('transactionalId needs enableIdempotence: remove enableIdempotence: false');
  }
  const lingerMs = int('lingerMs', o.lingerMs ?? 5, 0);
  const requestTimeoutMs = int('requestTimeoutMs', o.requestTimeoutMs ?? 30_000, 1);
  const deliveryTimeoutMs = int('deliveryTimeoutMs', o.deliveryTimeoutMs ?? 120_000, 1);
  if (deliveryTimeoutMs < lingerMs + requestTimeoutMs) {
    throw new KafkaConfigError(`deliveryTimeoutMs (${deliveryTimeoutMs}) must be at least lingerMs + requestTimeoutMs (${lingerMs + requestTimeoutMs})`);
  }
  return {
    bootstrapServers: o.bootstrapServers,
    clientId: o.clientId ?? `kafkawire-producer-${++clientSeq}`,
    acks,
    enableIdempotence: idempotence,
    lingerMs,
    batchSize: int('batchSize', o.batchSize ?? 16_384, 0),
    compressionType: o.compressionType ?? 'none',
    bufferMemory: int('bufferMemory', o.bufferMemory ?? 33_554_432, 1),
    maxBlockMs: int('maxBlockMs', o.maxBlockMs ?? 60_000, 0),
    deliveryTimeoutMs,
    requestTimeoutMs,
    retries,
    retryBackoffMs: int('retryBackoffMs', o.retryBackoffMs ?? 100, 0),
    retryBackoffMaxMs: int('retryBackoffMaxMs', o.retryBackoffMaxMs ?? 1000, 0),
    maxInFlightRequestsPerConnection: maxInFlight,
    maxRequestSize: int('maxRequestSize', o.maxRequestSize ?? 1_048_576, 1),
    connectionsMaxIdleMs: o.connectionsMaxIdleMs ?? 540_000,
    reconnectBackoffMs: int('reconnectBackoffMs', o.reconnectBackoffMs ?? 50, 0),
    reconnectBackoffMaxMs: int('reconnectBackoffMaxMs', o.reconnectBackoffMaxMs ?? 1000, 0),
    socketConnectionSetupTimeoutMs: int('socketConnectionSetupTimeoutMs', o.socketConnectionSetupTimeoutMs ?? 10_000, 1),
    socketConnectionSetupTimeoutMaxMs: int('socketConnectionSetupTimeoutMaxMs', o.socketConnectionSetupTimeoutMaxMs ?? 30_000, 1),
    metadataMaxAgeMs: int('metadataMaxAgeMs', o.metadataMaxAgeMs ?? 300_000, 0),
    partitionerIgnoreKeys: o.partitionerIgnoreKeys ?? false,
    transactionalId,
    transactionTimeoutMs: int('transactionTimeoutMs', o.transactionTimeoutMs ?? 60_000, 1),
    versionCaps: o.versionCaps ?? {},
  };
}
