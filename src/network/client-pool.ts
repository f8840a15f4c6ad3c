// The connection pool every client (producer, consumer, share consumer, admin)
// builds from its options: the same Java option names map to the same pool
// settings in one place.
import type { VersionCaps } from '../messages/negotiate.js';
import type { Clock } from './clock.js';
import { ConnectionPool, type PoolOptions } from './pool.js';

/** The client options that configure its connections (Java names, camelCase). */
export interface ClientConnectionOptions {
  bootstrapServers: string | string[];
  clientId?: string;
  connectionsMaxIdleMs?: number;
  reconnectBackoffMs?: number;
  reconnectBackoffMaxMs?: number;
  socketConnectionSetupTimeoutMs?: number;
  socketConnectionSetupTimeoutMaxMs?: number;
  requestTimeoutMs?: number;
  versionCaps?: VersionCaps;
  tls?: PoolOptions['tls'];
  sasl?: PoolOptions['sasl'];
  lookup?: PoolOptions['lookup'];
  clock?: Clock;
}

/** A pool for a client; `extra` holds what only that client sets (e.g. the producer's maxInFlight). */
export function clientPool(o: ClientConnectionOptions, extra: Partial<PoolOptions> = {}): ConnectionPool {
  return new ConnectionPool({
    bootstrapServers: o.bootstrapServers,
    clientId: o.clientId,
    connectionsMaxIdleMs: o.connectionsMaxIdleMs,
    reconnectBackoffMs: o.reconnectBackoffMs,
    reconnectBackoffMaxMs: o.reconnectBackoffMaxMs,
    connectTimeoutMs: o.socketConnectionSetupTimeoutMs,
    connectTimeoutMaxMs: o.socketConnectionSetupTimeoutMaxMs,
    requestTimeoutMs: o.requestTimeoutMs,
    versionCaps: o.versionCaps,
    tls: o.tls,
    sasl: o.sasl,
    lookup: o.lookup,
    clock: o.clock,
    ...extra,
  });
}
