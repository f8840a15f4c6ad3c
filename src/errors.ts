/**
 * The error hierarchy of kafkawire. Every error the library throws or rejects
 * with is a KafkaError; `retriable` says whether trying the same thing again
 * may succeed (the Java client's RetriableException split).
 */
import { ERROR_TABLE } from './messages/generated/error-codes.js';

const errorNames = new Map<number, string>(ERROR_TABLE.map(([code, name]) => [code, name]));

export interface KafkaErrorContext {
  /** Kafka API name, e.g. "Fetch". */
  api?: string;
  /** API version in use. */
  version?: number;
  /** Broker node id, or an address such as "127.0.0.1:9092". */
  broker?: string | number;
  topic?: string;
  partition?: number;
  offset?: bigint;
  /** Underlying error, when one caused this one. */
  cause?: unknown;
}

export class KafkaError extends Error {
  readonly retriable: boolean;
  readonly context: KafkaErrorContext;

  constructor(message: string, retriable: boolean, context: KafkaErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.retriable = retriable;
    this.context = context;
  }
}

/**
 * Bytes that do not follow the Kafka protocol: truncated, over-long, a count
 * that does not fit the bytes left, a bad header. Names the API, version,
 * field path and byte offset where decoding stopped.
 */
export class KafkaProtocolError extends KafkaError {
  readonly fieldPath: string | undefined;
  readonly byteOffset: number | undefined;

  constructor(
    message: string,
    details: KafkaErrorContext & { fieldPath?: string; byteOffset?: number } = {},
  ) {
    const where: string[] = [];
    if (details.api !== undefined) where.push(`${details.api} v${details.version ?? '?'}`);
    if (details.fieldPath) where.push(`field ${details.fieldPath}`);
    if (details.byteOffset !== undefined) where.push(`byte ${details.byteOffset}`);
    super(where.length ? `${message} (${where.join(', ')})` : message, false, details);
    this.fieldPath = details.fieldPath;
    this.byteOffset = details.byteOffset;
  }
}

/** A record batch whose checksum does not match its bytes. */
export class CorruptRecordError extends KafkaError {
  constructor(message: string, context: KafkaErrorContext = {}) {
    const where: string[] = [];
    if (context.topic !== undefined) where.push(`topic ${context.topic}`);
    if (context.partition !== undefined) where.push(`partition ${context.partition}`);
    if (context.offset !== undefined) where.push(`offset ${context.offset}`);
    super(where.length ? `${message} (${where.join(', ')})` : message, false, context);
  }
}

/** A compression codec that is unknown, or not available on this Node.js. */
export class UnsupportedCompressionError extends KafkaError {
  constructor(message: string, context: KafkaErrorContext = {}) {
    super(message, false, context);
  }
}

/** The broker and kafkawire share no version of an API. */
export class UnsupportedVersionError extends KafkaError {
  constructor(message: string, context: KafkaErrorContext = {}) {
    super(message, false, context);
  }
}

/** A user passed an option or argument that cannot work. */
export class KafkaConfigError extends KafkaError {
  constructor(message: string) {
    super(message, false);
  }
}

/**
 * A connection could not be made or was lost. Names the address, whether it
 * was a bootstrap address or a broker's advertised one, and what to check.
 */
export class KafkaConnectionError extends KafkaError {
  constructor(message: string, context: KafkaErrorContext = {}, retriable = true) {
    super(message, retriable, context);
  }
}

/** A request got no answer within requestTimeoutMs. */
export class KafkaTimeoutError extends KafkaError {
  constructor(message: string, context: KafkaErrorContext = {}) {
    super(message, true, context);
  }
}

/**
 * A TLS problem while connecting: the broker's certificate is not trusted,
 * does not name the host, or the port does not speak TLS. Still a
 * KafkaConnectionError; the message says what to check (ca, servername, that
 * the port is a TLS listener). Certificate problems are not retriable.
 */
export class KafkaTlsError extends KafkaConnectionError {}

/**
 * The broker refused this client's identity (SASL): wrong credentials, a
 * mechanism the listener does not enable, or a broker answer kafkawire could
 * not accept (e.g. a SCRAM server signature that does not verify). Never
 * retriable: trying again with the same credentials fails the same way, so a
 * connection pool must surface it instead of reconnecting.
 */
export class KafkaAuthenticationError extends KafkaError {
  /** The SASL mechanism in use, e.g. SCRAM-SHA-256. */
  readonly mechanism: string | undefined;

  constructor(message: string, context: KafkaErrorContext & { mechanism?: string } = {}) {
    super(message, false, context);
    this.mechanism = context.mechanism;
  }
}

/**
 * An error code a broker returned: `code`, `errorName` (e.g.
 * NOT_LEADER_OR_FOLLOWER), and context. Made by `errorFor()`, which picks the
 * subclass (KafkaAuthorizationError) where one fits.
 */
export class KafkaBrokerError extends KafkaError {
  readonly code: number;
  readonly errorName: string;

  constructor(code: number, message: string, retriable: boolean, context: KafkaErrorContext = {}) {
    super(message, retriable, context);
    this.code = code;
    this.errorName = errorNames.get(code) ?? `UNKNOWN_ERROR_CODE_${code}`;
  }
}

/** True for the broker codes that mean "not allowed" (TOPIC_AUTHORIZATION_FAILED and the other *_AUTHORIZATION_FAILED). */
export function isAuthorizationCode(code: number): boolean {
  return errorNames.get(code)?.endsWith('_AUTHORIZATION_FAILED') ?? false;
}

/**
 * The client is authenticated but not allowed to do what it asked (ACLs): a
 * broker answered one of the *_AUTHORIZATION_FAILED codes, kept in `code` and
 * `errorName` as in every KafkaBrokerError. Not retriable: the same request
 * fails until someone changes the ACLs.
 */
export class KafkaAuthorizationError extends KafkaBrokerError {
  constructor(code: number, message: string, context: KafkaErrorContext = {}) {
    super(code, message, false, context);
  }

  /**
   * A KafkaBrokerError built directly (not through errorFor) with an
   * authorization code is one too, so that `instanceof` never depends on
   * which module turned the code into an error.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    const own = Function.prototype[Symbol.hasInstance].call(this, value);
    if (this !== KafkaAuthorizationError) return own;
    return own || (value instanceof KafkaBrokerError && isAuthorizationCode(value.code));
  }
}
