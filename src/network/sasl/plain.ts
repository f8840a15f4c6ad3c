// SASL PLAIN (RFC 4616): one message, [authzid] NUL authcid NUL passwd, in
// UTF-8. kafkawire never sends an authorization identity, so the message
// starts with the NUL separator.
import { KafkaConfigError } from '../../errors.js';
import type { SaslMechanismSession } from './index.js';

/** The single PLAIN message for a user and password. */
export function plainMessage(username: string, password: string): Buffer {
  if (username.includes('\0') || password.includes('\0')) {
    throw new KafkaConfigError('SASL PLAIN: the username and password must not contain a NUL character');
  }
  return Buffer.from(`\0${username}\0${password}`, 'utf8');
}

export function plainSession(username: string, password: string): SaslMechanismSession {
  const message = plainMessage(username, password);
  return {
    start: () => message,
    // The broker's answer to PLAIN carries no data; success means we are done.
    next: () => null,
  };
}
