import createDebug from 'debug';
import { KafkaConfigError, KafkaConnectionError, KafkaError } from '../errors.js';
import type { ApiDefinition, ApiName } from '../messages/registry.js';
import { formatAddress, parseBootstrap, type BrokerAddress } from './address.js';
import { backoffMs } from './backoff.js';
import { systemClock, type Clock } from './clock.js';
import { Connection, describeRole, type ConnectionOptions, type ConnectionRole, type RequestOptions } from './connection.js';

const log = createDebug('kafkawire:connection');

/** A broker as metadata describes it. */
export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack?: string | null;
}

export interface PoolOptions extends Omit<ConnectionOptions, 'host' | 'port' | 'role'> {
  bootstrapServers: string | string[];
  /** Close connections that carried no request for this long; -1 never (default 540000). */
  connectionsMaxIdleMs?: number;
  /** First reconnect delay after a failed dial to a node (default 50). */
  reconnectBackoffMs?: number;
  /** Upper bound of the reconnect delay (default 1000). */
  reconnectBackoffMaxMs?: number;
  /**
   * Upper bound of the connection setup timeout (default 30000): after each failed
   * dial of a node its setup timeout (connectTimeoutMs, socketConnectionSetupTimeoutMs)
   * doubles, with jitter, up to this.
   */
  connectTimeoutMaxMs?: number;
  clock?: Clock;
  /** Opens a connection; tests replace it. */
  connect?: (opts: ConnectionOptions) => Promise<Connection>;
}

/** One row of `pool.list()`. */
export interface ConnectionInfo {
  /** The broker's node id, or "bootstrap" for a bootstrap connection. */
  target: number | 'bootstrap';
  address: string;
  state: 'connecting' | 'ready' | 'backoff';
  idleMs: number;
  inFlight: number;
}

interface Slot {
  key: string;
  role: ConnectionRole;
  address: BrokerAddress;
  conn?: Connection;
  dialing?: Promise<Connection>;
  failures: number;
  /** Earliest time the next dial may start. */
  notBefore: number;
  lastError?: KafkaError;
}

/**
 * The client's connections, managed as the Java producer manages them: dial
 * every bootstrap address at start, dial every broker after each metadata
 * update, dial lazily when a request needs a broker with no connection, close
 * any connection idle for connectionsMaxIdleMs, and back off per node after a
 * failed dial (reconnectBackoffMs doubling to reconnectBackoffMaxMs, jittered).
 */
export class ConnectionPool {
  private readonly slots = new Map<string, Slot>();
  private readonly bootstrap: BrokerAddress[];
  private readonly brokers = new Map<number, BrokerInfo>();
  private readonly clock: Clock;
  private readonly idleMs: number;
  private idleTimer: unknown;
  private closed = false;
  private readonly failureListeners: Array<(nodeId: number | 'bootstrap', err: KafkaError) => void> = [];
  /** Dial attempts made, by slot key (diagnostics and tests). */
  readonly dialCounts = new Map<string, number>();

  constructor(private readonly opts: PoolOptions) {
    this.bootstrap = parseBootstrap(opts.bootstrapServers);
    this.clock = opts.clock ?? systemClock;
    this.idleMs = opts.connectionsMaxIdleMs ?? 540_000;
    if (this.idleMs !== -1 && !(this.idleMs >= 0)) throw new KafkaConfigError(`connectionsMaxIdleMs must be -1 or a number of milliseconds ≥ 0, got ${this.idleMs}`);
    for (const a of this.bootstrap) {
      const key = `bootstrap:${formatAddress(a)}`;
      this.slots.set(key, { key, role: { kind: 'bootstrap' }, address: a, failures: 0, notBefore: 0 });
    }
    this.scheduleIdleCheck();
  }

  /** Called when a connection breaks, so the caller can refresh metadata. */
  onFailure(listener: (nodeId: number | 'bootstrap', err: KafkaError) => void): void {
    this.failureListeners.push(listener);
  }

  /**
   * Dials every bootstrap address; resolves when each has succeeded or
   * failed, and rejects only if none could be reached (listing every reason).
   */
  async start(): Promise<void> {
    const slots = [...this.slots.values()].filter((s) => s.role.kind === 'bootstrap');
    const results = await Promise.allSettled(slots.map((s) => this.dial(s)));
    if (results.every((r) => r.status === 'rejected')) {
      // A refused login or an untrusted certificate is not "unreachable": report it as itself.
      const fatal = results.map((r) => (r as PromiseRejectedResult).reason).find((e) => e instanceof KafkaError && !e.retriable);
      if (fatal) throw fatal;
      const reasons = results.map((r) => ((r as PromiseRejectedResult).reason as Error).message);
      throw new KafkaConnectionError(`none of the bootstrap servers could be reached:\n  ${reasons.join('\n  ')}`, {
        cause: (results[0] as PromiseRejectedResult).reason,
      });
    }
  }

  /** After a metadata update: remember the brokers, dial those with no connection, drop those gone. */
  updateBrokers(brokers: BrokerInfo[]): void {
    if (this.closed) return;
    const seen = new Set<number>();
    for (const b of brokers) {
      seen.add(b.nodeId);
      const old = this.brokers.get(b.nodeId);
      this.brokers.set(b.nodeId, b);
      const key = `node:${b.nodeId}`;
      let slot = this.slots.get(key);
      if (slot && old && (old.host !== b.host || old.port !== b.port)) {
        // The broker moved: its old connection goes to the wrong place.
        slot.conn?.close();
        this.slots.delete(key);
        slot = undefined;
      }
      if (!slot) {
        slot = { key, role: { kind: 'broker', nodeId: b.nodeId }, address: { host: b.host, port: b.port }, failures: 0, notBefore: 0 };
        this.slots.set(key, slot);
      }
      if (!slot.conn && !slot.dialing && this.clock.now() >= slot.notBefore) this.dial(slot).catch(() => undefined);
    }
    for (const [id] of this.brokers) {
      if (seen.has(id)) continue;
      this.brokers.delete(id);
      const slot = this.slots.get(`node:${id}`);
      slot?.conn?.close();
      this.slots.delete(`node:${id}`);
    }
  }

  knownBrokers(): BrokerInfo[] {
    return [...this.brokers.values()];
  }

  /** The connection to broker nodeId, dialling it (after any backoff) if there is none. */
  async get(nodeId: number): Promise<Connection> {
    const slot = this.slots.get(`node:${nodeId}`);
    if (!slot) throw new KafkaConnectionError(`broker ${nodeId} is not in the cluster metadata`, { broker: nodeId });
    return this.ready(slot);
  }

  /**
   * A connection to any broker (for metadata): the ready one with the fewest
   * requests in flight, else the first that can be dialled.
   */
  async any(): Promise<Connection> {
    const slots = [...this.slots.values()];
    const ready = slots.filter((s) => s.conn && s.conn.state === 'ready').sort((a, b) => a.conn!.inFlightCount - b.conn!.inFlightCount);
    if (ready[0]) return ready[0].conn!;
    const dialing = slots.find((s) => s.dialing);
    if (dialing) return dialing.dialing!;
    // Brokers first (they are what metadata named), bootstrap addresses after; soonest allowed first.
    const order = slots.sort((a, b) => (a.role.kind === b.role.kind ? a.notBefore - b.notBefore : a.role.kind === 'broker' ? -1 : 1));
    let last: unknown;
    for (const s of order) {
      try {
        return await this.ready(s);
      } catch (e) {
        last = e;
        if (e instanceof KafkaError && !e.retriable) throw e;
      }
    }
    throw last ?? new KafkaConnectionError(this.closed ? 'the client is closed' : 'no broker or bootstrap server is known', {}, !this.closed);
  }

  /** Sends a request to a broker (or any, for metadata) and resolves to the response body. */
  async request<T = unknown>(target: number | 'any', api: ApiDefinition | ApiName, body: unknown, opts?: RequestOptions): Promise<T> {
    const conn = target === 'any' ? await this.any() : await this.get(target);
    return conn.request<T>(api, body, opts);
  }

  /** Requests queued or in flight on the connection to a broker (0 when there is none). */
  inFlightTo(nodeId: number): number {
    return this.slots.get(`node:${nodeId}`)?.conn?.inFlightCount ?? 0;
  }

  list(): ConnectionInfo[] {
    const now = this.clock.now();
    const out: ConnectionInfo[] = [];
    for (const s of this.slots.values()) {
      if (!s.conn && !s.dialing && s.failures === 0) continue;
      out.push({
        target: s.role.kind === 'bootstrap' ? 'bootstrap' : s.role.nodeId,
        address: formatAddress(s.address),
        state: s.conn ? 'ready' : s.dialing ? 'connecting' : 'backoff',
        idleMs: s.conn ? now - s.conn.lastActive : 0,
        inFlight: s.conn?.inFlightCount ?? 0,
      });
    }
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.idleTimer !== undefined) this.clock.clearTimeout(this.idleTimer);
    for (const s of this.slots.values()) {
      s.conn?.close();
      s.conn = undefined;
    }
    await Promise.allSettled([...this.slots.values()].map((s) => s.dialing));
  }

  private async ready(slot: Slot): Promise<Connection> {
    // Not retriable: nothing will reopen a closed client, so callers must not loop on it.
    if (this.closed) throw new KafkaConnectionError('the client is closed', {}, false);
    if (slot.conn && slot.conn.state === 'ready') return slot.conn;
    if (slot.dialing) return slot.dialing;
    const wait = slot.notBefore - this.clock.now();
    if (wait > 0) await new Promise<void>((r) => this.clock.setTimeout(r, wait));
    if (this.closed) throw new KafkaConnectionError('the client is closed', {}, false);
    if (slot.conn && slot.conn.state === 'ready') return slot.conn;
    return slot.dialing ?? this.dial(slot);
  }

  private dial(slot: Slot): Promise<Connection> {
    this.dialCounts.set(slot.key, (this.dialCounts.get(slot.key) ?? 0) + 1);
    const { connectionsMaxIdleMs: _i, reconnectBackoffMs: _b, reconnectBackoffMaxMs: _m, connectTimeoutMaxMs, bootstrapServers: _s, clock: _c, connect, ...connOpts } = this.opts;
    const clock = this.clock;
    const base = connOpts.connectTimeoutMs ?? 10_000;
    const connectTimeoutMs = backoffMs(slot.failures + 1, { initialMs: base, maxMs: Math.max(base, connectTimeoutMaxMs ?? 30_000) });
    const p = (connect ?? Connection.open)({ ...connOpts, connectTimeoutMs, host: slot.address.host, port: slot.address.port, role: slot.role, now: () => clock.now() })
      .then((conn) => {
        slot.dialing = undefined;
        if (this.closed || this.slots.get(slot.key) !== slot) {
          conn.close();
          throw new KafkaConnectionError('the client closed while connecting', {}, false);
        }
        slot.conn = conn;
        slot.failures = 0;
        slot.notBefore = 0;
        slot.lastError = undefined;
        conn.lastActive = this.clock.now();
        conn.onClose((err) => this.onConnectionClosed(slot, conn, err));
        return conn;
      })
      .catch((e: unknown) => {
        slot.dialing = undefined;
        const err = e instanceof KafkaError ? e : new KafkaConnectionError(String(e), { cause: e });
        slot.failures++;
        slot.lastError = err;
        const delay = backoffMs(slot.failures, { initialMs: this.opts.reconnectBackoffMs ?? 50, maxMs: this.opts.reconnectBackoffMaxMs ?? 1000 });
        slot.notBefore = this.clock.now() + delay;
        log('dial %s failed (%d in a row, next attempt in %d ms): %s', describeRole(slot.role, formatAddress(slot.address)), slot.failures, delay, err.message);
        throw err;
      });
    slot.dialing = p;
    return p;
  }

  private onConnectionClosed(slot: Slot, conn: Connection, err: KafkaError): void {
    if (slot.conn === conn) slot.conn = undefined;
    if (this.closed || conn.closeReason?.startsWith('idle')) return;
    const target = slot.role.kind === 'bootstrap' ? 'bootstrap' : slot.role.nodeId;
    for (const l of this.failureListeners) l(target, err);
  }

  private scheduleIdleCheck(): void {
    if (this.idleMs === -1 || this.closed) return;
    const period = Math.max(50, Math.min(this.idleMs / 4, 10_000));
    this.idleTimer = this.clock.setTimeout(() => {
      this.closeIdle();
      this.scheduleIdleCheck();
    }, period);
  }

  /** Closes every connection that has carried nothing for connectionsMaxIdleMs. */
  closeIdle(): void {
    if (this.idleMs === -1) return;
    const now = this.clock.now();
    for (const s of this.slots.values()) {
      const c = s.conn;
      if (!c || c.inFlightCount > 0 || now - c.lastActive < this.idleMs) continue;
      log('closing %s: idle for %d ms (connectionsMaxIdleMs %d)', describeRole(s.role, c.address), now - c.lastActive, this.idleMs);
      s.conn = undefined;
      c.close(new KafkaConnectionError(`idle for ${now - c.lastActive} ms (connectionsMaxIdleMs ${this.idleMs})`, { broker: c.address }));
    }
  }
}
