// SASL and TLS against real brokers: the test cluster's SASL_PLAINTEXT
// listener (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER with unsecured
// tokens, connections.max.reauth.ms set) and its SSL listener (a certificate
// from a CA made at start-up). Skipped for an external cluster.
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaAuthenticationError, KafkaConnectionError, KafkaProtocolError, KafkaTlsError } from '../../src/errors.js';
import type { MetadataResponse } from '../../src/messages/generated/index.js';
import { Connection, type ConnectionOptions } from '../../src/network/connection.js';
import type { SaslMechanismName } from '../../src/network/sasl/index.js';
import { countingProxy, firstAddress, kafka, noKafka, type CountingProxy } from './kafka.js';

const sasl = kafka.sasl;
const tlsInfo = kafka.tls;
const opened: Connection[] = [];
afterEach(() => {
  for (const c of opened.splice(0)) c.close();
});

async function open(opts: ConnectionOptions): Promise<Connection> {
  const c = await Connection.open({ requestTimeoutMs: 15_000, ...opts });
  opened.push(c);
  return c;
}
const metadata = (c: Connection) => c.request<MetadataResponse>('Metadata', { topics: [], allowAutoTopicCreation: false });
/** Resolves any name to the loopback address the test listeners use. */
const loopback = async () => [{ address: '127.0.0.1', family: 4 }];

describe.skipIf(noKafka || sasl === null)('SASL on the SASL_PLAINTEXT listener', () => {
  const at = sasl ? firstAddress(sasl.bootstrap) : { host: '', port: 0 };
  const [user, password] = Object.entries(sasl?.users ?? {})[0] ?? ['', ''];

  it.each(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as SaslMechanismName[])('%s: authenticates, then Metadata works and lists the SASL listeners', async (mechanism) => {
    const c = await open({ ...at, sasl: { mechanism, username: user, password } });
    expect(c.saslAuthentications).toBe(1);
    const md = await metadata(c);
    // The broker answers with the addresses of the listener the request came in on.
    expect(md.brokers.map((b) => `${b.host}:${b.port}`).sort()).toEqual(sasl!.bootstrap.split(',').sort());
  });

  it('OAUTHBEARER: an unsecured JWT with an extension is accepted', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const jwt = `${b64({ alg: 'none' })}.${b64({ sub: user, iat: now, exp: now + 600 })}.`;
    const c = await open({ ...at, sasl: { mechanism: 'OAUTHBEARER', oauthBearerProvider: async () => ({ value: jwt, extensions: { traceId: 'kafkawire' } }) } });
    await metadata(c);
  });

  it('a wrong password: KafkaAuthenticationError, after one connection attempt to one address (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)', async () => {
    const proxies: CountingProxy[] = [];
    try {
      await Promise.all(
        (['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as SaslMechanismName[]).map(async (mechanism) => {
          const relay = await countingProxy(at);
          proxies.push(relay);
          let lookups = 0;
          // Two addresses: a refused login must not make the client try the next one, or again.
          const lookup = async () => (lookups++, [{ address: '127.0.0.1', family: 4 }, { address: '127.0.0.1', family: 4 }]);
          const wrong = { mechanism, username: user, password: `${password}-wrong` };
          const e = await Connection.open({ host: 'sasl.kafka.test', port: relay.port, lookup, sasl: wrong }).catch((x) => x);
          expect(e, mechanism).toBeInstanceOf(KafkaAuthenticationError);
          expect(e.retriable).toBe(false);
          expect(e.message).toContain(`SASL ${mechanism} authentication as "${user}" to bootstrap server sasl.kafka.test:${relay.port} failed`);
          expect(e.message).toMatch(/SASL_AUTHENTICATION_FAILED: .*(Invalid username or password|invalid credentials)/);
          expect(e.message).not.toContain(wrong.password);
          // open() tries the addresses one after another, so a second attempt would have come before it rejected.
          expect(relay.accepted, mechanism).toBe(1);
          expect(lookups, mechanism).toBe(1);
        }),
      );
    } finally {
      await Promise.all(proxies.map((p) => p.close()));
    }
  });

  it('a producer with a wrong password fails with the authentication error and does not keep dialling', async () => {
    const relay = await countingProxy(at);
    const { Producer } = await import('../../src/index.js');
    const p = new Producer({ bootstrapServers: `127.0.0.1:${relay.port}`, sasl: { mechanism: 'SCRAM-SHA-256', username: user, password: 'not-the-password' }, maxBlockMs: 3000 });
    try {
      const e = await p.send({ topic: 'any', value: 'x' }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(KafkaAuthenticationError);
      // Not retriable, so send() did not dial again while maxBlockMs (3 s) lasted: one connection, then the error.
      expect((e as KafkaAuthenticationError).retriable).toBe(false);
      expect(relay.accepted).toBe(1);
      await p.close();
      expect(relay.accepted).toBe(1);
    } finally {
      await p.close();
      await relay.close();
    }
  });

  it('an unknown SCRAM user fails the same way', async () => {
    const e = await open({ ...at, sasl: { mechanism: 'SCRAM-SHA-512', username: 'mallory', password: 'x' } }).catch((x) => x);
    expect(e).toBeInstanceOf(KafkaAuthenticationError);
    expect(e.message).toContain('"mallory"');
  });

  it('SASL options on the PLAINTEXT listener say that the port is not a SASL listener', async () => {
    const e = await open({ ...firstAddress(kafka.bootstrap), sasl: { mechanism: 'PLAIN', username: user, password } }).catch((x) => x);
    expect(e).toBeInstanceOf(KafkaAuthenticationError);
    expect(e.message).toMatch(/ILLEGAL_SASL_STATE: is this port a SASL listener/);
  });

  it('re-authenticates before the session expires (KIP-368), and requests keep working; without it the broker drops the connection', async () => {
    const lifetime = sasl!.reauthMs;
    const c = await open({ ...at, sasl: { mechanism: 'SCRAM-SHA-256', username: user, password } });
    expect(c.saslSessionLifetimeMs).toBe(lifetime);
    // The control: a connection whose re-authentication timer never fires.
    const stuck = await open({ ...at, sasl: { mechanism: 'PLAIN', username: user, password }, reauthClock: { setTimeout: () => 0, clearTimeout: () => undefined } });
    // Keep requests going until the connection has re-authenticated and then answered a round more
    // (several at once, so that re-authentication has in-flight requests to wait for). Waits on the
    // event, not on the clock; the deadline only ends a run that would hang.
    const deadline = Date.now() + lifetime * 20 + 60_000;
    let roundsAfter = 0;
    while (roundsAfter < 2) {
      if (Date.now() > deadline) throw new Error(`no re-authentication within ${lifetime * 20 + 60_000} ms`);
      const before = c.saslAuthentications;
      await Promise.all([metadata(c), metadata(c), metadata(c)]);
      if (before >= 2) roundsAfter++;
    }
    expect(c.saslAuthentications).toBeGreaterThanOrEqual(2);
    expect(c.state).toBe('ready');
    // The control: past its session lifetime, the broker drops the connection that did not re-authenticate.
    let e: unknown;
    while (e === undefined) {
      if (Date.now() > deadline) throw new Error('the broker kept a connection past its session lifetime');
      e = await metadata(stuck).then(
        () => new Promise((r) => setTimeout(r, 50)).then(() => undefined),
        (x: unknown) => x,
      );
    }
    expect(e).toBeInstanceOf(KafkaConnectionError);
    expect(stuck.state).toBe('closed');
  });
});

describe.skipIf(noKafka || tlsInfo === null)('TLS on the SSL listener', () => {
  const at = tlsInfo ? firstAddress(tlsInfo.bootstrap) : { host: '', port: 0 };
  const ca = tlsInfo?.caPem ?? '';

  it('with the CA: connects by IP and by name, and Metadata works', async () => {
    const byIp = await open({ ...at, tls: { ca } });
    expect((await metadata(byIp)).brokers).toHaveLength(tlsInfo!.bootstrap.split(',').length);
    const byName = await open({ host: 'localhost', port: at.port, lookup: loopback, tls: { ca } });
    await metadata(byName);
  });

  it('without the CA: a KafkaTlsError that says the certificate is not trusted and to set tls.ca', async () => {
    const e = await open({ ...at, tls: true }).catch((x) => x);
    expect(e).toBeInstanceOf(KafkaTlsError);
    expect(e).toBeInstanceOf(KafkaConnectionError);
    expect(e.retriable).toBe(false);
    expect(e.message).toMatch(/^cannot connect to bootstrap server 127\.0\.0\.1:\d+: TLS handshake with .* failed \(SELF_SIGNED_CERT_IN_CHAIN.*not trusted.*tls\.ca/);
  });

  it('with a name the certificate does not carry: says so and points at tls.servername', async () => {
    const e = await open({ host: 'kafka.example.com', port: at.port, lookup: loopback, tls: { ca } }).catch((x) => x);
    expect(e).toBeInstanceOf(KafkaTlsError);
    expect(e.message).toMatch(/does not name kafka\.example\.com.*subjectAltName.*tls\.servername/);
  });

  it('plaintext (no tls option) on the TLS port: the error says the listener may expect TLS', async () => {
    const e = await open({ ...at, requestTimeoutMs: 5000 }).catch((x) => x);
    expect(e).toBeInstanceOf(KafkaProtocolError);
    // The broker answers a plaintext ApiVersions with a TLS alert record, whose first bytes read as a size.
    expect(e.message).toMatch(new RegExp(`^bootstrap server 127\\.0\\.0\\.1:${at.port} sent a frame of \\d+ bytes, larger than .*it began like a TLS record: this listener expects TLS; set the tls option`));
  });

  it('on the PLAINTEXT port: says to check that the port is a TLS listener', async () => {
    const e = await open({ ...firstAddress(kafka.bootstrap), tls: { ca } }).catch((x) => x);
    expect(e).toBeInstanceOf(KafkaTlsError);
    expect(e.message).toMatch(/is a TLS listener \(SSL or SASL_SSL\) and not a PLAINTEXT/);
  });
});
