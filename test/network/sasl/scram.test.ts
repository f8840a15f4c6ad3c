import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SaslMechanismError } from '../../../src/network/sasl/index.js';
import { escapeUsername, MIN_ITERATIONS, parseAttributes, scramSession } from '../../../src/network/sasl/scram.js';
import { scramServer } from './fake-broker.js';

const text = (b: Buffer | null) => (b === null ? null : b.toString('utf8'));

describe('SCRAM-SHA-256: the RFC 7677 §3 example exchange', () => {
  // user "user", password "pencil", client nonce rOprNGfwEbeRWgbNEkqO.
  const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
  const clientFinal = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';
  const serverFinal = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';
  const session = () => scramSession('SCRAM-SHA-256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');

  it('sends the client-first and client-final messages of the RFC, and accepts its server signature', async () => {
    const s = session();
    expect(text(await s.start())).toBe('n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
    expect(text(s.next(Buffer.from(serverFirst)))).toBe(clientFinal);
    expect(s.next(Buffer.from(serverFinal))).toBeNull();
  });

  it('fails hard when the server signature is wrong by one bit', async () => {
    const s = session();
    await s.start();
    s.next(Buffer.from(serverFirst));
    const sig = Buffer.from(serverFinal.slice(2), 'base64');
    sig[31] = sig[31]! ^ 1;
    expect(() => s.next(Buffer.from(`v=${sig.toString('base64')}`))).toThrow(/server signature does not match/);
  });

  it('fails when server-final has no signature, or an error', async () => {
    for (const final of ['x=1', 'e=invalid-proof']) {
      const s = session();
      await s.start();
      s.next(Buffer.from(serverFirst));
      expect(() => s.next(Buffer.from(final))).toThrow(SaslMechanismError);
    }
  });

  it('refuses a server nonce that does not extend the client nonce', async () => {
    const s = session();
    await s.start();
    expect(() => s.next(Buffer.from(serverFirst.replace('rOprNG', 'XOprNG')))).toThrow(/nonce/);
    const t = session();
    await t.start();
    expect(() => t.next(Buffer.from('r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'))).toThrow(/nonce/);
  });

  it(`refuses fewer than ${MIN_ITERATIONS} iterations, and accepts exactly ${MIN_ITERATIONS}`, async () => {
    const s = session();
    await s.start();
    expect(() => s.next(Buffer.from(serverFirst.replace('i=4096', 'i=4095')))).toThrow(/at least 4096/);
    const t = session();
    await t.start();
    expect(() => t.next(Buffer.from(serverFirst))).not.toThrow();
  });

  it('refuses a server-first message without salt or iterations, or with a mandatory extension', async () => {
    for (const bad of ['r=rOprNGfwEbeRWgbNEkqOabc,i=4096', 'r=rOprNGfwEbeRWgbNEkqOabc,s=W22Z', 'm=ext,r=rOprNGfwEbeRWgbNEkqOabc,s=W22Z,i=4096', 'garbage']) {
      const s = session();
      await s.start();
      expect(() => s.next(Buffer.from(bad)), bad).toThrow(SaslMechanismError);
    }
  });

  it('refuses a third server message', async () => {
    const s = session();
    await s.start();
    s.next(Buffer.from(serverFirst));
    s.next(Buffer.from(serverFinal));
    expect(() => s.next(Buffer.from(serverFinal))).toThrow(/after it was complete/);
  });
});

describe('SCRAM usernames and messages', () => {
  it('escapes = and , in the username (RFC 5802 saslname)', async () => {
    expect(escapeUsername('a=b,c')).toBe('a=3Db=2Cc');
    expect(escapeUsername('=,=')).toBe('=3D=2C=3D');
    const s = scramSession('SCRAM-SHA-512', 'x,y=z', 'p', 'nonce');
    expect(text(await s.start())).toBe('n,,n=x=2Cy=3Dz,r=nonce');
  });

  it('escaping can be undone and leaves no bare separator (property)', () => {
    fc.assert(
      fc.property(fc.string(), (name) => {
        const e = escapeUsername(name);
        expect(e.includes(',')).toBe(false);
        expect(e.replace(/=2C/g, ',').replace(/=3D/g, '=')).toBe(name);
      }),
    );
  });

  it('parses attributes and rejects parts that are not name=value', () => {
    expect([...parseAttributes('r=abc,s=a=b,i=1')]).toEqual([['r', 'abc'], ['s', 'a=b'], ['i', '1']]);
    expect(() => parseAttributes('r=abc,,i=1')).toThrow(SaslMechanismError);
  });

  it('uses a fresh random nonce for every session', async () => {
    const a = text(await scramSession('SCRAM-SHA-256', 'u', 'p').start());
    const b = text(await scramSession('SCRAM-SHA-256', 'u', 'p').start());
    expect(a).not.toBe(b);
    expect(a).toMatch(/^n,,n=u,r=[A-Za-z0-9+/=]{24,}$/);
  });
});

describe.each(['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)('%s against an independent server', (mechanism) => {
  const hash = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';

  async function exchange(clientPassword: string, server: ReturnType<typeof scramServer>) {
    const s = scramSession(mechanism, 'alice', clientPassword);
    const first = server.step(await s.start(), 1);
    const final = server.step(s.next(first.authBytes!)!, 2);
    return { s, final };
  }

  it('proves the password and verifies the server', async () => {
    const server = scramServer(hash, 'pässwörd ✓', { iterations: 4096 });
    const { s, final } = await exchange('pässwörd ✓', server);
    expect(server.state.proofOk).toBe(true);
    expect(server.state.username).toBe('alice');
    expect(s.next(final.authBytes!)).toBeNull();
  });

  it('gives a proof the server rejects for a wrong password', async () => {
    const server = scramServer(hash, 'right');
    const { final } = await exchange('wrong', server);
    expect(server.state.proofOk).toBe(false);
    expect(final.errorCode).toBe(58);
  });

  it('fails when the server does not know the password (forged signature)', async () => {
    const server = scramServer(hash, 'secret', { tamper: true });
    const { s, final } = await exchange('secret', server);
    expect(() => s.next(final.authBytes!)).toThrow(/server signature does not match/);
  });
});
