// kafkawire check: a connectivity diagnosis, one step at a time, each ok or
// FAILED with its cause and what to check.
import { KafkaAuthenticationError, KafkaConnectionError, KafkaProtocolError, KafkaTlsError } from '../../errors.js';
import type { ConsumerRecord } from '../../consumer/completed-fetch.js';
import { KafkaBrokerError } from '../../messages/error-codes.js';
import type { MetadataResponse } from '../../messages/generated/index.js';
import { api as apiNamed, type ApiName } from '../../messages/registry.js';
import { parseBootstrap, formatAddress } from '../../network/address.js';
import { Connection } from '../../network/connection.js';
import { identifyPeer, resolve, tcpConnect } from '../check-probe.js';
import type { Cli, Command } from '../cli.js';
import { EXIT, isDenied } from '../exit-codes.js';

type Category = 'network' | 'denied' | 'other';
interface Step {
  step: string;
  ok: boolean;
  detail: string;
  cause?: string;
  check?: string;
  category?: Category;
}

const NETWORK_HINT = 'the address and port, that a broker runs there, and the network path from this host (firewalls, security groups, IP allowlists)';

export const check: Command = {
  name: 'check',
  summary: 'diagnose connectivity: DNS, TCP, Kafka handshake, metadata, every advertised broker (and with --topic, a produce and read-back)',
  usage: ['check [--topic <t>] [--timeout-ms <ms>]'],
  options: {
    topic: { type: 'string', valueName: 't', description: 'also produce one record to this topic and read it back' },
    'timeout-ms': { type: 'string', valueName: 'ms', description: 'limit for each connection and request (default 10000)' },
  },
  notes: 'Exit code 0 when every step passed; otherwise that of the first failure (3 network, 4 denied, 1 other).',
  async run(cli: Cli): Promise<number> {
    cli.expectArgs(0);
    const timeoutMs = cli.int('timeout-ms', 10_000)!;
    const steps: Step[] = [];
    const report = (s: Step) => {
      steps.push(s);
      if (cli.json) return;
      cli.print(`${s.ok ? 'ok    ' : 'FAILED'}  ${s.step}: ${s.detail}`);
      if (s.cause) cli.print(`        cause: ${s.cause}`);
      if (s.check) cli.print(`        check: ${s.check}`);
    };
    const connOpts = { clientId: 'kafkawire-check', connectTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs, tls: cli.settings.tls, sasl: cli.settings.sasl };
    const tlsOn = !!cli.settings.tls;

    /** Resolve, TCP, then the Kafka handshake (ApiVersions, TLS, SASL); returns the connection or null. */
    const probe = async (host: string, port: number, label: string, advertised: boolean): Promise<Connection | null> => {
      const addr = formatAddress({ host, port });
      const where = advertised
        ? `the cluster answered through the bootstrap servers, but ${label} advertises ${addr} (advertised.listeners), which does not work from this host: fix the broker's advertised.listeners, or the DNS name / network path to that address`
        : NETWORK_HINT;
      let ips: string[];
      try {
        ips = await resolve(host);
        if (!advertised || !ips.includes(host)) report({ step: `resolve ${label}`, ok: true, detail: `${host} → ${ips.join(', ')}` });
      } catch (e) {
        report({ step: `resolve ${label}`, ok: false, detail: `${host} does not resolve`, cause: (e as NodeJS.ErrnoException).code ?? String(e), check: advertised ? where : `the host name ${host} and this host's DNS`, category: 'network' });
        return null;
      }
      try {
        const ms = await tcpConnect(ips[0]!, port, timeoutMs);
        report({ step: `connect ${label}`, ok: true, detail: `TCP to ${formatAddress({ host: ips[0]!, port })} in ${ms} ms` });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const cause = code === 'ECONNREFUSED' ? 'connection refused: nothing listens on that port' : code === 'ETIMEDOUT' ? `no answer within ${timeoutMs} ms: packets are dropped on the way` : (code ?? (e as Error).message);
        report({ step: `connect ${label}`, ok: false, detail: `TCP to ${addr} failed`, cause, check: where, category: 'network' });
        return null;
      }
      try {
        const c = await Connection.open({ ...connOpts, host, port, role: advertised ? { kind: 'broker', nodeId: Number(label.split(' ')[1]) } : { kind: 'bootstrap' } });
        report({ step: `kafka ${label}`, ok: true, detail: `${tlsOn ? 'TLS, ' : ''}${cli.settings.sasl ? `SASL ${cli.settings.sasl.mechanism} as ${cli.settings.sasl.username}, ` : ''}ApiVersions: ${versionSummary(c)}` });
        return c;
      } catch (e) {
        report(await handshakeFailure(e as Error, host, port, label, tlsOn, !!cli.settings.sasl, timeoutMs));
        return null;
      }
    };

    const bootstrap = parseBootstrap(cli.bootstrap);
    let md: MetadataResponse | null = null;
    const open: Connection[] = [];
    try {
      for (const b of bootstrap) {
        const c = await probe(b.host, b.port, `bootstrap ${formatAddress(b)}`, false);
        if (!c) continue;
        open.push(c);
        if (md) continue;
        try {
          md = await c.request<MetadataResponse>('Metadata', { topics: [], allowAutoTopicCreation: false });
          const brokers = md.brokers.map((x) => `${x.nodeId}=${formatAddress(x)}`).join(', ');
          report({ step: 'metadata', ok: true, detail: `cluster ${md.clusterId ?? '?'}, controller ${md.controllerId}, ${md.brokers.length} broker(s): ${brokers}` });
        } catch (e) {
          // A SASL listener answers ApiVersions to anyone, then drops a connection that did not log in.
          const saslListener = !cli.settings.sasl && e instanceof KafkaConnectionError;
          report({
            step: 'metadata',
            ok: false,
            detail: `Metadata from ${formatAddress(b)} failed`,
            cause: (e as Error).message,
            check: isDenied(e)
              ? 'the ACLs of this principal (DESCRIBE on the cluster/topics)'
              : saslListener
                ? 'the broker closed the connection after ApiVersions, as a SASL listener does with clients that do not log in: add --sasl-mechanism/--sasl-username/--sasl-password (or sasl.* in --config)'
                : 'the broker log',
            category: isDenied(e) || saslListener ? 'denied' : 'other',
          });
        }
      }
      if (md) {
        for (const b of [...md.brokers].sort((x, y) => x.nodeId - y.nodeId)) {
          const c = await probe(b.host, b.port, `broker ${b.nodeId} ${formatAddress(b)}`, true);
          if (c) open.push(c);
        }
      }
    } finally {
      for (const c of open) c.close();
    }
    const topic = cli.str('topic');
    if (topic && md && steps.every((s) => s.ok)) await roundTrip(cli, topic, timeoutMs, report);

    const failed = steps.filter((s) => !s.ok);
    if (cli.json) cli.printJson({ ok: failed.length === 0, steps });
    else cli.print(failed.length === 0 ? 'all checks passed' : `${failed.length} check(s) failed`);
    const first = failed[0];
    if (!first) return EXIT.OK;
    return first.category === 'network' ? EXIT.UNREACHABLE : first.category === 'denied' ? EXIT.DENIED : EXIT.FAILED;
  },
};

function versionSummary(c: Connection): string {
  const show: ApiName[] = ['Produce', 'Fetch', 'Metadata', 'OffsetCommit', 'JoinGroup', 'ConsumerGroupHeartbeat'];
  const parts = show.flatMap((n) => {
    const r = c.brokerVersions.get(apiNamed(n).key);
    return r ? [`${n} v${r.minVersion}-${r.maxVersion}`] : [];
  });
  return `${c.brokerVersions.size} APIs (${parts.join(', ')})${c.brokerVersions.has(apiNamed('ConsumerGroupHeartbeat').key) ? '; KIP-848 consumer groups available' : ''}`;
}

async function handshakeFailure(e: Error, host: string, port: number, label: string, tlsOn: boolean, saslOn: boolean, timeoutMs: number): Promise<Step> {
  const step = `kafka ${label}`;
  if (e instanceof KafkaAuthenticationError) {
    return { step, ok: false, detail: 'SASL login refused', cause: e.message, check: 'the SASL mechanism, user name and password (--sasl-*, or sasl.mechanism / sasl.jaas.config), and that this port is a SASL listener', category: 'denied' };
  }
  if (e instanceof KafkaTlsError) {
    return { step, ok: false, detail: 'TLS handshake failed', cause: e.message, check: 'the CA (--tls-ca or ssl.truststore.location), the certificate\'s names, and that this port is a TLS listener', category: 'network' };
  }
  // The port accepted TCP but the Kafka handshake failed: look at what answers there.
  const peer = tlsOn ? 'unknown' : await identifyPeer(host, port, Math.min(timeoutMs, 3000));
  if (peer.startsWith('http:')) {
    return { step, ok: false, detail: `an HTTP server answers on this port, not Kafka (it said "${peer.slice(5)}")`, cause: e.message, check: 'the port: this is a web service (an HTTP proxy, a REST or UI port), not a Kafka listener', category: 'network' };
  }
  if (peer === 'tls') {
    return { step, ok: false, detail: 'this port speaks TLS', cause: e.message, check: 'add --tls (security.protocol=SSL or SASL_SSL) for a TLS listener', category: 'network' };
  }
  if (peer === 'ssh') return { step, ok: false, detail: 'an SSH server answers on this port, not Kafka', cause: e.message, check: 'the port number', category: 'network' };
  if (e instanceof KafkaProtocolError || peer === 'unknown') {
    return { step, ok: false, detail: 'the port answered, but not with the Kafka protocol', cause: e.message, check: `that ${formatAddress({ host, port })} is a Kafka listener (not another service or a proxy)${tlsOn ? ', and whether it is a TLS listener at all' : ', and whether it needs --tls'}`, category: 'network' };
  }
  if (e instanceof KafkaBrokerError && saslOn) {
    return { step, ok: false, detail: 'SASL handshake failed', cause: e.message, check: 'that this port is a SASL listener and enables the mechanism', category: 'denied' };
  }
  const silent = peer === 'silent';
  return {
    step,
    ok: false,
    detail: silent ? 'the port accepted the connection but never answered' : 'the connection closed during the Kafka handshake',
    cause: e.message,
    check: silent ? 'whether this is a TLS listener (add --tls), or a firewall/proxy that holds connections open' : `that this port is a Kafka listener${saslOn ? '' : ' (a SASL listener needs --sasl-* options)'}${tlsOn ? '' : ' and whether it needs --tls'}`,
    category: e instanceof KafkaConnectionError ? 'network' : 'other',
  };
}

/** Produces one record and reads it back with a Consumer. */
async function roundTrip(cli: Cli, topic: string, timeoutMs: number, report: (s: Step) => void): Promise<void> {
  const value = `kafkawire check ${new Date().toISOString()} ${Math.random().toString(36).slice(2)}`;
  const producer = await cli.producer({ maxBlockMs: timeoutMs, deliveryTimeoutMs: Math.max(timeoutMs, 5000 + timeoutMs), requestTimeoutMs: timeoutMs, lingerMs: 0 });
  let partition: number;
  let offset: bigint;
  try {
    const md = await producer.send({ topic, value, key: 'kafkawire-check' });
    partition = md.partition;
    offset = md.offset;
    report({ step: `produce ${topic}`, ok: true, detail: `partition ${partition}, offset ${offset}` });
  } catch (e) {
    const denied = isDenied(e);
    report({ step: `produce ${topic}`, ok: false, detail: 'the record was not written', cause: (e as Error).message, check: denied ? `the ACLs of this principal: WRITE (and DESCRIBE) on topic ${topic}` : `that topic ${topic} exists, and the brokers' logs`, category: denied ? 'denied' : 'other' });
    return;
  } finally {
    await producer.close({ timeoutMs: 2000 }).catch(() => undefined);
  }
  // Read it back as an application would: a Consumer assigned the partition, sought to the offset.
  const consumer = await cli.consumer({ groupId: null, clientId: 'kafkawire-check', autoOffsetReset: 'none', maxPollRecords: 1, requestTimeoutMs: timeoutMs, defaultApiTimeoutMs: timeoutMs, socketConnectionSetupTimeoutMs: timeoutMs });
  try {
    const tp = { topic, partition };
    consumer.assign([tp]);
    consumer.seek(tp, offset);
    const deadline = Date.now() + timeoutMs;
    let found: ConsumerRecord | undefined;
    while (!found && Date.now() < deadline) [found] = await consumer.poll(Math.max(0, Math.min(500, deadline - Date.now())));
    if (found && found.offset === offset && found.value?.toString('utf8') === value) report({ step: `read back ${topic}`, ok: true, detail: `partition ${partition}, offset ${offset}: the same record` });
    else report({ step: `read back ${topic}`, ok: false, detail: found ? `offset ${offset} holds a different record` : `offset ${offset} was not returned within ${timeoutMs} ms`, check: 'the brokers\' logs, and that the partition leader is reachable', category: 'other' });
  } catch (e) {
    const denied = isDenied(e);
    report({ step: `read back ${topic}`, ok: false, detail: 'reading the record failed', cause: (e as Error).message, check: denied ? `the ACLs of this principal: READ (and DESCRIBE) on topic ${topic}` : 'the brokers\' logs', category: denied ? 'denied' : 'other' });
  } finally {
    await consumer.close({ timeoutMs: 2000 });
  }
}
