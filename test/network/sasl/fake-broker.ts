// A scriptable stand-in for a Kafka SASL listener on node:net: it answers
// ApiVersions, SaslHandshake and SaslAuthenticate the way a broker does,
// answers any other request with that API's smallest valid response, and
// records what arrived on which connection. A small server-side SCRAM lives
// here too, written from RFC 5802, so the client's SCRAM can be checked
// against something that is not itself.
import crypto from 'node:crypto';
import net from 'node:net';
import { loadAll } from '../../../protocol/gen/schema.js';
import { decodeRequestFrame, encodeResponseFrame } from '../../../src/messages/frame.js';
import { apiByKey } from '../../../src/messages/registry.js';
import { FrameReader } from '../../../src/network/frame-reader.js';
import { minimalStruct } from '../../messages/minimal.js';

/** What the script decides for one SaslAuthenticate round. */
export interface AuthReply {
  errorCode?: number;
  errorMessage?: string | null;
  authBytes?: Buffer;
  sessionLifetimeMs?: number;
}

export interface FakeBrokerOptions {
  /** Mechanisms the listener enables (default PLAIN). */
  mechanisms?: string[];
  /** Answers each SaslAuthenticate token; `round` counts from 1 within one exchange. */
  authenticate: (token: Buffer, round: number, mechanism: string) => AuthReply;
}

/** One request as the fake saw it. */
export interface Seen {
  conn: number;
  api: string;
  version: number;
  /** Answers to ordinary requests the broker was holding back when this request arrived. */
  whileHeld: number;
}

const messages = new Map(loadAll().map((m) => [m.key, m]));
const OURS = [18, 17, 36, 3, 12]; // ApiVersions, SaslHandshake, SaslAuthenticate, Metadata, Heartbeat

export class FakeSaslBroker {
  readonly seen: Seen[] = [];
  /** Tokens received, in order. */
  readonly tokens: Buffer[] = [];
  connections = 0;
  /** While set, answers to ordinary (non-SASL) requests wait until release() is called. */
  holdOrdinary = false;
  private held: Array<() => void> = [];
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  private constructor(private readonly opts: FakeBrokerOptions) {
    this.server = net.createServer((sock) => this.serve(sock));
  }

  static async start(opts: FakeBrokerOptions): Promise<FakeSaslBroker> {
    const b = new FakeSaslBroker(opts);
    await new Promise<void>((resolve) => b.server.listen(0, '127.0.0.1', resolve));
    return b;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** API names received, in order, on connection n (1-based). */
  apis(conn = 1): string[] {
    return this.seen.filter((s) => s.conn === conn).map((s) => s.api);
  }

  release(): void {
    this.holdOrdinary = false;
    for (const send of this.held.splice(0)) send();
  }

  /** Connections still open (a client that gave up has closed its socket). */
  get openSockets(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(sock: net.Socket): void {
    const conn = ++this.connections;
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => undefined);
    let mechanism = '';
    let round = 0;
    const frames = new FrameReader(1 << 20, (frame) => {
      const req = decodeRequestFrame(frame, apiByKey);
      this.seen.push({ conn, api: req.api.name, version: req.version, whileHeld: this.held.length });
      const reply = (body: unknown) => sock.write(encodeResponseFrame(req.api, req.version, req.correlationId, body));
      switch (req.api.name) {
        case 'ApiVersions':
          return reply({
            errorCode: 0,
            apiKeys: OURS.map((k) => ({ apiKey: k, minVersion: 0, maxVersion: apiByKey(k)!.maxVersion })),
            throttleTimeMs: 0,
            supportedFeatures: [],
            finalizedFeaturesEpoch: -1n,
            finalizedFeatures: [],
            zkMigrationReady: false,
          });
        case 'SaslHandshake': {
          const wanted = (req.body as { mechanism: string }).mechanism;
          const enabled = this.opts.mechanisms ?? ['PLAIN'];
          mechanism = wanted;
          round = 0;
          return reply({ errorCode: enabled.includes(wanted) ? 0 : 33, mechanisms: enabled });
        }
        case 'SaslAuthenticate': {
          const token = Buffer.from((req.body as { authBytes: Uint8Array }).authBytes);
          this.tokens.push(token);
          const r = this.opts.authenticate(token, ++round, mechanism);
          reply({
            errorCode: r.errorCode ?? 0,
            errorMessage: r.errorMessage ?? null,
            authBytes: r.authBytes ?? Buffer.alloc(0),
            sessionLifetimeMs: BigInt(r.sessionLifetimeMs ?? 0),
          });
          // A broker closes the connection after a failed authentication.
          if (r.errorCode) sock.end();
          return;
        }
        default: {
          const body = minimalStruct(messages.get(req.api.key)!.response.fields, req.version);
          if (this.holdOrdinary) this.held.push(() => reply(body));
          else reply(body);
        }
      }
    });
    sock.on('data', (chunk: Buffer) => frames.push(chunk));
  }
}

/**
 * The server side of SCRAM for one user, as RFC 5802 §3 defines it:
 * server-first with a salt and iteration count, then a check of the client
 * proof and the server signature. `tamper` sends a wrong signature.
 */
export function scramServer(hash: 'sha256' | 'sha512', password: string, opts: { iterations?: number; tamper?: boolean; nonceSuffix?: string } = {}) {
  const iterations = opts.iterations ?? 4096;
  const salt = crypto.randomBytes(16);
  const size = hash === 'sha256' ? 32 : 64;
  const salted = crypto.pbkdf2Sync(password, salt, iterations, size, hash);
  const mac = (key: Buffer, text: string) => crypto.createHmac(hash, key).update(text).digest();
  const storedKey = crypto.createHash(hash).update(mac(salted, 'Client Key')).digest();
  let clientFirstBare = '';
  let serverFirst = '';
  /** The result of the last check of a client proof. */
  const state = { proofOk: false, username: '' };
  const step = (token: Buffer, round: number): AuthReply => {
    const text = token.toString('utf8');
    if (round === 1) {
      clientFirstBare = text.slice(text.indexOf(',', text.indexOf(',') + 1) + 1);
      const attrs = new Map(clientFirstBare.split(',').map((p) => [p[0], p.slice(2)]));
      state.username = attrs.get('n') ?? '';
      serverFirst = `r=${attrs.get('r')}${opts.nonceSuffix ?? 'srvnonce'},s=${salt.toString('base64')},i=${iterations}`;
      return { authBytes: Buffer.from(serverFirst) };
    }
    const proofAt = text.lastIndexOf(',p=');
    const withoutProof = text.slice(0, proofAt);
    const proof = Buffer.from(text.slice(proofAt + 3), 'base64');
    const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
    const signature = mac(storedKey, authMessage);
    const clientKey = Buffer.from(proof.map((b, i) => b ^ signature[i]!));
    state.proofOk = crypto.createHash(hash).update(clientKey).digest().equals(storedKey);
    if (!state.proofOk) return { errorCode: 58, errorMessage: 'Authentication failed: invalid credentials' };
    const serverSig = mac(mac(salted, 'Server Key'), authMessage);
    if (opts.tamper) serverSig[0] = serverSig[0]! ^ 0xff;
    return { authBytes: Buffer.from(`v=${serverSig.toString('base64')}`) };
  };
  return { step, state };
}
