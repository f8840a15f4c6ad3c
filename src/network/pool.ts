import { setMaxListeners } from 'node:events';
import createDebug from 'debug';
import { KafkaConnectionError, KafkaError, KafkaTlsError } from '../errors.js';
import { clockOption, idleMsOption } from '../config-checks.js';
import type { ApiDefinition, ApiName } from '../messages/registry.js';
import { formatAddress, parseBootstrap, type BrokerAddress } from './address.js';
import { backoffMs } from './backoff.js';
import type { Clock } from './clock.js';
import { Connection, describeRole, type ConnectionOptions, type ConnectionRole, type RequestOptions } from './connection.js';

const log = createDebug('kafkawire:connection');

/** A broker as metadata describes it. */
export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack?: string | null;
}

export interface PoolOptions extends Omit<ConnectionOptions, 'host' | 'port' | 'role' | 'signal'> {
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
  /** The broker's node id, or "bootstrap" for a bootstrap address no broker has claimed (yet). */
  target: number | 'bootstrap';
  address: string;
  state: 'connecting' | 'ready' | 'backoff';
  idleMs: number;
  inFlight: number;
}

/**
 * Everything the pool knows about one address. A bootstrap address that
 * metadata later names as broker N is the same slot, so its connection is
 * reused for N instead of a second socket being opened to the same place.
 */
interface Slot {
  /** host:port, the key of the slot. */
  key: string;
  address: BrokerAddress;
  /** Listed in bootstrapServers: kept (for metadata) when no broker claims it. */
  bootstrap: boolean;
  /** The broker metadata names at this address, if any. */
  nodeId: number | undefined;
  conn?: Connection;
  dialing?: Promise<Connection>;
  /** Failed attempts in a row: dials that failed, and connections dropped before they answered anything. */
  failures: number;
  /** Earliest time the next dial may start. */
  notBefore: number;
  lastError?: KafkaError;
  /** Requests waiting for this slot's connection to be dialled; they count against maxInFlight. */
  waiting: number;
}

const roleOf = (s: Slot): ConnectionRole => (s.nodeId === undefined ? { kind: 'bootstrap' } : { kind: 'broker', nodeId: s.nodeId });
const closedError = () => new KafkaConnectionError('the client is closed', {}, false); // nothing reopens it: not retriable

/**
 * The client's connections, managed as the Java producer manages them: dial
 * every bootstrap address at start, dial every broker after each metadata
 * update, dial lazily when a request needs a broker with no connection, close
 * any connection idle for connectionsMaxIdleMs, and back off per address after
 * a failed dial or a connection dropped before it answered anything
 * (reconnectBackoffMs doubling to reconnectBackoffMaxMs, jittered).
 */
export class ConnectionPool {
  /** By address (host:port). */
  private readonly slots = new Map<string, Slot>();
  private readonly brokers = new Map<number, BrokerInfo>();
  private readonly clock: Clock;
  private readonly idleMs: number;
  private idleTimer: unknown;
  private closed = false;
  private starting: Promise<void> | undefined;
  /** Aborts every dial under way when the pool closes. */
  private readonly abort = new AbortController();
  /** Backoff waits under way, cancelled by close(). */
  private readonly sleeps = new Set<{ handle: unknown; cancel: () => void }>();
  private readonly failureListeners: Array<(nodeId: number | 'bootstrap', err: KafkaError) => void> = [];
  /** Dial attempts made, by "node:N" or "bootstrap:host:port" (diagnostics and tests). */
  readonly dialCounts = new Map<string, number>();

  constructor(private readonly opts: PoolOptions) {
    const bootstrap = parseBootstrap(opts.bootstrapServers);
    this.clock = clockOption(opts.clock);
    this.idleMs = idleMsOption(opts.connectionsMaxIdleMs, 540_000);
    for (const a of bootstrap) {
      const key = formatAddress(a);
      if (!this.slots.has(key)) this.slots.set(key, this.newSlot(a, true));
    }
    // Every dial under way listens on the signal; a large cluster dials many at once.
    setMaxListeners(0, this.abort.signal);
    this.scheduleIdleCheck();
  }

  private newSlot(address: BrokerAddress, bootstrap: boolean): Slot {
    return { key: formatAddress(address), address: { host: address.host, port: address.port }, bootstrap, nodeId: undefined, failures: 0, notBefore: 0, waiting: 0 };
  }

  /** Called when a connection breaks, so the caller can refresh metadata. */
  onFailure(listener: (nodeId: number | 'bootstrap', err: KafkaError) => void): void {
    this.failureListeners.push(listener);
  }

  /**
   * Dials every bootstrap address; resolves when each has succeeded or
   * failed, and rejects only if none could be reached (listing every reason).
   * Calling it again joins the first call, or after a success resolves at
   * once: it never opens a second connection to an address that has one.
   */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    if (!this.starting) {
      const p = this.startOnce();
      this.starting = p;
      // A failed start may be tried again (e.g. once a broker is up).
      p.catch(() => {
        if (this.starting === p) this.starting = undefined;
      });
    }
    return this.starting;
  }

  private async startOnce(): Promise<void> {
    const slots = [...this.slots.values()].filter((s) => s.bootstrap);
    const results = await Promise.allSettled(slots.map((s) => (s.conn?.state === 'ready' ? s.conn : (s.dialing ?? this.dial(s)))));
    if (results.every((r) => r.status === 'rejected')) {
      // A refused login or an untrusted certificate is not "unreachable": report it as itself.
      const fatal = results.map((r) => (r as PromiseRejectedResult).reason).find((e) => e instanceof KafkaError && !e.retriable);
      if (fatal) throw fatal;
      const errors = results.map((r) => (r as PromiseRejectedResult).reason as Error);
      const message = `none of the bootstrap servers could be reached:\n  ${errors.map((e) => e.message).join('\n  ')}`;
      // Every address took TCP but failed TLS: that is what to fix, so say it with the TLS error's type.
      if (errors.every((e) => e instanceof KafkaTlsError)) throw new KafkaTlsError(message, { cause: errors[0] });
      throw new KafkaConnectionError(message, { cause: errors[0] });
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
      const key = formatAddress(b);
      // The broker moved: the old address is no longer broker nodeId.
      if (old && formatAddress(old) !== key) this.release(formatAddress(old), b.nodeId);
      let slot = this.slots.get(key);
      if (!slot) {
        slot = this.newSlot(b, false);
        this.slots.set(key, slot);
      }
      slot.nodeId = b.nodeId;
      if (slot.conn) slot.conn.role = roleOf(slot);
      if (!slot.conn && !slot.dialing && this.clock.now() >= slot.notBefore) this.dial(slot).catch(() => undefined);
    }
    for (const [id, b] of this.brokers) {
      if (seen.has(id)) continue;
      this.brokers.delete(id);
      this.release(formatAddress(b), id);
    }
  }

  /** Broker nodeId no longer lives at `key`: a bootstrap address stays (unclaimed), any other is closed. */
  private release(key: string, nodeId: number): void {
    const slot = this.slots.get(key);
    if (!slot || slot.nodeId !== nodeId) return;
    slot.nodeId = undefined;
    if (slot.bootstrap) {
      if (slot.conn) slot.conn.role = roleOf(slot);
      return;
    }
    this.slots.delete(key);
    slot.conn?.close();
    slot.conn = undefined;
  }

  knownBrokers(): BrokerInfo[] {
    return [...this.brokers.values()];
  }

  private slotOf(nodeId: number): Slot {
    const b = this.brokers.get(nodeId);
    const slot = b && this.slots.get(formatAddress(b));
    if (!slot) throw new KafkaConnectionError(`broker ${nodeId} is not in the cluster metadata`, { broker: nodeId });
    return slot;
  }

  /** The connection to broker nodeId, dialling it (after any backoff) if there is none. */
  async get(nodeId: number): Promise<Connection> {
    return this.ready(this.slotOf(nodeId));
  }

  /**
   * A connection to any broker (for metadata): the ready one with the fewest
   * requests in flight, else the first that can be dialled.
   */
  async any(): Promise<Connection> {
    if (this.closed) throw closedError();
    const slots = [...this.slots.values()];
    const ready = slots.filter((s) => s.conn && s.conn.state === 'ready').sort((a, b) => a.conn!.inFlightCount - b.conn!.inFlightCount);
    if (ready[0]) return ready[0].conn!;
    const dialing = slots.find((s) => s.dialing);
    if (dialing) return dialing.dialing!;
    // Brokers first (they are what metadata named), bootstrap addresses after; soonest allowed first.
    const isBroker = (s: Slot) => s.nodeId !== undefined;
    const order = slots.sort((a, b) => (isBroker(a) === isBroker(b) ? a.notBefore - b.notBefore : isBroker(a) ? -1 : 1));
    let last: unknown;
    for (const s of order) {
      try {
        return await this.ready(s);
      } catch (e) {
        last = e;
        if (e instanceof KafkaError && !e.retriable) throw e;
      }
    }
    throw last ?? (this.closed ? closedError() : new KafkaConnectionError('no broker or bootstrap server is known', {}));
  }

  /** Sends a request to a broker (or any, for metadata) and resolves to the response body. */
  async request<T = unknown>(target: number | 'any', api: ApiDefinition | ApiName, body: unknown, opts?: RequestOptions): Promise<T> {
    let conn: Connection;
    if (target === 'any') {
      conn = await this.any();
    } else {
      const slot = this.slotOf(target);
      if (slot.conn?.state === 'ready' && !this.closed) {
        conn = slot.conn;
      } else {
        // Counted while the connection is dialled, so callers that keep maxInFlight see these too.
        slot.waiting++;
        try {
          conn = await this.ready(slot);
        } finally {
          slot.waiting--;
        }
      }
    }
    return conn.request<T>(api, body, opts);
  }

  /** Requests to a broker waiting for its connection, queued on it or in flight (0 when there are none). */
  inFlightTo(nodeId: number): number {
    const b = this.brokers.get(nodeId);
    const slot = b && this.slots.get(formatAddress(b));
    return slot ? slot.waiting + (slot.conn?.inFlightCount ?? 0) : 0;
  }

  list(): ConnectionInfo[] {
    const now = this.clock.now();
    const out: ConnectionInfo[] = [];
    for (const s of this.slots.values()) {
      if (!s.conn && !s.dialing && s.failures === 0) continue;
      out.push({
        target: s.nodeId ?? 'bootstrap',
        address: s.key,
        state: s.conn ? 'ready' : s.dialing ? 'connecting' : 'backoff',
        idleMs: s.conn ? now - s.conn.lastActive : 0,
        inFlight: s.waiting + (s.conn?.inFlightCount ?? 0),
      });
    }
    return out;
  }

  /** Closes every connection and stops every dial, backoff wait and timer of the pool. */
  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    if (this.idleTimer !== undefined) this.clock.clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    for (const s of [...this.sleeps]) s.cancel();
    for (const s of this.slots.values()) {
      s.conn?.close();
      s.conn = undefined;
    }
    await Promise.allSettled([...this.slots.values()].map((s) => s.dialing));
  }

  /** Waits ms on the pool's clock; close() ends the wait with "the client is closed". */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const entry = {
        handle: undefined as unknown,
        cancel: () => {
          this.sleeps.delete(entry);
          this.clock.clearTimeout(entry.handle);
          reject(closedError());
        },
      };
      entry.handle = this.clock.setTimeout(() => {
        this.sleeps.delete(entry);
        resolve();
      }, ms);
      this.sleeps.add(entry);
    });
  }

  private async ready(slot: Slot): Promise<Connection> {
    if (this.closed) throw closedError();
    if (slot.conn && slot.conn.state === 'ready') return slot.conn;
    if (slot.dialing) return slot.dialing;
    const wait = slot.notBefore - this.clock.now();
    if (wait > 0) await this.sleep(wait);
    if (this.closed) throw closedError();
    if (slot.conn && slot.conn.state === 'ready') return slot.conn;
    return slot.dialing ?? this.dial(slot);
  }

  private dial(slot: Slot): Promise<Connection> {
    const role = roleOf(slot);
    const countKey = role.kind === 'broker' ? `node:${role.nodeId}` : `bootstrap:${slot.key}`;
    this.dialCounts.set(countKey, (this.dialCounts.get(countKey) ?? 0) + 1);
    const { connectionsMaxIdleMs: _i, reconnectBackoffMs: _b, reconnectBackoffMaxMs: _m, connectTimeoutMaxMs, bootstrapServers: _s, clock: _c, connect, ...connOpts } = this.opts;
    const clock = this.clock;
    const base = connOpts.connectTimeoutMs ?? 10_000;
    const connectTimeoutMs = backoffMs(slot.failures + 1, { initialMs: base, maxMs: Math.max(base, connectTimeoutMaxMs ?? 30_000) });
    const p = (connect ?? Connection.open)({
      ...connOpts,
      connectTimeoutMs,
      host: slot.address.host,
      port: slot.address.port,
      role,
      signal: this.abort.signal,
      now: () => clock.now(),
    })
      .then((conn) => {
        slot.dialing = undefined;
        if (this.closed) {
          conn.close();
          throw closedError();
        }
        if (this.slots.get(slot.key) !== slot) {
          conn.close();
          throw new KafkaConnectionError(`${describeRole(role, slot.key)} left the cluster metadata while it was being dialled`, { broker: slot.key });
        }
        if (slot.conn && slot.conn.state !== 'closed') {
          // Never two sockets to one address: keep the one already there.
          conn.close();
          return slot.conn;
        }
        slot.conn = conn;
        conn.role = roleOf(slot);
        // `failures` is kept until the connection answers something: a broker that accepts and then hangs up still backs off.
        slot.notBefore = 0;
        slot.lastError = undefined;
        conn.lastActive = this.clock.now();
        conn.onClose((err) => this.onConnectionClosed(slot, conn, err));
        return conn;
      })
      .catch((e: unknown) => {
        if (slot.dialing === p) slot.dialing = undefined;
        if (this.closed) throw e instanceof KafkaError && !e.retriable ? e : closedError();
        const err = e instanceof KafkaError ? e : new KafkaConnectionError(String(e), { cause: e });
        this.backOff(slot, err, 'dial');
        throw err;
      });
    slot.dialing = p;
    return p;
  }

  /** One more failed attempt at this address: the next dial waits reconnectBackoffMs × 2^(failures−1), capped and jittered. */
  private backOff(slot: Slot, err: KafkaError, what: string): void {
    slot.failures++;
    slot.lastError = err;
    const delay = backoffMs(slot.failures, { initialMs: this.opts.reconnectBackoffMs ?? 50, maxMs: this.opts.reconnectBackoffMaxMs ?? 1000 });
    slot.notBefore = this.clock.now() + delay;
    log('%s %s failed (%d in a row, next attempt in %d ms): %s', what, describeRole(roleOf(slot), slot.key), slot.failures, delay, err.message);
  }

  private onConnectionClosed(slot: Slot, conn: Connection, err: KafkaError): void {
    if (slot.conn === conn) slot.conn = undefined;
    if (this.closed || this.slots.get(slot.key) !== slot) return;
    // A connection that answered requests, or stayed up until idle, proved the address works.
    if (conn.responsesReceived > 0 || conn.closeReason?.startsWith('idle')) slot.failures = 0;
    if (conn.closeReason?.startsWith('idle')) return;
    this.backOff(slot, err, 'connection to');
    const target = slot.nodeId ?? 'bootstrap';
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
      if (!c || c.inFlightCount > 0 || s.waiting > 0 || now - c.lastActive < this.idleMs) continue;
      log('closing %s: idle for %d ms (connectionsMaxIdleMs %d)', describeRole(roleOf(s), c.address), now - c.lastActive, this.idleMs);
      s.conn = undefined;
      c.close(new KafkaConnectionError(`idle for ${now - c.lastActive} ms (connectionsMaxIdleMs ${this.idleMs})`, { broker: c.address }));
    }
  }
}
