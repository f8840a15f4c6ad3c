// TLS failure diagnostics (transport security, kept next to the SASL tests).
// Certificate failures against a real TLS listener are in
// test/integration/auth.test.ts; here, the mapping of each failure to its
// advice, and the cases a plain node:net server can stage.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaConnectionError, KafkaTlsError } from '../../../src/errors.js';
import { Connection } from '../../../src/network/connection.js';
import { ConnectionPool } from '../../../src/network/pool.js';
import { describeTlsFailure } from '../../../src/network/tls.js';

const ctx = { address: 'kafka.test:9093', checkedName: 'kafka.test' };
const err = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('describeTlsFailure', () => {
  it('an untrusted certificate points at tls.ca and is not retriable', () => {
    for (const code of ['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']) {
      const f = describeTlsFailure(err(code), ctx);
      expect(f.retriable, code).toBe(false);
      expect(f.message, code).toMatch(/^TLS handshake with kafka\.test:9093 failed .*not trusted.*tls\.ca/);
      expect(f.message).toContain(code);
    }
  });

  it('a hostname mismatch names the checked name and tls.servername', () => {
    const f = describeTlsFailure(err('ERR_TLS_CERT_ALTNAME_INVALID', "Host: kafka.test. is not in the cert's altnames"), ctx);
    expect(f.retriable).toBe(false);
    expect(f.message).toMatch(/does not name kafka\.test\..*subjectAltName.*tls\.servername/);
  });

  it('a hang-up during the handshake asks whether the port is a TLS listener', () => {
    for (const e of [err('ECONNRESET', 'Client network socket disconnected before secure TLS connection was established'), err('ERR_SSL_WRONG_VERSION_NUMBER')]) {
      const f = describeTlsFailure(e, ctx);
      expect(f.retriable).toBe(true);
      expect(f.message).toMatch(/Check that kafka\.test:9093 is a TLS listener \(SSL or SASL_SSL\) and not a PLAINTEXT/);
    }
  });

  it('an expired certificate, a refused handshake, and anything else each get their own advice', () => {
    expect(describeTlsFailure(err('CERT_HAS_EXPIRED'), ctx).message).toMatch(/validity period/);
    expect(describeTlsFailure(err('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'tlsv13 alert certificate required'), ctx).message).toMatch(/client certificate \(tls\.cert and tls\.key\)/);
    expect(describeTlsFailure(err('ESOMETHING'), ctx).message).toMatch(/Check tls\.ca .*tls\.servername .*is a TLS listener/);
  });
});

describe('Connection with tls against servers that do not speak TLS', () => {
  let server: net.Server | undefined;
  const sockets = new Set<net.Socket>();
  afterEach(async () => {
    sockets.forEach((s) => s.destroy());
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  async function listen(onConn: (s: net.Socket) => void): Promise<number> {
    server = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      onConn(s);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return (server.address() as net.AddressInfo).port;
  }

  it('a port that hangs up on the ClientHello gives a KafkaTlsError about the listener type', async () => {
    // What a Kafka PLAINTEXT listener does: it reads the ClientHello as an oversized frame and closes.
    const port = await listen((s) => s.once('data', () => s.destroy()));
    const e = await Connection.open({ host: '127.0.0.1', port, tls: true }).catch((x) => x);
    expect(e).toBeInstanceOf(KafkaTlsError);
    expect(e).toBeInstanceOf(KafkaConnectionError);
    expect(e.message).toMatch(/^cannot connect to bootstrap server 127\.0\.0\.1:\d+: TLS handshake with .* is a TLS listener/);
  });

  it('a pool whose every bootstrap address fails TLS rejects start() with a KafkaTlsError naming each', async () => {
    const port = await listen((s) => s.once('data', () => s.destroy()));
    const pool = new ConnectionPool({ bootstrapServers: [`127.0.0.1:${port}`, `localhost:${port}`], tls: true, lookup: async () => [{ address: '127.0.0.1', family: 4 }] });
    const e = await pool.start().catch((x) => x);
    await pool.close();
    expect(e).toBeInstanceOf(KafkaTlsError);
    expect(e.message).toMatch(/none of the bootstrap servers could be reached/);
    expect(e.message).toMatch(/127\.0\.0\.1:\d+: TLS handshake[\s\S]*localhost:\d+: TLS handshake/);
  });

  it('a port that never answers the handshake times out with a TLS message', async () => {
    const port = await listen(() => undefined);
    const e = await Connection.open({ host: '127.0.0.1', port, tls: true, connectTimeoutMs: 300 }).catch((x) => x);
    expect(e).toBeInstanceOf(KafkaTlsError);
    expect(e.message).toMatch(/TCP connected, but the TLS handshake did not finish within 300 ms/);
  });

  it('a refused TCP connection stays a network error, not a TLS one', async () => {
    const port = await listen(() => undefined);
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    const e = await Connection.open({ host: '127.0.0.1', port, tls: true }).catch((x) => x);
    expect(e).toBeInstanceOf(KafkaConnectionError);
    expect(e).not.toBeInstanceOf(KafkaTlsError);
    expect(e.message).toMatch(/connection refused/);
  });
});
