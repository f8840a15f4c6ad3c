// SASL SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677), client side,
// built on node:crypto. Two round trips: client-first / server-first, then
// client-final (with the proof) / server-final (with the server signature,
// which is checked so that a broker that does not know the password cannot
// pass itself off as the real one). The password is used as UTF-8 bytes,
// without SASLprep, which is what Kafka's own implementation does.
import { nodeCrypto } from '../../lazy-builtins.js';
import { SaslMechanismError, type SaslMechanismSession } from './index.js';

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

const HASH: Record<ScramMechanism, { algorithm: 'sha256' | 'sha512'; bytes: number }> = {
  'SCRAM-SHA-256': { algorithm: 'sha256', bytes: 32 },
  'SCRAM-SHA-512': { algorithm: 'sha512', bytes: 64 },
};

/** Kafka refuses fewer PBKDF2 iterations than this; so does kafkawire, against a downgrade. */
export const MIN_ITERATIONS = 4096;
/** And an upper bound, so a hostile server cannot make the client spin for minutes. */
export const MAX_ITERATIONS = 1_000_000;

/** RFC 5802 saslname: '=' and ',' are written as =3D and =2C. */
export function escapeUsername(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** A printable nonce without commas: base64 of random bytes. */
export function randomNonce(): string {
  return nodeCrypto().randomBytes(24).toString('base64');
}

/** Splits "a=1,b=2" into attributes; throws on anything that is not name=value. */
export function parseAttributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const m = /^([A-Za-z])=(.*)$/s.exec(part);
    if (!m) throw new SaslMechanismError(`malformed SCRAM message from the broker: ${JSON.stringify(message)}`);
    const [, key, value] = m as unknown as [string, string, string];
    if (!out.has(key)) out.set(key, value);
  }
  return out;
}

interface Keys {
  clientProof: Buffer;
  serverSignature: Buffer;
}

/** RFC 5802 §3: the proof the client sends and the signature the server must answer with. */
export function scramKeys(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number, authMessage: string): Keys {
  const { algorithm, bytes } = HASH[mechanism];
  const hmac = (key: Buffer, data: string) => nodeCrypto().createHmac(algorithm, key).update(data, 'utf8').digest();
  const salted = nodeCrypto().pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, bytes, algorithm);
  const clientKey = hmac(salted, 'Client Key');
  const storedKey = nodeCrypto().createHash(algorithm).update(clientKey).digest();
  const clientSignature = hmac(storedKey, authMessage);
  const clientProof = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) clientProof[i] = (clientKey[i] as number) ^ (clientSignature[i] as number);
  const serverSignature = hmac(hmac(salted, 'Server Key'), authMessage);
  return { clientProof, serverSignature };
}

/**
 * One SCRAM exchange. `nonce` is only for tests (RFC test vectors); a fresh
 * random one is used otherwise.
 */
export function scramSession(mechanism: ScramMechanism, username: string, password: string, nonce: string = randomNonce()): SaslMechanismSession {
  const clientFirstBare = `n=${escapeUsername(username)},r=${nonce}`;
  let step: 'first' | 'final' | 'done' = 'first';
  let expected: Buffer | undefined;
  return {
    start: () => Buffer.from(`n,,${clientFirstBare}`, 'utf8'),
    next(serverToken) {
      const text = serverToken.toString('utf8');
      if (step === 'first') {
        step = 'final';
        const attrs = parseAttributes(text);
        if (attrs.has('m')) throw new SaslMechanismError('the broker requires a SCRAM extension (m=) kafkawire does not support');
        const serverNonce = attrs.get('r');
        const saltText = attrs.get('s');
        const iterText = attrs.get('i');
        if (serverNonce === undefined || saltText === undefined || iterText === undefined) {
          throw new SaslMechanismError(`the broker's SCRAM server-first message lacks r, s or i: ${JSON.stringify(text)}`);
        }
        if (!serverNonce.startsWith(nonce) || serverNonce.length === nonce.length) {
          throw new SaslMechanismError('the broker\'s SCRAM nonce does not extend the client\'s (a replayed or tampered exchange)');
        }
        const iterations = /^\d+$/.test(iterText) ? Number(iterText) : NaN;
        if (!(iterations >= MIN_ITERATIONS)) {
          throw new SaslMechanismError(`the broker asks for ${iterText} SCRAM iterations; kafkawire requires at least ${MIN_ITERATIONS}`);
        }
        if (iterations > MAX_ITERATIONS) {
          throw new SaslMechanismError(`the broker asks for ${iterations} SCRAM iterations; kafkawire allows at most ${MAX_ITERATIONS}`);
        }
        const salt = Buffer.from(saltText, 'base64');
        if (salt.length === 0) throw new SaslMechanismError('the broker\'s SCRAM salt is empty');
        // c=biws is base64 of the GS2 header "n,," (no channel binding).
        const withoutProof = `c=${Buffer.from('n,,').toString('base64')},r=${serverNonce}`;
        const keys = scramKeys(mechanism, password, salt, iterations, `${clientFirstBare},${text},${withoutProof}`);
        expected = keys.serverSignature;
        return Buffer.from(`${withoutProof},p=${keys.clientProof.toString('base64')}`, 'utf8');
      }
      if (step === 'final') {
        step = 'done';
        const attrs = parseAttributes(text);
        const error = attrs.get('e');
        if (error !== undefined) throw new SaslMechanismError(`the broker's SCRAM server-final message reports an error: ${error}`);
        const verifier = attrs.get('v');
        const got = verifier === undefined ? Buffer.alloc(0) : Buffer.from(verifier, 'base64');
        if (!expected || got.length !== expected.length || !nodeCrypto().timingSafeEqual(got, expected)) {
          throw new SaslMechanismError(
            'the broker\'s SCRAM server signature does not match: it did not prove it knows the password, so it may not be the real broker',
          );
        }
        return null;
      }
      throw new SaslMechanismError('the broker continued the SCRAM exchange after it was complete');
    },
  };
}
