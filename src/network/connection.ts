import dns from 'node:dns/promises';
import net from 'node:net';
import type tls from 'node:tls';
import createDebug from 'debug';
import { Writer } from '../codec/writer.js';
import { KafkaAuthenticationError, KafkaConnectionError, KafkaError, KafkaProtocolError, KafkaTimeoutError, KafkaTlsError, UnsupportedVersionError } from '../errors.js';
import { decodeResponseBody, encodeRequestFrameParts, peekCorrelationId } from '../messages/frame.js';
import type { ApiVersionsResponse, SaslAuthenticateResponse, SaslHandshakeResponse } from '../messages/generated/index.js';
import { chooseVersion, type BrokerApiRange, type VersionCaps } from '../messages/negotiate.js';
import { api as apiNamed, isLoaded, loadApi, type ApiDefinition, type ApiName } from '../messages/registry.js';
import { formatAddress } from './address.js';
import { FrameReader } from './frame-reader.js';
import { reauthDelayMs, runSaslExchange, systemReauthClock, validateSaslOptions, type ReauthClock, type SaslOptions, type SaslTransport } from './sasl/index.js';
import { nodeTls } from '../lazy-builtins.js';
import { tlsFailureError } from './tls.js';

export type { ReauthClock };

const log = createDebug('kafkawire:connection');

/** A Produce request's record batches of this many bytes or more go to the socket as they are, not copied into the frame. */
const SHARE_FROM = 8192;
/** Largest buffer a request frame starts with (the shared batches need none of it). */
const FRAME_BUFFER_MAX = 65536;
const PRODUCE_KEY = 0;

export interface RequestOptions {
  /** A version to use instead of the negotiated one. */
  version?: number;
  /**
   * The newest version this request may use: negotiation as usual, capped here
   * (a request that cannot be filled for newer versions, e.g. one naming a
   * topic whose id is not known yet for an API that names topics by id).
   */
  maxVersion?: number;
  /** false for Produce with acks=0, which gets no answer. */
  expectResponse?: boolean;
  /** Expected size of the encoded request, to size its buffer once. */
  sizeHint?: number;
  /** Wait this long for the answer instead of requestTimeoutMs (a JoinGroup the coordinator holds for a rebalance). */
  timeoutMs?: number;
  /**
   * The oldest version that can carry what this request asks (a JoinGroup with a
   * groupInstanceId needs v5): below it the request fails with an
   * UnsupportedVersionError naming `what`, instead of going out without it.
   */
  needs?: { version: number; what: string };
}

/** Who a connection is for, so diagnostics can say which address failed and why it matters. */
export type ConnectionRole = { kind: 'bootstrap' } | { kind: 'broker'; nodeId: number };

export interface ConnectionOptions {
  host: string;
  port: number;
  role?: ConnectionRole;
  clientId?: string | null;
  /** socketConnectionSetupTimeoutMs: the limit for one connection attempt (default 10000). */
  connectTimeoutMs?: number;
  /** requestTimeoutMs (default 30000). */
  requestTimeoutMs?: number;
  /** maxInFlightRequestsPerConnection (default 5). */
  maxInFlight?: number;
  /** Largest response frame accepted (default 100 MiB). */
  maxFrameBytes?: number;
  /** Per-API version caps, e.g. `{ Fetch: 11 }`. */
  versionCaps?: VersionCaps;
  /** TLS options; `true` for defaults. */
  tls?: boolean | tls.ConnectionOptions;
  /** Refuse responses with bytes left after the body (conformance tests). */
  strictDecoding?: boolean;
  /** Name resolution; replaceable in tests. Resolves to every address of the name. */
  lookup?: (host: string) => Promise<Array<{ address: string; family: number }>>;
  /** SASL authentication, run right after ApiVersions (and again before the session the broker granted expires). */
  sasl?: SaslOptions;
  /** Timer and randomness behind KIP-368 re-authentication; replaceable in tests. */
  reauthClock?: ReauthClock;
  /** Reads the time for lastActive (idle closing); the pool passes its clock. */
  now?: () => number;
  /** Aborting it stops the dial, handshake or login under way (the pool aborts its dials when it closes). */
  signal?: AbortSignal;
}

interface Pending {
  api: ApiDefinition;
  version: number;
  correlationId: number;
  /** The request frame, in parts (see encodeRequestFrameParts). */
  frame: Uint8Array[];
  expectResponse: boolean;
  /** A SASL request: goes first, and is sent even while ordinary requests are held back. */
  priority: boolean;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  timer?: NodeJS.Timeout;
  timeoutMs: number;
}

export function describeRole(role: ConnectionRole | undefined, address: string): string {
  if (!role || role.kind === 'bootstrap') return `bootstrap server ${address}`;
  return `broker ${role.nodeId} at its advertised address ${address}`;
}

function hintFor(role: ConnectionRole | undefined): string {
  if (!role || role.kind === 'bootstrap') {
    return 'check the host and port in bootstrapServers, that a Kafka broker listens there, and the network path from this host (firewalls, IP allowlists)';
  }
  return (
    'the cluster was reachable through the bootstrap servers, but this address, which the broker advertises (advertised.listeners), ' +
    'is not reachable from this host: the brokers\' advertised listeners do not fit this network'
  );
}

/**
 * One TCP (or TLS) connection to one broker: framing, correlation ids,
 * pipelining up to maxInFlight requests, per-request timeouts, and the
 * ApiVersions handshake that fixes the version of every API used on it.
 */
export class Connection {
  readonly address: string;
  /** Who the connection is for; the pool changes it when metadata names the broker at a bootstrap address. */
  role: ConnectionRole | undefined;
  /** What the broker said it supports, by API key. */
  readonly brokerVersions = new Map<number, BrokerApiRange>();
  state: 'connecting' | 'ready' | 'closed' = 'connecting';
  /** Time of the last request sent or response received (for idle closing). */
  lastActive: number;
  closeReason: string | undefined;
  /** Successful SASL authentications on this connection: 1 after open, +1 per re-authentication. */
  saslAuthentications = 0;
  /** The session lifetime the broker granted at the last authentication (0: none). */
  saslSessionLifetimeMs = 0;
  /** Responses received after the connection became ready (so not the handshake or login). */
  responsesReceived = 0;

  private socket!: net.Socket;
  private readonly opts: Required<Pick<ConnectionOptions, 'connectTimeoutMs' | 'requestTimeoutMs' | 'maxInFlight' | 'maxFrameBytes'>> & ConnectionOptions;
  private nextCorrelationId = 0;
  private readonly inFlight: Pending[] = [];
  private readonly queue: Pending[] = [];
  /** Requests are waiting for an API's codecs to be imported (later ones queue behind them). */
  private loading: Promise<void> | null = null;
  private blocked = false;
  private readonly closeListeners: Array<(err: KafkaError) => void> = [];
  /** True while re-authenticating: ordinary requests wait in the queue. */
  private paused = false;
  private cancelReauth: (() => void) | undefined;
  private readonly drainWaiters: Array<() => void> = [];

  private constructor(opts: ConnectionOptions) {
    this.opts = { connectTimeoutMs: 10_000, requestTimeoutMs: 30_000, maxInFlight: 5, maxFrameBytes: 100 * 1024 * 1024, ...opts };
    this.address = formatAddress(opts);
    this.role = opts.role;
    this.now = opts.now ?? Date.now;
    this.lastActive = this.now();
  }

  private readonly now: () => number;

  /** Dials (every resolved address in turn), then negotiates API versions. */
  static async open(opts: ConnectionOptions): Promise<Connection> {
    if (opts.sasl) validateSaslOptions(opts.sasl);
    const c = new Connection(opts);
    const signal = opts.signal;
    if (signal?.aborted) throw c.abortedError();
    await c.dial();
    // Aborted after the socket opened: close it, which fails the handshake or login request waiting on it.
    const onAbort = () => c.close(c.abortedError());
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal?.aborted) throw c.abortedError();
      await c.handshake();
      if (opts.sasl) await c.authenticate();
    } catch (e) {
      // Whatever failed after the socket opened (a garbled handshake answer, a refused login), close it.
      c.close(e instanceof KafkaError ? e : new KafkaProtocolError(String(e)));
      throw e;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    c.state = 'ready';
    return c;
  }

  private abortedError(): KafkaConnectionError {
    return new KafkaConnectionError(`the connection to ${describeRole(this.role, this.address)} was abandoned while connecting: the client closed`, { broker: this.address }, false);
  }

  /** True while a KIP-368 re-authentication holds new requests back. */
  get reauthenticating(): boolean {
    return this.paused;
  }

  get inFlightCount(): number {
    return this.inFlight.length + this.queue.length;
  }

  /** Requests not yet written: waiting for an in-flight slot, socket room, or the end of a re-authentication. */
  get queuedCount(): number {
    return this.queue.length;
  }

  onClose(listener: (err: KafkaError) => void): void {
    this.closeListeners.push(listener);
  }

  private async dial(): Promise<void> {
    const what = describeRole(this.role, this.address);
    let addrs: Array<{ address: string; family: number }>;
    try {
      const lookup = this.opts.lookup ?? ((h: string) => dns.lookup(h, { all: true }));
      addrs = net.isIP(this.opts.host) ? [{ address: this.opts.host, family: net.isIP(this.opts.host) }] : await this.unlessAborted(lookup(this.opts.host));
    } catch (e) {
      if (this.opts.signal?.aborted) throw this.abortedError();
      const code = (e as NodeJS.ErrnoException).code ?? String(e);
      throw new KafkaConnectionError(`cannot connect to ${what}: the name ${this.opts.host} does not resolve (${code}); ${hintFor(this.role)}`, {
        broker: this.address,
        cause: e,
      });
    }
    const failures: string[] = [];
    let tlsFailure: KafkaTlsError | undefined; // TCP got through but TLS did not: that is what to fix
    for (const a of addrs) {
      if (this.opts.signal?.aborted) throw this.abortedError();
      try {
        this.socket = await this.connectOne(a.address);
        log('connected to %s (%s)', what, a.address);
        this.attach();
        return;
      } catch (e) {
        if (this.opts.signal?.aborted) throw this.abortedError();
        if (e instanceof KafkaTlsError) tlsFailure ??= e;
        failures.push(`${a.address}: ${(e as Error).message}`);
      }
    }
    if (tlsFailure) throw tlsFailure;
    throw new KafkaConnectionError(`cannot connect to ${what} (${failures.join('; ')}); ${hintFor(this.role)}`, { broker: this.address });
  }

  /** `p`, or the abandoned-connection error as soon as the signal aborts (a name lookup cannot be cancelled, only left behind). */
  private unlessAborted<T>(p: Promise<T>): Promise<T> {
    const signal = this.opts.signal;
    if (!signal) return p;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(this.abortedError());
      signal.addEventListener('abort', onAbort, { once: true });
      p.then(
        (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
        (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e)),
      );
    });
  }

  private connectOne(ip: string): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const t = this.opts.tls;
      const sock: net.Socket = t
        ? nodeTls().connect({ host: ip, port: this.opts.port, servername: net.isIP(this.opts.host) ? undefined : this.opts.host, ...(t === true ? {} : t) })
        : net.connect({ host: ip, port: this.opts.port });
      const ready = t ? 'secureConnect' : 'connect';
      // With TLS, an error after the TCP connect is a TLS problem, not a network one.
      let tcpUp = false;
      if (t) sock.once('connect', () => (tcpUp = true));
      const checkedName = (typeof t === 'object' ? t.servername : undefined) ?? this.opts.host;
      const tlsError = (e: Error) => tlsFailureError(e, `cannot connect to ${describeRole(this.role, this.address)}`, this.address, checkedName);
      const signal = this.opts.signal;
      const onAbort = () => {
        clearTimeout(timer);
        sock.destroy();
        reject(this.abortedError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        sock.destroy();
        const limit = `within ${this.opts.connectTimeoutMs} ms (socketConnectionSetupTimeoutMs)`;
        reject(tcpUp ? tlsError(new Error(`TCP connected, but the TLS handshake did not finish ${limit}`)) : new Error(`no connection ${limit}`));
      }, this.opts.connectTimeoutMs);
      sock.once(ready, () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        sock.removeAllListeners('error');
        sock.setNoDelay(true);
        resolve(sock);
      });
      sock.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        sock.destroy();
        if (t && tcpUp) return reject(tlsError(e));
        const why = e.code === 'ECONNREFUSED' ? 'connection refused' : e.code === 'ETIMEDOUT' ? 'timed out' : (e.code ?? e.message);
        reject(new Error(why));
      });
    });
  }

  private attach(): void {
    const frames = new FrameReader(this.opts.maxFrameBytes, (f) => this.onFrame(f), { label: describeRole(this.role, this.address), broker: this.address });
    this.socket.on('data', (chunk: Buffer) => {
      if (this.state === 'closed') return;
      try {
        frames.push(chunk);
      } catch (e) {
        this.close(this.garbled(e instanceof KafkaError ? e : new KafkaProtocolError(String(e), { broker: this.address })));
      }
    });
    this.socket.on('drain', () => {
      this.blocked = false;
      this.pump();
    });
    this.socket.on('error', (e) => this.close(new KafkaConnectionError(`connection to ${describeRole(this.role, this.address)} failed: ${e.message}`, { broker: this.address, cause: e })));
    this.socket.on('close', () => this.close(new KafkaConnectionError(`connection to ${describeRole(this.role, this.address)} was closed by the broker or the network`, { broker: this.address })));
  }

  private async handshake(): Promise<void> {
    const api = apiNamed('ApiVersions');
    const body = { clientSoftwareName: 'kafkawire', clientSoftwareVersion: '0.1.0' };
    let version = api.maxVersion;
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = (await this.send(api, version, body, true)) as ApiVersionsResponse;
      for (const k of res.apiKeys) this.brokerVersions.set(k.apiKey, { minVersion: k.minVersion, maxVersion: k.maxVersion });
      if (res.errorCode === 0) return;
      // UNSUPPORTED_VERSION: the broker answered in v0. Since Kafka 2.4 (KIP-511) it lists its own ApiVersions
      // range; an older broker lists nothing, and v0, which every broker speaks, comes next (as in Java).
      if (res.errorCode !== 35 || version === 0) break;
      const own = this.brokerVersions.get(api.key);
      version = own ? Math.min(api.maxVersion, own.maxVersion) : 0;
    }
    this.close(new KafkaProtocolError(`${describeRole(this.role, this.address)} refused every ApiVersions version kafkawire sent`));
    throw this.closeError;
  }

  private closeError: KafkaError | undefined;

  /**
   * SaslHandshake v1 and the SaslAuthenticate rounds, on open and again for
   * re-authentication. Any failure closes the connection with that error.
   */
  private async authenticate(): Promise<void> {
    const sasl = this.opts.sasl as SaslOptions;
    const who = describeRole(this.role, this.address);
    try {
      const hsApi = apiNamed('SaslHandshake');
      // SaslHandshake v0 sends the tokens unframed; kafkawire only speaks the framed form (v1, Kafka 1.0+).
      if ((this.brokerVersions.get(hsApi.key)?.maxVersion ?? -1) < 1) {
        throw new KafkaAuthenticationError(`${who} does not offer SaslHandshake v1 (Kafka 1.0+), which kafkawire needs for SASL`, { broker: this.address, mechanism: sasl.mechanism });
      }
      const authApi = apiNamed('SaslAuthenticate');
      const authVersion = this.versionFor(authApi);
      const transport: SaslTransport = {
        handshake: (mechanism) => this.send(hsApi, 1, { mechanism }, true, true) as Promise<SaslHandshakeResponse>,
        authenticate: (authBytes) => this.send(authApi, authVersion, { authBytes }, true, true) as Promise<SaslAuthenticateResponse>,
      };
      const result = await runSaslExchange(transport, sasl, who, this.address);
      this.saslAuthentications++;
      this.saslSessionLifetimeMs = result.sessionLifetimeMs;
      log('authenticated to %s with %s (session lifetime %d ms)', this.address, sasl.mechanism, result.sessionLifetimeMs);
      this.scheduleReauth(result.sessionLifetimeMs);
    } catch (e) {
      const err = e instanceof KafkaError ? e : new KafkaAuthenticationError(`SASL authentication to ${who} failed: ${String(e)}`, { broker: this.address, cause: e });
      this.close(err);
      throw err;
    }
  }

  /** KIP-368: re-authenticate at a random point in 85–95% of the session lifetime, as the Java client does. */
  private scheduleReauth(lifetimeMs: number): void {
    this.cancelReauth?.();
    this.cancelReauth = undefined;
    if (!(lifetimeMs > 0) || this.state === 'closed') return;
    const clock = this.opts.reauthClock ?? systemReauthClock;
    const handle = clock.setTimeout(() => void this.reauthenticate(), reauthDelayMs(lifetimeMs, clock.random?.() ?? Math.random()));
    this.cancelReauth = () => clock.clearTimeout(handle);
  }

  /** Holds new requests back, lets the in-flight ones finish, then runs the SASL exchange again. */
  private async reauthenticate(): Promise<void> {
    this.cancelReauth = undefined;
    if (this.state === 'closed' || this.paused) return;
    this.paused = true;
    log('re-authenticating to %s', this.address);
    try {
      await new Promise<void>((resolve) => (this.inFlight.length === 0 ? resolve() : this.drainWaiters.push(resolve)));
      await this.authenticate(); // fails at once, with the close reason, if the connection closed meanwhile
    } catch {
      return; // authenticate() has already closed the connection with the reason
    } finally {
      this.paused = false;
    }
    this.pump();
  }

  /** The version this connection uses for an API (broker range ∩ ours ∩ caps). */
  versionFor(api: ApiDefinition): number {
    return chooseVersion(api, this.brokerVersions.get(api.key), this.opts.versionCaps, describeRole(this.role, this.address));
  }

  /** The negotiated version, but no newer than `max`. */
  private versionCappedAt(api: ApiDefinition, max: number): number {
    const cap = Math.min(max, this.opts.versionCaps?.[api.name] ?? Infinity);
    return chooseVersion(api, this.brokerVersions.get(api.key), { ...this.opts.versionCaps, [api.name]: cap }, describeRole(this.role, this.address));
  }

  /** Sends a request at the negotiated version and resolves to the decoded response body. */
  request<T = unknown>(api: ApiDefinition | ApiName, body: unknown, opts: RequestOptions = {}): Promise<T> {
    const def = typeof api === 'string' ? apiNamed(api) : api;
    let version: number;
    try {
      version = opts.version ?? (opts.maxVersion === undefined ? this.versionFor(def) : this.versionCappedAt(def, opts.maxVersion));
    } catch (e) {
      return Promise.reject(e);
    }
    if (opts.needs && version < opts.needs.version) {
      return Promise.reject(
        new UnsupportedVersionError(`${describeRole(this.role, this.address)} speaks ${def.name} only up to v${version}, which cannot carry ${opts.needs.what} (that needs v${opts.needs.version})`, { api: def.name, broker: this.address }),
      );
    }
    return this.send(def, version, body, opts.expectResponse ?? true, false, opts.sizeHint, opts.timeoutMs) as Promise<T>;
  }

  private send(api: ApiDefinition, version: number, body: unknown, expectResponse: boolean, priority = false, sizeHint = 256, timeoutMs = this.opts.requestTimeoutMs): Promise<unknown> {
    if (this.loading === null && isLoaded(api)) return this.sendLoaded(api, version, body, expectResponse, priority, sizeHint, timeoutMs);
    // An API's codecs are imported on its first use. This request, and every later one on this connection
    // until the import is done, wait for it, so that requests still go out in the order they were made.
    const ready = (this.loading ?? Promise.resolve()).then(() =>
      loadApi(api).catch((e: unknown) => {
        throw new KafkaError(`could not load the codecs of ${api.name} (API ${api.key}): ${e instanceof Error ? e.message : String(e)}; the kafkawire installation may be incomplete`, false, { api: api.name, cause: e });
      }),
    );
    // Settles (never rejects) when this request's turn has come; the last one clears the wait.
    const gate: Promise<void> = ready.then(
      () => this.endLoading(gate),
      () => this.endLoading(gate),
    );
    this.loading = gate;
    return ready.then(() => this.sendLoaded(api, version, body, expectResponse, priority, sizeHint, timeoutMs));
  }

  private endLoading(gate: Promise<void>): void {
    if (this.loading === gate) this.loading = null;
  }

  private sendLoaded(api: ApiDefinition, version: number, body: unknown, expectResponse: boolean, priority: boolean, sizeHint: number, timeoutMs: number): Promise<unknown> {
    if (this.state === 'closed') {
      return Promise.reject(this.closeError ?? new KafkaConnectionError(`connection to ${this.address} is closed`, { broker: this.address }));
    }
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff;
    let frame: Uint8Array[];
    try {
      // A Produce request's batches are not changed once encoded (a retry sends the same bytes), so they can be shared.
      const w = new Writer(Math.min(sizeHint, FRAME_BUFFER_MAX), api.key === PRODUCE_KEY ? SHARE_FROM : Infinity);
      frame = encodeRequestFrameParts(api, version, correlationId, this.opts.clientId ?? 'kafkawire', body, w);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      const p: Pending = { api, version, correlationId, frame, expectResponse, priority, resolve, reject, timeoutMs };
      if (priority) this.queue.unshift(p);
      else this.queue.push(p);
      this.pump();
    });
  }

  /** Moves queued requests onto the wire while in-flight slots and the socket allow. */
  private pump(): void {
    while (!this.blocked && this.state !== 'closed' && this.queue.length > 0 && this.inFlight.length < this.opts.maxInFlight) {
      if (this.paused && !this.queue[0]?.priority) break;
      const p = this.queue.shift() as Pending;
      // Re-authentication traffic is not use: it must not keep an idle connection open.
      if (!p.priority) this.lastActive = this.now();
      let ok: boolean;
      if (p.frame.length === 1) ok = this.socket.write(p.frame[0] as Uint8Array);
      else {
        // One writev for the parts of a frame.
        this.socket.cork();
        ok = true;
        for (const part of p.frame) ok = this.socket.write(part);
        this.socket.uncork();
      }
      if (!ok) this.blocked = true;
      if (!p.expectResponse) {
        p.resolve(undefined);
        continue;
      }
      p.timer = setTimeout(() => this.onTimeout(p), p.timeoutMs);
      this.inFlight.push(p);
    }
  }

  private onTimeout(p: Pending): void {
    const err = new KafkaTimeoutError(
      `${p.api.name} v${p.version} to ${describeRole(this.role, this.address)} got no response within ${p.timeoutMs} ms${p.timeoutMs === this.opts.requestTimeoutMs ? ' (requestTimeoutMs)' : ''}`,
      { api: p.api.name, version: p.version, broker: this.address },
    );
    p.reject(err);
    this.inFlight.splice(this.inFlight.indexOf(p), 1);
    this.close(new KafkaConnectionError(`connection to ${this.address} closed after a request timed out`, { broker: this.address, cause: err }));
  }

  private onFrame(frame: Buffer): void {
    const id = peekCorrelationId(frame);
    const p = this.inFlight[0];
    if (!p?.priority) this.lastActive = this.now();
    // Brokers answer in request order; anything else means the stream is not what we think it is.
    if (!p || p.correlationId !== id) {
      this.close(this.garbled(new KafkaProtocolError(
        `${describeRole(this.role, this.address)} sent a response with correlation id ${id}, but ${p ? `${p.correlationId} was expected next` : 'no request is waiting'}`,
        { broker: this.address },
      )));
      return;
    }
    this.inFlight.shift();
    clearTimeout(p.timer);
    if (this.state === 'ready') this.responsesReceived++;
    try {
      // A broker that does not speak the ApiVersions version we sent answers UNSUPPORTED_VERSION
      // (35) in v0, whatever we asked for; its error code is the body's first field in every version.
      const version = p.api.key === 18 && frame.length >= 6 && frame.readInt16BE(4) === 35 ? 0 : p.version;
      p.resolve(decodeResponseBody(p.api, version, frame, this.opts.strictDecoding ?? false));
    } catch (e) {
      // A body we cannot read leaves the stream suspect: close, and let every request on it be retried.
      const err = this.garbled(e instanceof KafkaError ? e : new KafkaProtocolError(String(e), { broker: this.address }));
      p.reject(err);
      this.close(err);
      return;
    }
    if (this.inFlight.length === 0) for (const w of this.drainWaiters.splice(0)) w();
    this.pump();
  }

  /**
   * A response that does not fit on a connection that was working: the broker
   * may have processed the requests in flight, so their outcome is unknown, as
   * after a dropped connection. They fail with a retriable connection error
   * (the protocol error as its cause), so an idempotent producer retries them
   * with the same sequence and the broker drops the duplicates. During the
   * handshake the protocol error stands: that peer is not a Kafka broker.
   */
  private garbled(err: KafkaError): KafkaError {
    if (this.state !== 'ready') return err;
    return new KafkaConnectionError(`${err.message}; the connection was closed, and requests sent on it may or may not have been processed`, { broker: this.address, cause: err });
  }

  /** Closes the socket; every waiting request fails with `err` (retriable connection error by default). */
  close(err?: KafkaError): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const e = err ?? new KafkaConnectionError(`connection to ${this.address} was closed by the client`, { broker: this.address });
    this.closeError = e;
    this.closeReason = e.message;
    log('closed %s: %s', this.address, e.message);
    this.cancelReauth?.();
    this.cancelReauth = undefined;
    this.socket?.destroy();
    for (const p of [...this.inFlight, ...this.queue]) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    this.inFlight.length = 0;
    this.queue.length = 0;
    for (const w of this.drainWaiters.splice(0)) w();
    for (const l of this.closeListeners) l(e);
  }
}
