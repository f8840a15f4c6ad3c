// SASL OAUTHBEARER (RFC 7628), client side. The initial response is the GS2
// header "n,," followed by key=value pairs each ended by 0x01, the first
// being auth=Bearer <token>, and a final 0x01. When the broker rejects the
// token it answers with a JSON error document instead of success; the client
// then sends a lone 0x01 and the broker fails the exchange (RFC 7628 §3.2.3).
import { KafkaConfigError } from '../../errors.js';
import { SaslMechanismError, type SaslMechanismSession } from './index.js';

const SEP = '\x01';

/** What an oauthBearerProvider hands back for each (re-)authentication. */
export interface OAuthBearerToken {
  /** The bearer token itself, e.g. a JWT. */
  value: string;
  /** SASL extensions (KIP-342), sent as key=value pairs. */
  extensions?: Record<string, string>;
}

// RFC 7628 §3.1: keys are letters only; values are printable ASCII plus
// space, tab, CR and LF. "auth" is the token's own key.
const KEY = /^[A-Za-z]+$/;
const VALUE = /^[\x21-\x7e \t\r\n]*$/;
// RFC 6750 b64token: the characters a bearer token may use.
const TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** The client's initial response for a token and its extensions. */
export function oauthBearerMessage(token: OAuthBearerToken): Buffer {
  if (!TOKEN.test(token.value)) {
    throw new KafkaConfigError('SASL OAUTHBEARER: the token from oauthBearerProvider is empty or holds characters a bearer token cannot (RFC 6750 b64token)');
  }
  let pairs = `auth=Bearer ${token.value}${SEP}`;
  for (const [key, value] of Object.entries(token.extensions ?? {})) {
    if (!KEY.test(key) || key === 'auth') {
      throw new KafkaConfigError(`SASL OAUTHBEARER: extension name ${JSON.stringify(key)} is not allowed (letters only, and not "auth")`);
    }
    if (!VALUE.test(value)) {
      throw new KafkaConfigError(`SASL OAUTHBEARER: the value of extension ${key} holds characters RFC 7628 does not allow`);
    }
    pairs += `${key}=${value}${SEP}`;
  }
  return Buffer.from(`n,,${SEP}${pairs}${SEP}`, 'utf8');
}

export function oauthBearerSession(provider: () => Promise<OAuthBearerToken>): SaslMechanismSession {
  let rejected: string | null = null;
  return {
    async start() {
      let token: OAuthBearerToken;
      try {
        token = await provider();
      } catch (e) {
        throw new SaslMechanismError(`oauthBearerProvider failed: ${(e as Error)?.message ?? String(e)}`, e);
      }
      return oauthBearerMessage(token);
    },
    next(serverToken) {
      if (rejected !== null) {
        throw new SaslMechanismError(`the broker reported success after rejecting the token (${rejected})`);
      }
      if (serverToken.length === 0) return null;
      // A non-empty answer is the broker's error document; acknowledge it so the broker ends the exchange.
      rejected = serverToken.toString('utf8');
      return Buffer.from(SEP, 'utf8');
    },
    failureDetail: () => rejected ?? undefined,
  };
}
