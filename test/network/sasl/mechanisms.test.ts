import { describe, expect, it } from 'vitest';
import { KafkaAuthenticationError, KafkaConfigError } from '../../../src/errors.js';
import type { SaslAuthenticateResponse } from '../../../src/messages/generated/index.js';
import { reauthDelayMs, runSaslExchange, validateSaslOptions, type SaslOptions, type SaslTransport } from '../../../src/network/sasl/index.js';
import { oauthBearerMessage, oauthBearerSession } from '../../../src/network/sasl/oauthbearer.js';
import { plainMessage, plainSession } from '../../../src/network/sasl/plain.js';

describe('PLAIN (RFC 4616)', () => {
  it('is NUL user NUL password, in UTF-8, with no authorization identity', () => {
    expect(plainMessage('alice', 'alice-secret')).toEqual(Buffer.from('\0alice\0alice-secret'));
    expect([...plainMessage('é', 'ü')]).toEqual([0, 0xc3, 0xa9, 0, 0xc3, 0xbc]);
  });

  it('refuses a NUL inside the username or password', () => {
    expect(() => plainMessage('a\0b', 'p')).toThrow(KafkaConfigError);
    expect(() => plainMessage('a', 'p\0')).toThrow(KafkaConfigError);
  });

  it('is done after one round', async () => {
    const s = plainSession('u', 'p');
    expect(await s.start()).toEqual(Buffer.from('\0u\0p'));
    expect(s.next(Buffer.alloc(0))).toBeNull();
  });
});

describe('OAUTHBEARER (RFC 7628)', () => {
  it('sends the GS2 header, auth=Bearer and a closing separator', () => {
    expect(oauthBearerMessage({ value: 'eyJ.abc.def' }).toString('latin1')).toBe('n,,\x01auth=Bearer eyJ.abc.def\x01\x01');
  });

  it('sends each extension as key=value followed by 0x01, before the closing 0x01', () => {
    const m = oauthBearerMessage({ value: 'tok', extensions: { traceId: 'a b', logicalCluster: 'lkc-1' } });
    expect(m.toString('latin1')).toBe('n,,\x01auth=Bearer tok\x01traceId=a b\x01logicalCluster=lkc-1\x01\x01');
  });

  it('refuses extension names that are not letters, or "auth", and values with control characters', () => {
    expect(() => oauthBearerMessage({ value: 't', extensions: { 'trace-id': 'x' } })).toThrow(KafkaConfigError);
    expect(() => oauthBearerMessage({ value: 't', extensions: { auth: 'x' } })).toThrow(KafkaConfigError);
    expect(() => oauthBearerMessage({ value: 't', extensions: { ok: 'a\x01b' } })).toThrow(KafkaConfigError);
    expect(() => oauthBearerMessage({ value: 'has space' })).toThrow(KafkaConfigError);
    expect(() => oauthBearerMessage({ value: '' })).toThrow(KafkaConfigError);
  });

  it('asks the provider for a token on every exchange', async () => {
    let n = 0;
    const provider = async () => ({ value: `token${++n}` });
    expect((await oauthBearerSession(provider).start()).toString()).toContain('Bearer token1');
    expect((await oauthBearerSession(provider).start()).toString()).toContain('Bearer token2');
  });

  it('answers the broker error document with a lone 0x01, and refuses success after it', async () => {
    const s = oauthBearerSession(async () => ({ value: 't' }));
    await s.start();
    expect(s.next(Buffer.from('{"status":"invalid_token"}'))).toEqual(Buffer.from([1]));
    expect(s.failureDetail?.()).toBe('{"status":"invalid_token"}');
    expect(() => s.next(Buffer.alloc(0))).toThrow(/after rejecting/);
  });
});

describe('SASL options', () => {
  it('checks that each mechanism has what it needs', () => {
    expect(() => validateSaslOptions({ mechanism: 'PLAIN', username: 'u' })).toThrow(/username .* and sasl.password/);
    expect(() => validateSaslOptions({ mechanism: 'SCRAM-SHA-256', password: 'p' })).toThrow(KafkaConfigError);
    expect(() => validateSaslOptions({ mechanism: 'OAUTHBEARER' })).toThrow(/oauthBearerProvider/);
    expect(() => validateSaslOptions({ mechanism: 'GSSAPI' } as unknown as SaslOptions)).toThrow(/supports PLAIN, SCRAM-SHA-256/);
    expect(() => validateSaslOptions({ mechanism: 'SCRAM-SHA-512', username: 'u', password: '' })).not.toThrow();
  });

  it('re-authenticates between 85% and 95% of the session lifetime', () => {
    expect(reauthDelayMs(10_000, 0)).toBe(8500);
    expect(reauthDelayMs(10_000, 0.5)).toBe(9000);
    expect(reauthDelayMs(10_000, 0.999)).toBe(9499);
    expect(reauthDelayMs(10_000, 7)).toBe(9500); // a broken random source cannot push it past 95%
  });
});

describe('the SaslHandshake / SaslAuthenticate exchange', () => {
  const ok = (authBytes = Buffer.alloc(0), sessionLifetimeMs = 0n): SaslAuthenticateResponse => ({ errorCode: 0, errorMessage: null, authBytes, sessionLifetimeMs });
  function transport(handshakeCode: number, answers: SaslAuthenticateResponse[], mechanisms = ['PLAIN']) {
    const sent: Buffer[] = [];
    const t: SaslTransport = {
      handshake: async () => ({ errorCode: handshakeCode, mechanisms }),
      authenticate: async (b) => {
        sent.push(b);
        const a = answers.shift();
        if (!a) throw new Error('no more answers scripted');
        return a;
      },
    };
    return { t, sent };
  }
  const plain: SaslOptions = { mechanism: 'PLAIN', username: 'alice', password: 'pw' };

  it('returns the session lifetime of the last answer', async () => {
    const { t, sent } = transport(0, [ok(Buffer.alloc(0), 60_000n)]);
    await expect(runSaslExchange(t, plain, 'broker 1 at h:1', 'h:1')).resolves.toEqual({ sessionLifetimeMs: 60_000, rounds: 1 });
    expect(sent).toEqual([Buffer.from('\0alice\0pw')]);
  });

  it('names the mechanisms the listener enables when ours is not one of them', async () => {
    const { t, sent } = transport(33, [], ['SCRAM-SHA-512', 'GSSAPI']);
    const e = await runSaslExchange(t, plain, 'bootstrap server h:1', 'h:1').catch((x) => x);
    expect(e).toBeInstanceOf(KafkaAuthenticationError);
    expect(e.message).toMatch(/does not enable PLAIN; the mechanisms it enables are: SCRAM-SHA-512, GSSAPI/);
    expect(e.retriable).toBe(false);
    expect(sent).toHaveLength(0);
  });

  it('turns SASL_AUTHENTICATION_FAILED into a non-retriable error naming broker, mechanism, user and the broker message', async () => {
    const { t } = transport(0, [{ ...ok(), errorCode: 58, errorMessage: 'Invalid username or password' }]);
    const e = await runSaslExchange(t, plain, 'bootstrap server h:1', 'h:1').catch((x) => x);
    expect(e).toBeInstanceOf(KafkaAuthenticationError);
    expect(e.retriable).toBe(false);
    expect(e.mechanism).toBe('PLAIN');
    expect(e.context.broker).toBe('h:1');
    expect(e.message).toBe(
      'SASL PLAIN authentication as "alice" to bootstrap server h:1 failed: the broker answered SASL_AUTHENTICATION_FAILED: Invalid username or password (check the username, password and mechanism)',
    );
    expect(e.message).not.toContain('pw');
  });

  it('refuses an OAUTHBEARER broker that reports success after rejecting the token', async () => {
    const { t, sent } = transport(0, [ok(Buffer.from('{"status":"invalid_token"}')), ok()]);
    const o: SaslOptions = { mechanism: 'OAUTHBEARER', oauthBearerProvider: async () => ({ value: 't' }) };
    const e = await runSaslExchange(t, o, 'b', 'h:1').catch((x) => x);
    expect(e).toBeInstanceOf(KafkaAuthenticationError);
    expect(e.message).toMatch(/success after rejecting the token/);
    expect(sent.map((b) => b.toString('latin1'))).toEqual(['n,,\x01auth=Bearer t\x01\x01', '\x01']);
  });

  it('wraps a failing oauthBearerProvider, without asking the broker', async () => {
    const { t, sent } = transport(0, []);
    const o: SaslOptions = { mechanism: 'OAUTHBEARER', oauthBearerProvider: async () => Promise.reject(new Error('token endpoint down')) };
    await expect(runSaslExchange(t, o, 'b', 'h:1')).rejects.toThrow(/oauthBearerProvider failed: token endpoint down/);
    expect(sent).toHaveLength(0);
  });
});
