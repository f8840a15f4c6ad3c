// Turns the ways a TLS handshake fails into one message saying that it is a
// TLS problem and what to check: the CA (tls.ca), the name the certificate
// must carry (the bootstrap host or tls.servername), or that the port is a
// TLS listener at all.
import { KafkaTlsError } from '../errors.js';

const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REJECTED',
]);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
/** Errors where the other side does not speak TLS, or hung up mid-handshake. */
const NOT_TLS = new Set(['ECONNRESET', 'EPIPE', 'ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_HTTP_REQUEST', 'ERR_SSL_RECORD_LAYER_FAILURE']);

export interface TlsFailure {
  message: string;
  /** False for certificate problems: trying again cannot help until the configuration changes. */
  retriable: boolean;
}

export interface TlsFailureContext {
  /** host:port as configured. */
  address: string;
  /** The name the certificate was checked against (servername, else the host). */
  checkedName: string;
}

/** Explains an error raised after the TCP connection was made but before the TLS session was. */
export function describeTlsFailure(e: (Error & { code?: string }) | null, ctx: TlsFailureContext): TlsFailure {
  const code = e?.code ?? '';
  const detail = e ? `${code ? `${code}: ` : ''}${e.message}` : 'the handshake did not complete';
  const head = `TLS handshake with ${ctx.address} failed (${detail})`;
  if (UNTRUSTED.has(code)) {
    return {
      retriable: false,
      message: `${head}: the broker's certificate is not trusted. Check that the tls.ca option holds the certificate of the CA that signed the broker's certificate (PEM); a private or self-signed CA is not in Node's default trust store`,
    };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return {
      retriable: false,
      message: `${head}: the broker's certificate does not name ${ctx.checkedName}. Check the host in bootstrapServers (or the broker's advertised.listeners) against the names in the certificate's subjectAltName, or set tls.servername to a name it carries`,
    };
  }
  if (EXPIRED.has(code)) {
    return { retriable: false, message: `${head}: the broker's certificate is outside its validity period; check the certificate dates and this host's clock` };
  }
  if (NOT_TLS.has(code) || /disconnected before secure TLS|socket hang up|wrong version number/i.test(e?.message ?? '')) {
    return {
      retriable: true,
      message: `${head}: the broker closed the connection or answered in something other than TLS. Check that ${ctx.address} is a TLS listener (SSL or SASL_SSL) and not a PLAINTEXT or SASL_PLAINTEXT one, or drop the tls option for a plaintext listener`,
    };
  }
  if (/alert|certificate required|handshake failure/i.test(`${code} ${e?.message ?? ''}`)) {
    return {
      retriable: false,
      message: `${head}: the broker refused the handshake. Check whether the listener requires a client certificate (tls.cert and tls.key) and that the TLS versions and ciphers match`,
    };
  }
  return {
    retriable: true,
    message: `${head}. Check tls.ca (the CA of the broker's certificate), tls.servername (a name in the certificate) and that ${ctx.address} is a TLS listener`,
  };
}

/** The KafkaTlsError for a failed handshake: `prefix` says which connection, `checkedName` which name the certificate must carry. */
export function tlsFailureError(e: Error & { code?: string }, prefix: string, address: string, checkedName: string): KafkaTlsError {
  const f = describeTlsFailure(e, { address, checkedName });
  return new KafkaTlsError(`${prefix}: ${f.message}`, { broker: address, cause: e }, f.retriable);
}
