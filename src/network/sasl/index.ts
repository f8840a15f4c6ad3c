// SASL authentication over the Kafka protocol (KIP-43, KIP-152): after
// ApiVersions, a SaslHandshake v1 names the mechanism, then SaslAuthenticate
// requests carry the mechanism's tokens until it is satisfied. The same
// exchange runs again on a live connection to re-authenticate (KIP-368).
import { KafkaAuthenticationError, KafkaConfigError, KafkaError } from '../../errors.js';
import type { SaslAuthenticateResponse, SaslHandshakeResponse } from '../../messages/generated/index.js';
import { oauthBearerSession, type OAuthBearerToken } from './oauthbearer.js';
import { plainSession } from './plain.js';
import { scramSession } from './scram.js';

export type SaslMechanismName = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';

export const SASL_MECHANISMS: readonly SaslMechanismName[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'];

export interface SaslOptions {
  mechanism: SaslMechanismName;
  /** For PLAIN and SCRAM. */
  username?: string;
  /** For PLAIN and SCRAM. */
  password?: string;
  /** For OAUTHBEARER: called for every (re-)authentication, so it can hand out a fresh token. */
  oauthBearerProvider?: () => Promise<OAuthBearerToken>;
}

export type { OAuthBearerToken };

/**
 * The client side of one mechanism for one exchange. `start` gives the first
 * token; `next` takes each token the broker answered with and returns the
 * next one to send, or null once the mechanism is satisfied.
 */
export interface SaslMechanismSession {
  start(): Buffer | Promise<Buffer>;
  next(serverToken: Buffer): Buffer | null;
  /** Extra words for the error message when the broker fails the exchange. */
  failureDetail?(): string | undefined;
}

/** A mechanism refused what the broker sent (bad signature, nonce, format...). */
export class SaslMechanismError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/** Throws KafkaConfigError when the options cannot work for their mechanism. */
export function validateSaslOptions(sasl: SaslOptions): void {
  if (!SASL_MECHANISMS.includes(sasl.mechanism)) {
    throw new KafkaConfigError(`unknown SASL mechanism ${JSON.stringify(sasl.mechanism)}; kafkawire supports ${SASL_MECHANISMS.join(', ')}`);
  }
  if (sasl.mechanism === 'OAUTHBEARER') {
    if (typeof sasl.oauthBearerProvider !== 'function') {
      throw new KafkaConfigError('SASL OAUTHBEARER needs sasl.oauthBearerProvider, a function resolving to { value, extensions? }');
    }
  } else if (typeof sasl.username !== 'string' || sasl.username === '' || typeof sasl.password !== 'string') {
    throw new KafkaConfigError(`SASL ${sasl.mechanism} needs sasl.username (non-empty) and sasl.password`);
  }
}

export function createSession(sasl: SaslOptions): SaslMechanismSession {
  validateSaslOptions(sasl);
  switch (sasl.mechanism) {
    case 'PLAIN':
      return plainSession(sasl.username as string, sasl.password as string);
    case 'SCRAM-SHA-256':
    case 'SCRAM-SHA-512':
      return scramSession(sasl.mechanism, sasl.username as string, sasl.password as string);
    case 'OAUTHBEARER':
      return oauthBearerSession(sasl.oauthBearerProvider as () => Promise<OAuthBearerToken>);
  }
}

/** How the exchange reaches the broker; the Connection supplies it. */
export interface SaslTransport {
  handshake(mechanism: string): Promise<SaslHandshakeResponse>;
  authenticate(authBytes: Buffer): Promise<SaslAuthenticateResponse>;
}

export interface SaslResult {
  /** From the last SaslAuthenticate answer (v1+): when to re-authenticate; 0 for never. */
  sessionLifetimeMs: number;
  /** SaslAuthenticate round trips used. */
  rounds: number;
}

const UNSUPPORTED_SASL_MECHANISM = 33;
const ILLEGAL_SASL_STATE = 34;
const SASL_AUTHENTICATION_FAILED = 58;
const CODE_NAMES: Record<number, string> = {
  [UNSUPPORTED_SASL_MECHANISM]: 'UNSUPPORTED_SASL_MECHANISM',
  [ILLEGAL_SASL_STATE]: 'ILLEGAL_SASL_STATE',
  [SASL_AUTHENTICATION_FAILED]: 'SASL_AUTHENTICATION_FAILED',
};
const codeName = (code: number) => CODE_NAMES[code] ?? `error code ${code}`;

/**
 * What schedules re-authentication (KIP-368); replaceable in tests. Shaped
 * like the network layer's Clock, so a pool can hand its own clock down.
 */
export interface ReauthClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** A number in [0, 1) to pick the moment within the window; Math.random when absent. */
  random?(): number;
}

/** setTimeout, unref'd so that a pending re-authentication never keeps Node running. */
export const systemReauthClock: ReauthClock = {
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * When to re-authenticate: at a random point between 85% and 95% of the
 * session lifetime, as the Java client does, so that connections opened
 * together do not all re-authenticate at the same moment.
 */
export function reauthDelayMs(lifetimeMs: number, random: number): number {
  return Math.round(lifetimeMs * (0.85 + 0.1 * Math.min(Math.max(random, 0), 1)));
}

/**
 * Runs SaslHandshake and the SaslAuthenticate rounds. `who` describes the
 * broker ("bootstrap server 127.0.0.1:9092"). Every failure is a
 * KafkaAuthenticationError (not retriable) naming the broker, the mechanism
 * and what the broker said, except transport failures (a closed connection,
 * a timeout), which pass through as they are.
 */
export async function runSaslExchange(transport: SaslTransport, sasl: SaslOptions, who: string, broker: string): Promise<SaslResult> {
  const mechanism = sasl.mechanism;
  const user = sasl.username === undefined || mechanism === 'OAUTHBEARER' ? '' : ` as ${JSON.stringify(sasl.username)}`;
  const fail = (why: string, cause?: unknown) =>
    new KafkaAuthenticationError(`SASL ${mechanism} authentication${user} to ${who} failed: ${why}`, { broker, mechanism, cause });

  const session = createSession(sasl);
  const hs = await transport.handshake(mechanism);
  if (hs.errorCode === UNSUPPORTED_SASL_MECHANISM) {
    const enabled = hs.mechanisms.length ? hs.mechanisms.join(', ') : 'none';
    throw fail(`the listener does not enable ${mechanism}; the mechanisms it enables are: ${enabled}`);
  }
  if (hs.errorCode === ILLEGAL_SASL_STATE) {
    throw fail('the broker answered SaslHandshake with ILLEGAL_SASL_STATE: is this port a SASL listener (SASL_PLAINTEXT or SASL_SSL)?');
  }
  if (hs.errorCode !== 0) throw fail(`the broker answered SaslHandshake with ${codeName(hs.errorCode)}`);

  let token: Buffer | null;
  try {
    token = await session.start();
  } catch (e) {
    throw e instanceof KafkaError ? e : fail((e as Error).message, e);
  }
  // Each mechanism ends its own exchange (returns null) or throws, within a fixed number of rounds.
  for (let round = 1; ; round++) {
    const res = await transport.authenticate(token);
    if (res.errorCode !== 0) {
      const said = res.errorMessage ? `: ${res.errorMessage}` : '';
      const detail = session.failureDetail?.();
      const extra = detail && !said.includes(detail) ? `; ${detail}` : '';
      const what = mechanism === 'OAUTHBEARER' ? 'the token from oauthBearerProvider (expiry, audience, signature)' : 'the username, password and mechanism';
      const hint = res.errorCode === SASL_AUTHENTICATION_FAILED ? ` (check ${what})` : '';
      throw fail(`the broker answered ${codeName(res.errorCode)}${said}${extra}${hint}`);
    }
    try {
      token = session.next(Buffer.from(res.authBytes));
    } catch (e) {
      if (e instanceof SaslMechanismError) throw fail(e.message, e);
      throw e;
    }
    if (token === null) return { sessionLifetimeMs: Number(res.sessionLifetimeMs), rounds: round };
  }
}
