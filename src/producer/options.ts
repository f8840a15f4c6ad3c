import { KafkaConfigError } from '../errors.js';
import { describeValue, intOption as int, msOption as ms } from '../config-checks.js';
import type { VersionCaps } from '../messages/negotiate.js';
import type { PoolOptions } from '../network/pool.js';
import { COMPRESSION_TYPE_IDS, getCodec, ZSTD_NODE_REQUIREMENT, zstdAvailable, zstdCodec, type CompressionTypeName } from '../records/compression/index.js';
import type { Partitioner } from './partitioner.js';
import type { Serializer } from './serializers.js';

/** Producer options: the Java producer's names in camelCase, with its defaults. */
export interface ProducerOptions<K = unknown, V = unknown> extends Pick<PoolOptions, 'tls' | 'sasl'> {
  bootstrapServers: string | string[];
  clientId?: string;
  /** 0 (no answer), 1 (leader), -1 or 'all' (all in-sync replicas). Default 'all'. */
  acks?: 0 | 1 | -1 | 'all';
  /** Default true; needs acks 'all', retries > 0 and at most 5 requests in flight. */
  enableIdempotence?: boolean;
  /**
   * Upper bound on how long a partial batch waits for more records (default 5).
   * A partition with nothing in flight (on an idle connection) sends at once;
   * records arriving while its requests are in flight gather into the next batch.
   */
  lingerMs?: number;
  /**
   * Largest size of one partition's batch in bytes (default 524288, where Java has 16384: see the README).
   * Also how many bytes the sticky partitioner gives a partition before it moves on (KIP-794), as in Java.
   */
  batchSize?: number;
  compressionType?: CompressionTypeName;
  /** Bytes of records the producer may hold before send() waits (default 33554432). */
  bufferMemory?: number;
  /** How long send() may wait for metadata or buffer space (default 60000). */
  maxBlockMs?: number;
  /**
   * Upper bound on the time from send() to success or failure (default 120000;
   * raised to lingerMs + requestTimeoutMs when those exceed it and it is not set, as in Java).
   */
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
  /** Topics not sent to for this long are dropped from metadata requests and per-partition state (default 300000, at least 5000). */
  metadataMaxIdleMs?: number;
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
  Omit<ProducerOptions, 'partitioner' | 'keySerializer' | 'valueSerializer' | 'tls' | 'sasl' | 'transactionalId' | 'acks' | 'versionCaps'>
> & {
  acks: 0 | 1 | -1;
  transactionalId: string | null;
  versionCaps: VersionCaps;
};

let clientSeq = 0;

/**
 * The compression type, checked now rather than at the first batch: an unknown
 * name (possible from JavaScript) or zstd on a Node.js without it.
 */
function compressionOf(v: unknown): CompressionTypeName {
  const name = v ?? 'none';
  if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(COMPRESSION_TYPE_IDS, name)) {
    throw new KafkaConfigError(`compressionType must be one of ${Object.keys(COMPRESSION_TYPE_IDS).join(', ')}; got ${describeValue(name)}`);
  }
  const type = name as CompressionTypeName;
  // A codec registered in place of the built-in zstd (registerCodec) is the user's to vouch for.
  if (type === 'zstd' && getCodec(COMPRESSION_TYPE_IDS.zstd) === zstdCodec && !zstdAvailable()) {
    throw new KafkaConfigError(`compressionType 'zstd' needs ${ZSTD_NODE_REQUIREMENT}; this is Node.js ${process.version} (use lz4, snappy or gzip, or register a zstd codec)`);
  }
  return type;
}

/**
 * deliveryTimeoutMs as Java's producer configures it: a value set below
 * lingerMs + requestTimeoutMs is an error; the default is raised to that sum.
 */
function deliveryTimeoutOf(set: number | undefined, lingerMs: number, requestTimeoutMs: number): number {
  const floor = Math.min(lingerMs + requestTimeoutMs, 2147483647);
  if (set === undefined) return Math.max(120_000, floor);
  const v = ms('deliveryTimeoutMs', set, 1);
  if (v < floor) throw new KafkaConfigError(`deliveryTimeoutMs (${v}) must be at least lingerMs + requestTimeoutMs (${floor})`);
  return v;
}

/** Applies defaults and the Java producer's consistency rules. */
export function resolveProducerOptions(o: ProducerOptions): ResolvedProducerOptions {
  if (o === null || typeof o !== 'object') throw new KafkaConfigError('the producer needs an options object with bootstrapServers');
  const acksRaw = o.acks ?? 'all';
  const acks = acksRaw === 'all' ? -1 : acksRaw;
  if (acks !== 0 && acks !== 1 && acks !== -1) throw new KafkaConfigError(`acks must be 0, 1, -1 or 'all', got ${describeValue(acksRaw)}`);
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
  const lingerMs = ms('lingerMs', o.lingerMs ?? 5, 0);
  const requestTimeoutMs = ms('requestTimeoutMs', o.requestTimeoutMs ?? 30_000, 1);
  const deliveryTimeoutMs = deliveryTimeoutOf(o.deliveryTimeoutMs, lingerMs, requestTimeoutMs);
  return {
    bootstrapServers: o.bootstrapServers,
    clientId: o.clientId ?? `kafkawire-producer-${++clientSeq}`,
    acks,
    enableIdempotence: idempotence,
    lingerMs,
    batchSize: int('batchSize', o.batchSize ?? 524_288, 0),
    compressionType: compressionOf(o.compressionType),
    bufferMemory: int('bufferMemory', o.bufferMemory ?? 33_554_432, 1),
    maxBlockMs: ms('maxBlockMs', o.maxBlockMs ?? 60_000, 0),
    deliveryTimeoutMs,
    requestTimeoutMs,
    retries,
    retryBackoffMs: ms('retryBackoffMs', o.retryBackoffMs ?? 100, 0),
    retryBackoffMaxMs: ms('retryBackoffMaxMs', o.retryBackoffMaxMs ?? 1000, 0),
    maxInFlightRequestsPerConnection: maxInFlight,
    maxRequestSize: int('maxRequestSize', o.maxRequestSize ?? 1_048_576, 1),
    connectionsMaxIdleMs: o.connectionsMaxIdleMs ?? 540_000,
    reconnectBackoffMs: ms('reconnectBackoffMs', o.reconnectBackoffMs ?? 50, 0),
    reconnectBackoffMaxMs: ms('reconnectBackoffMaxMs', o.reconnectBackoffMaxMs ?? 1000, 0),
    socketConnectionSetupTimeoutMs: ms('socketConnectionSetupTimeoutMs', o.socketConnectionSetupTimeoutMs ?? 10_000, 1),
    socketConnectionSetupTimeoutMaxMs: ms('socketConnectionSetupTimeoutMaxMs', o.socketConnectionSetupTimeoutMaxMs ?? 30_000, 1),
    metadataMaxAgeMs: ms('metadataMaxAgeMs', o.metadataMaxAgeMs ?? 300_000, 0),
    metadataMaxIdleMs: ms('metadataMaxIdleMs', o.metadataMaxIdleMs ?? 300_000, 5000),
    partitionerIgnoreKeys: o.partitionerIgnoreKeys ?? false,
    transactionalId,
    transactionTimeoutMs: ms('transactionTimeoutMs', o.transactionTimeoutMs ?? 60_000, 1),
    versionCaps: o.versionCaps ?? {},
  };
}
