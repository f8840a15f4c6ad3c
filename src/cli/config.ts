// Client settings for the CLI: Java client property names (from --config
// files, --producer-props, ...) turned into kafkawire options, then the
// command-line flags on top.
import fs from 'node:fs';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { AdminOptions } from '../admin/admin.js';
import { KafkaConfigError } from '../errors.js';
import type { SaslOptions } from '../network/sasl/index.js';
import type { ProducerOptions } from '../producer/options.js';
import { CONSUMER_PROPERTIES } from './consumer-config.js';
import { parseProperties } from './properties.js';

type Kind = 'int' | 'bool' | 'string';
/** Java property → kafkawire option, for the producer and the Admin (shared ones are set on both). */
const PRODUCER: Record<string, [keyof ProducerOptions, Kind]> = {
  acks: ['acks', 'string'],
  'compression.type': ['compressionType', 'string'],
  'linger.ms': ['lingerMs', 'int'],
  'batch.size': ['batchSize', 'int'],
  'buffer.memory': ['bufferMemory', 'int'],
  'max.block.ms': ['maxBlockMs', 'int'],
  'delivery.timeout.ms': ['deliveryTimeoutMs', 'int'],
  retries: ['retries', 'int'],
  'enable.idempotence': ['enableIdempotence', 'bool'],
  'max.in.flight.requests.per.connection': ['maxInFlightRequestsPerConnection', 'int'],
  'max.request.size': ['maxRequestSize', 'int'],
  'metadata.max.age.ms': ['metadataMaxAgeMs', 'int'],
  'partitioner.ignore.keys': ['partitionerIgnoreKeys', 'bool'],
  'transactional.id': ['transactionalId', 'string'],
  'transaction.timeout.ms': ['transactionTimeoutMs', 'int'],
};
const ADMIN: Record<string, [keyof AdminOptions, Kind]> = {
  'default.api.timeout.ms': ['defaultApiTimeoutMs', 'int'],
};
const COMMON: Record<string, [keyof AdminOptions & keyof ProducerOptions, Kind]> = {
  'client.id': ['clientId', 'string'],
  'request.timeout.ms': ['requestTimeoutMs', 'int'],
  'retry.backoff.ms': ['retryBackoffMs', 'int'],
  'retry.backoff.max.ms': ['retryBackoffMaxMs', 'int'],
  'connections.max.idle.ms': ['connectionsMaxIdleMs', 'int'],
  'reconnect.backoff.ms': ['reconnectBackoffMs', 'int'],
  'reconnect.backoff.max.ms': ['reconnectBackoffMaxMs', 'int'],
  'socket.connection.setup.timeout.ms': ['socketConnectionSetupTimeoutMs', 'int'],
  'socket.connection.setup.timeout.max.ms': ['socketConnectionSetupTimeoutMaxMs', 'int'],
};
/** Security and address properties, handled by hand below. */
const SECURITY = new Set([
  'bootstrap.servers',
  'security.protocol',
  'ssl.truststore.location',
  'ssl.truststore.type',
  'ssl.truststore.certificates',
  'ssl.keystore.location',
  'ssl.keystore.type',
  'ssl.key.password',
  'ssl.keystore.password',
  'ssl.truststore.password',
  'ssl.endpoint.identification.algorithm',
  'sasl.mechanism',
  'sasl.jaas.config',
]);
/** Java-only properties that have no meaning here: accepted quietly. */
const IGNORED = new Set(['key.serializer', 'value.serializer', 'interceptor.classes', 'metric.reporters', 'metrics.num.samples', 'metrics.sample.window.ms', 'metrics.recording.level', 'auto.include.jmx.reporter', 'send.buffer.bytes', 'receive.buffer.bytes', 'client.dns.lookup']);

export interface ClientSettings {
  bootstrapServers?: string;
  tls?: boolean | TlsConnectionOptions;
  sasl?: SaslOptions;
  producer: Partial<ProducerOptions>;
  admin: Partial<AdminOptions>;
  /** Consumer properties by Java name (shared ones such as client.id included), for the consumer commands. */
  consumer: Record<string, string>;
  /** One line per property that was not understood. */
  warnings: string[];
}

function convert(name: string, value: string, kind: Kind, where: string): unknown {
  if (kind === 'string') return value;
  if (kind === 'bool') {
    if (value !== 'true' && value !== 'false') throw new KafkaConfigError(`${name}=${value} in ${where}: expected true or false`);
    return value === 'true';
  }
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new KafkaConfigError(`${name}=${value} in ${where}: expected a number`);
  return n;
}

/** Reads the username and password out of a PlainLoginModule or ScramLoginModule JAAS line. */
export function parseJaas(text: string, where: string): { username: string; password: string } {
  const m = /^\s*(\S+)\s+required\b(.*?);?\s*$/s.exec(text);
  if (!m) throw new KafkaConfigError(`sasl.jaas.config in ${where} is not of the form "<LoginModule> required username=\\"...\\" password=\\"...\\";"`);
  const module = m[1]!;
  if (!/PlainLoginModule|ScramLoginModule/.test(module)) {
    throw new KafkaConfigError(`sasl.jaas.config in ${where} uses ${module}; kafkawire's CLI reads PlainLoginModule and ScramLoginModule (username and password) only`);
  }
  const opts: Record<string, string> = {};
  for (const o of m[2]!.matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;]+))/g)) opts[o[1]!] = (o[2] ?? o[3] ?? '').replace(/\\(.)/g, '$1');
  if (opts.username === undefined || opts.password === undefined) throw new KafkaConfigError(`sasl.jaas.config in ${where} needs username="..." and password="..."`);
  return { username: opts.username, password: opts.password };
}

/** Applies Java client properties; `where` names their source in messages. */
export function applyProperties(s: ClientSettings, props: Map<string, string>, where: string): void {
  const get = (k: string) => props.get(k);
  for (const [name, value] of props) {
    // Consumer properties (the shared ones included) are kept by Java name for the consumer commands.
    if (name in CONSUMER_PROPERTIES) s.consumer[name] = value;
    if (name in PRODUCER) {
      const [opt, kind] = PRODUCER[name]!;
      let v = convert(name, value, kind, where);
      if (name === 'acks') v = value === 'all' ? 'all' : convert(name, value, 'int', where);
      (s.producer as Record<string, unknown>)[opt] = v;
    } else if (name in ADMIN) {
      const [opt, kind] = ADMIN[name]!;
      (s.admin as Record<string, unknown>)[opt] = convert(name, value, kind, where);
    } else if (name in COMMON) {
      const [opt, kind] = COMMON[name]!;
      const v = convert(name, value, kind, where);
      (s.producer as Record<string, unknown>)[opt] = v;
      (s.admin as Record<string, unknown>)[opt] = v;
    } else if (name in CONSUMER_PROPERTIES) {
      // kept above
    } else if (!SECURITY.has(name) && !IGNORED.has(name)) {
      s.warnings.push(`unknown property ${name} in ${where} (ignored)`);
    }
  }
  const servers = get('bootstrap.servers');
  if (servers !== undefined) s.bootstrapServers = servers;
  const protocol = get('security.protocol')?.toUpperCase();
  if (protocol !== undefined && !['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'].includes(protocol)) {
    throw new KafkaConfigError(`security.protocol=${protocol} in ${where}: expected PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL`);
  }
  if (protocol === 'SSL' || protocol === 'SASL_SSL') s.tls = s.tls && typeof s.tls === 'object' ? s.tls : {};
  if (protocol === 'PLAINTEXT' || protocol === 'SASL_PLAINTEXT') s.tls = undefined;
  const tlsOpts = (): TlsConnectionOptions => (s.tls && typeof s.tls === 'object' ? s.tls : (s.tls = {}));
  const trustType = get('ssl.truststore.type')?.toUpperCase();
  const trust = get('ssl.truststore.location');
  if (trust !== undefined) {
    if (trustType !== undefined && trustType !== 'PEM') {
      throw new KafkaConfigError(`ssl.truststore.type=${trustType} in ${where}: kafkawire reads PEM trust stores only (convert a JKS/PKCS12 store with keytool and openssl)`);
    }
    try {
      tlsOpts().ca = fs.readFileSync(trust, 'utf8');
    } catch (e) {
      throw new KafkaConfigError(`ssl.truststore.location=${trust} in ${where}: cannot read it (${(e as Error).message})`);
    }
  }
  const inlineCerts = get('ssl.truststore.certificates');
  if (inlineCerts !== undefined) tlsOpts().ca = inlineCerts;
  const keystore = get('ssl.keystore.location');
  if (keystore !== undefined) {
    const type = get('ssl.keystore.type')?.toUpperCase();
    if (type !== 'PEM') throw new KafkaConfigError(`ssl.keystore.location in ${where}: kafkawire reads PEM key stores only (ssl.keystore.type=PEM, certificate and key in one file)`);
    try {
      const pem = fs.readFileSync(keystore, 'utf8');
      Object.assign(tlsOpts(), { cert: pem, key: pem, passphrase: get('ssl.key.password') });
    } catch (e) {
      throw new KafkaConfigError(`ssl.keystore.location=${keystore} in ${where}: cannot read it (${(e as Error).message})`);
    }
  }
  if (get('ssl.endpoint.identification.algorithm') === '') tlsOpts().checkServerIdentity = () => undefined;
  const mechanism = get('sasl.mechanism')?.toUpperCase();
  const jaas = get('sasl.jaas.config');
  if (protocol?.startsWith('SASL_') || mechanism !== undefined || jaas !== undefined) {
    const mech = (mechanism ?? s.sasl?.mechanism ?? 'GSSAPI') as SaslOptions['mechanism'];
    if (!['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'].includes(mech)) {
      throw new KafkaConfigError(`sasl.mechanism=${mech} in ${where}: the CLI supports PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 (GSSAPI is Java's default; set sasl.mechanism)`);
    }
    const creds = jaas !== undefined ? parseJaas(jaas, where) : { username: s.sasl?.username ?? '', password: s.sasl?.password ?? '' };
    s.sasl = { mechanism: mech, ...creds };
  }
}

export function readPropertiesFile(file: string): Map<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new KafkaConfigError(`cannot read --config ${file}: ${(e as Error).message}`);
  }
  return parseProperties(text);
}

/** `k=v` arguments (--producer-props, --config-entry) as properties. */
export function keyValues(items: string[], flag: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const it of items) {
    const i = it.indexOf('=');
    if (i <= 0) throw new KafkaConfigError(`${flag} ${JSON.stringify(it)}: expected key=value`);
    m.set(it.slice(0, i), it.slice(i + 1));
  }
  return m;
}

export function emptySettings(): ClientSettings {
  return { producer: {}, admin: {}, consumer: {}, warnings: [] };
}
