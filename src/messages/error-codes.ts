// Broker error codes turned into typed errors with a message a user can act on.
import { isAuthorizationCode, KafkaAuthorizationError, KafkaBrokerError, type KafkaErrorContext } from '../errors.js';
import { ERROR_TABLE } from './generated/error-codes.js';
export { ErrorCode, type ErrorCodeName } from './generated/error-codes.js';
// The class lives in errors.ts with the rest of the hierarchy; re-exported here, where the codes are.
export { KafkaBrokerError };

const byCode = new Map<number, { name: string; retriable: boolean }>(ERROR_TABLE.map(([code, name, retriable]) => [code, { name, retriable }]));

export function errorName(code: number): string {
  return byCode.get(code)?.name ?? `UNKNOWN_ERROR_CODE_${code}`;
}

export function isRetriable(code: number): boolean {
  return byCode.get(code)?.retriable ?? false;
}

/** What to check, for the errors people most often meet. */
function hint(name: string, ctx: KafkaErrorContext): string {
  const topic = ctx.topic === undefined ? 'the topic' : `topic ${ctx.topic}`;
  switch (name) {
    case 'UNKNOWN_TOPIC_OR_PARTITION':
      return `${topic} does not exist on this cluster (check its name, or create it; brokers here may not create topics automatically)`;
    case 'TOPIC_AUTHORIZATION_FAILED':
      return `this client is not authorized for ${topic}: an authorization problem (ACLs for this principal, or an allowlist), not a network one`;
    case 'GROUP_AUTHORIZATION_FAILED':
      return 'this client is not authorized for the consumer group: check the ACLs of this principal';
    case 'CLUSTER_AUTHORIZATION_FAILED':
      return 'this client is not authorized for a cluster-level operation: check the ACLs of this principal';
    case 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED':
      return 'this client is not authorized for its transactionalId: check the ACLs of this principal';
    case 'SASL_AUTHENTICATION_FAILED':
      return 'the broker rejected the credentials: check the username, password and SASL mechanism';
    case 'NOT_LEADER_OR_FOLLOWER':
      return 'leadership moved; the client refreshes metadata and retries';
    case 'UNSUPPORTED_VERSION':
      return 'the broker does not support this API version';
    default:
      return name.endsWith('_AUTHORIZATION_FAILED') ? 'this client is not authorized for this operation: check the ACLs of this principal' : '';
  }
}

/** A typed error for a broker error code (code must not be 0); a KafkaAuthorizationError for the *_AUTHORIZATION_FAILED codes. */
export function errorFor(code: number, ctx: KafkaErrorContext = {}, brokerMessage?: string | null): KafkaBrokerError {
  const name = errorName(code);
  const where = [ctx.api && `${ctx.api}${ctx.version === undefined ? '' : ` v${ctx.version}`}`, ctx.broker !== undefined && `broker ${ctx.broker}`, ctx.topic !== undefined && `topic ${ctx.topic}`, ctx.partition !== undefined && `partition ${ctx.partition}`]
    .filter(Boolean)
    .join(', ');
  const h = hint(name, ctx);
  const msg = `${name} (error code ${code})${where ? ` from ${where}` : ''}${brokerMessage ? `: ${brokerMessage}` : ''}${h ? ` — ${h}` : ''}`;
  if (isAuthorizationCode(code)) return new KafkaAuthorizationError(code, msg, ctx);
  return new KafkaBrokerError(code, msg, isRetriable(code), ctx);
}
