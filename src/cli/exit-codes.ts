// The CLI's exit codes (listed in `kafkawire --help`), and which error gives which.
import { KafkaAuthenticationError, KafkaAuthorizationError, KafkaConfigError, KafkaConnectionError, KafkaError, KafkaTimeoutError } from '../errors.js';
import { KafkaBrokerError } from '../messages/error-codes.js';

export const EXIT = {
  OK: 0,
  /** The command ran but something failed: a broker error, a record not delivered, a check step that failed. */
  FAILED: 1,
  /** Bad arguments, options or --config file. */
  USAGE: 2,
  /** The cluster could not be reached: no bootstrap server answered, TLS failed, timeouts. */
  UNREACHABLE: 3,
  /** The broker refused the login (SASL) or the principal lacks ACLs. */
  DENIED: 4,
  /** Interrupted (Ctrl-C). */
  INTERRUPTED: 130,
} as const;

export const EXIT_HELP = `Exit codes:
  0    success
  1    the command failed (a broker error, a record not delivered, a check step failed)
  2    usage: a bad argument, option or --config file
  3    the cluster could not be reached (no bootstrap server answered, TLS failed, timed out)
  4    denied: SASL login refused, or not authorized (ACLs)
  130  interrupted`;

export function isDenied(e: unknown): boolean {
  return e instanceof KafkaAuthenticationError || e instanceof KafkaAuthorizationError || (e instanceof KafkaBrokerError && /AUTHORIZATION_FAILED|SASL_AUTHENTICATION_FAILED/.test(e.errorName));
}

export function exitCodeFor(e: unknown): number {
  if (e instanceof KafkaConfigError) return EXIT.USAGE;
  if (isDenied(e)) return EXIT.DENIED;
  if (e instanceof KafkaConnectionError || e instanceof KafkaTimeoutError) return EXIT.UNREACHABLE;
  if (e instanceof KafkaError && e.context.cause !== undefined && e.context.cause !== e) return exitCodeFor(e.context.cause) === EXIT.DENIED ? EXIT.DENIED : EXIT.FAILED;
  return EXIT.FAILED;
}
