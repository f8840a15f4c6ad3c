import { describeValue } from '../config-checks.js';
import { KafkaConfigError } from '../errors.js';

export interface BrokerAddress {
  host: string;
  port: number;
}

/**
 * Parses "host:port", "[v6::addr]:port" or a bare IPv4/name with port. An IPv6
 * literal must be bracketed, as in the Java client, since its colons would
 * otherwise be ambiguous.
 */
export function parseAddress(text: string): BrokerAddress {
  const s = text.trim();
  const m = /^\[([0-9a-fA-F:.%a-zA-Z]+)\]:(\d+)$/.exec(s) ?? /^([^:[\]\s]+):(\d+)$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port > 0 && port < 65536)) {
    throw new KafkaConfigError(`invalid broker address ${JSON.stringify(text)}: expected host:port, or [ipv6]:port for an IPv6 literal`);
  }
  return { host: m[1] as string, port };
}

export function parseBootstrap(servers: string | string[]): BrokerAddress[] {
  // Options often come from untyped config (JSON, environment): a wrong type is a config error, not a TypeError.
  const items: unknown[] = Array.isArray(servers) ? servers : typeof servers === 'string' ? servers.split(',') : [servers];
  const wrong = items.findIndex((s) => typeof s !== 'string');
  if (wrong >= 0) {
    const what = Array.isArray(servers) ? `element ${wrong}: ${describeValue(items[wrong])}` : describeValue(servers);
    throw new KafkaConfigError(`bootstrapServers must be "host:port,host:port" or an array of "host:port" strings; got ${what}`);
  }
  const list = (items as string[]).map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new KafkaConfigError('bootstrapServers is empty: give at least one host:port');
  return list.map(parseAddress);
}

export function formatAddress(a: BrokerAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
