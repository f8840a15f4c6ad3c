// SASL inside Connection, against the fake broker: the handshake after
// ApiVersions, failures, and KIP-368 re-authentication with a clock the test
// controls.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KafkaAuthenticationError, KafkaConfigError, type KafkaError } from '../../../src/errors.js';
import { Connection, type ConnectionOptions, type ReauthClock } from '../../../src/network/connection.js';
import { FakeSaslBroker, scramServer, type AuthReply } from './fake-broker.js';

let broker: FakeSaslBroker | undefined;
const conns: Connection[] = [];
afterEach(async () => {
  for (const c of conns.splice(0)) c.close();
  await broker?.close();
  broker = undefined;
});

async function open(opts: Partial<ConnectionOptions>): Promise<Connection> {
  const c = await Connection.open({ host: '127.0.0.1', port: broker!.port, requestTimeoutMs: 5000, ...opts });
  conns.push(c);
  return c;
}
const metadata = (c: Connection) => c.request('Metadata', { topics: [], allowAutoTopicCreation: false });
const plain = { mechanism: 'PLAIN', username: 'alice', password: 'secret' } as const;
const okPlain = (lifetime = 0) => (token: Buffer): AuthReply =>
  token.equals(Buffer.from('\0alice\0secret')) ? { sessionLifetimeMs: lifetime } : { errorCode: 58, errorMessage: 'Authentication failed: Invalid username or password' };

/** A clock whose timers run only when the test says so. */
function manualClock(random = 0.5) {
  const timers = new Map<number, { fn: () => void; ms: number }>();
  let next = 1;
  const clock: Required<ReauthClock> = {
    setTimeout: (fn, ms) => (timers.set(next, { fn, ms }), next++),
    clearTimeout: (h) => void timers.delete(h as number),
    random: () => random,
  };
  const pending = () => [...timers.values()].map((t) => t.ms);
  const fire = () => {
    const all = [...timers.values()];
    timers.clear();
    for (const t of all) t.fn();
  };
  return { clock, pending, fire };
}

describe('SASL on Connection.open', () => {
  it('authenticates right after ApiVersions, then serves requests', async () => {
    broker = await FakeSaslBroker.start({ authenticate: okPlain() });
    const c = await open({ sasl: plain });
    await metadata(c);
    expect(broker.apis()).toEqual(['ApiVersions', 'SaslHandshake', 'SaslAuthenticate', 'Metadata']);
    expect(broker.seen.find((s) => s.api === 'SaslHandshake')?.version).toBe(1);
    expect(c.saslAuthentications).toBe(1);
    expect(c.state).toBe('ready');
  });

  it('runs both SCRAM rounds and verifies the server', async () => {
    const server = scramServer('sha512', 'secret');
    broker = await FakeSaslBroker.start({ mechanisms: ['SCRAM-SHA-512'], authenticate: (t, round) => server.step(t, round) });
    const c = await open({ sasl: { mechanism: 'SCRAM-SHA-512', username: 'alice', password: 'secret' } });
    expect(server.state.proofOk).toBe(true);
    expect(broker.apis()).toEqual(['ApiVersions', 'SaslHandshake', 'SaslAuthenticate', 'SaslAuthenticate']);
    await metadata(c);
  });

  it('fails, and sends nothing more, when the SCRAM server signature is wrong', async () => {
    const server = scramServer('sha256', 'secret', { tamper: true });
    broker = await FakeSaslBroker.start({ mechanisms: ['SCRAM-SHA-256'], authenticate: (t, round) => server.step(t, round) });
    const e = await open({ sasl: { mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'secret' } }).catch((x) => x);
    expect(e).toBeInstanceOf(KafkaAuthenticationError);
    expect(e.retriable).toBe(false);
    expect(e.message).toMatch(/SCRAM-SHA-256 authentication as "alice" to bootstrap server 127\.0\.0\.1:\d+ failed: .*server signature does not match/);
    // Once the client has closed the socket, nothing more can come.
    await vi.waitFor(() => expect(broker!.openSockets).toBe(0), { timeout: 10_000 });
    expect(broker.apis()).toEqual(['ApiVersions', 'SaslHandshake', 'SaslAuthenticate', 'SaslAuthenticate']);
  });

  it('reports wrong credentials as KafkaAuthenticationError with the broker message, after one dial of one address', async () => {
    broker = await FakeSaslBroker.start({ authenticate: okPlain() });
    let lookups = 0;
    // Two addresses for the name: an auth failure must not make the connection try the second.
    const lookup = async () => (lookups++, [{ address: '127.0.0.1', family: 4 }, { address: '127.0.0.1', family: 4 }]);
    const e = await open({ host: 'kafka.test', lookup, sasl: { ...plain, password: 'wrong' } }).catch((x) => x);
    expect(e).toBeInstanceOf(KafkaAuthenticationError);
    expect(e.message).toContain('Invalid username or password');
    expect(e.message).toContain('kafka.test:');
    expect(e.mechanism).toBe('PLAIN');
    // open() tries addresses one after another, so a second dial would have come before it rejected.
    await vi.waitFor(() => expect(broker!.openSockets).toBe(0), { timeout: 10_000 });
    expect(lookups).toBe(1);
    expect(broker.connections).toBe(1);
  });

  it('names the enabled mechanisms when the listener does not offer ours', async () => {
    broker = await FakeSaslBroker.start({ mechanisms: ['SCRAM-SHA-512', 'OAUTHBEARER'], authenticate: okPlain() });
    await expect(open({ sasl: plain })).rejects.toThrow(/does not enable PLAIN; the mechanisms it enables are: SCRAM-SHA-512, OAUTHBEARER/);
  });

  it('checks the SASL options before dialing', async () => {
    const lookup = vi.fn(async () => [{ address: '127.0.0.1', family: 4 }]);
    await expect(Connection.open({ host: 'x.test', port: 1, lookup, sasl: { mechanism: 'PLAIN', username: 'u' } })).rejects.toThrow(KafkaConfigError);
    expect(lookup).not.toHaveBeenCalled();
  });

  it('OAUTHBEARER: a rejected token ends with the broker error document in the message', async () => {
    broker = await FakeSaslBroker.start({
      mechanisms: ['OAUTHBEARER'],
      authenticate: (token, round) =>
        round === 1 ? { authBytes: Buffer.from('{"status":"invalid_token"}') } : token.equals(Buffer.from([1])) ? { errorCode: 58, errorMessage: null } : { errorCode: 34 },
    });
    const e = await open({ sasl: { mechanism: 'OAUTHBEARER', oauthBearerProvider: async () => ({ value: 'expired.jwt.x' }) } }).catch((x) => x);
    expect(e).toBeInstanceOf(KafkaAuthenticationError);
    expect(e.message).toMatch(/SASL_AUTHENTICATION_FAILED; \{"status":"invalid_token"\} \(check the token/);
  });
});

describe('KIP-368 re-authentication', () => {
  it('schedules it at 85–95% of sessionLifetimeMs, following the clock random', async () => {
    broker = await FakeSaslBroker.start({ authenticate: okPlain(10_000) });
    const low = manualClock(0);
    await open({ sasl: plain, reauthClock: low.clock });
    expect(low.pending()).toEqual([8500]);
    const high = manualClock(0.999);
    await open({ sasl: plain, reauthClock: high.clock });
    expect(high.pending()).toEqual([9499]);
  });

  it('schedules nothing when the broker grants no lifetime', async () => {
    broker = await FakeSaslBroker.start({ authenticate: okPlain(0) });
    const m = manualClock();
    await open({ sasl: plain, reauthClock: m.clock });
    expect(m.pending()).toEqual([]);
  });

  it('re-authenticates on the same connection and schedules the next one', async () => {
    broker = await FakeSaslBroker.start({ authenticate: okPlain(60_000) });
    const m = manualClock(0.5);
    const c = await open({ sasl: plain, reauthClock: m.clock });
    m.fire();
    await vi.waitFor(() => expect(c.saslAuthentications).toBe(2));
    await metadata(c);
    expect(broker.connections).toBe(1);
    expect(broker.apis()).toEqual(['ApiVersions', 'SaslHandshake', 'SaslAuthenticate', 'SaslHandshake', 'SaslAuthenticate', 'Metadata']);
    expect(m.pending()).toEqual([54_000]);
  });

  it('lets in-flight requests finish and holds new ones back until it is done', async () => {
    broker = await FakeSaslBroker.start({ authenticate: okPlain(60_000) });
    const m = manualClock();
    const c = await open({ sasl: plain, reauthClock: m.clock });
    broker.holdOrdinary = true;
    const first = metadata(c);
    await vi.waitFor(() => expect(broker!.apis()).toContain('Metadata'));
    m.fire();
    expect(c.reauthenticating).toBe(true);
    const second = metadata(c);
    // Nothing goes out while the first answer is outstanding: the new request waits unwritten,
    // and the handshake has not even been made (one request in flight, one queued).
    expect(c.queuedCount).toBe(1);
    expect(c.inFlightCount).toBe(2);
    broker.release();
    await Promise.all([first, second]);
    // And the broker saw the handshake only after it had answered the first request.
    expect(broker.seen.slice(3).map((s) => `${s.api} (${s.whileHeld} held)`)).toEqual(['Metadata (0 held)', 'SaslHandshake (0 held)', 'SaslAuthenticate (0 held)', 'Metadata (0 held)']);
    expect(broker.apis().slice(3)).toEqual(['Metadata', 'SaslHandshake', 'SaslAuthenticate', 'Metadata']);
    expect(c.reauthenticating).toBe(false);
  });

  it('runs on real timers too', async () => {
    broker = await FakeSaslBroker.start({ authenticate: okPlain(200) });
    const c = await open({ sasl: plain });
    await vi.waitFor(() => expect(c.saslAuthentications).toBeGreaterThanOrEqual(3), { timeout: 2000 });
    await metadata(c);
  });

  it('closes the connection with KafkaAuthenticationError when re-authentication is refused', async () => {
    let allow = true;
    broker = await FakeSaslBroker.start({ authenticate: (t) => (allow ? okPlain(60_000)(t) : { errorCode: 58, errorMessage: 'credentials revoked' }) });
    const m = manualClock();
    const c = await open({ sasl: plain, reauthClock: m.clock });
    const closed = new Promise<KafkaError>((resolve) => c.onClose(resolve));
    allow = false;
    m.fire();
    const queued = metadata(c);
    const e = await closed;
    expect(e).toBeInstanceOf(KafkaAuthenticationError);
    expect(e.retriable).toBe(false);
    expect(e.message).toContain('credentials revoked');
    await expect(queued).rejects.toBe(e);
    expect(c.state).toBe('closed');
  });

  it('close() cancels the pending re-authentication', async () => {
    broker = await FakeSaslBroker.start({ authenticate: okPlain(60_000) });
    const m = manualClock();
    const c = await open({ sasl: plain, reauthClock: m.clock });
    expect(m.pending()).toHaveLength(1);
    c.close();
    expect(m.pending()).toHaveLength(0);
  });
});
