// kafkawire check as a child process: a healthy cluster (with a produce and
// read-back), a closed port, an HTTP server, a broker whose advertised
// address is unreachable, and wrong SASL credentials — each diagnosed, with
// a non-zero exit code where something is wrong.
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../kafka/cluster.mjs';
import { createTopic, describeKafka, firstAddress, kafka, uniqueTopic } from '../kafka.js';
import { buildCli, cleanCli, kafkawire } from './run.js';

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describeKafka('kafkawire check', () => {
  beforeAll(() => buildCli(), 180_000);
  afterAll(() => cleanCli());

  it('a healthy cluster: every step ok, the broker version range, a record produced and read back; exit 0', async () => {
    const topic = uniqueTopic('cli-check');
    await createTopic(topic, 1);
    const r = await kafkawire(['check', '--bootstrap', kafka.bootstrap, '--topic', topic]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const brokers = kafka.bootstrap.split(',');
    for (const b of brokers) {
      expect(r.stdout).toMatch(new RegExp(`^ok +connect bootstrap ${b}: TCP`, 'm'));
      expect(r.stdout).toMatch(new RegExp(`^ok +kafka bootstrap ${b}: ApiVersions: \\d+ APIs \\(Produce v\\d+-\\d+, Fetch v\\d+-\\d+, Metadata v\\d+-\\d+`, 'm'));
      expect(r.stdout).toMatch(new RegExp(`^ok +kafka broker \\d+ ${b}:`, 'm'));
    }
    expect(r.stdout).toMatch(new RegExp(`^ok +metadata: cluster \\S+, controller \\d+, ${brokers.length} broker\\(s\\)`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^ok +produce ${topic}: partition 0, offset 0$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^ok +read back ${topic}: partition 0, offset 0: the same record$`, 'm'));
    expect(r.stdout.trim().split('\n').at(-1)).toBe('all checks passed');
    const j = await kafkawire(['check', '--bootstrap', kafka.bootstrap, '--json']);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: true });
  });

  it('a closed port: connection refused, what to check, exit 3', async () => {
    const port = await closedPort();
    const r = await kafkawire(['check', '--bootstrap', `127.0.0.1:${port}`]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(new RegExp(`^FAILED +connect bootstrap 127.0.0.1:${port}: TCP to 127.0.0.1:${port} failed$`, 'm'));
    expect(r.stdout).toContain('cause: connection refused: nothing listens on that port');
    expect(r.stdout).toMatch(/check: the address and port, that a broker runs there, and the network path from this host \(firewalls, security groups, IP allowlists\)/);
  });

  it('a name that does not resolve: exit 3 naming DNS', async () => {
    const r = await kafkawire(['check', '--bootstrap', 'no-such-broker.invalid:9092']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^FAILED +resolve bootstrap no-such-broker.invalid:9092: no-such-broker.invalid does not resolve/m);
    expect(r.stdout).toContain('check: the host name no-such-broker.invalid');
  });

  it('an HTTP server on the port: named as such, exit 3', async () => {
    const server = http.createServer((_req, res) => res.end('hello'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const r = await kafkawire(['check', '--bootstrap', `127.0.0.1:${port}`, '--timeout-ms', '5000']);
      expect(r.code).toBe(3);
      expect(r.stdout).toMatch(new RegExp(`^ok +connect bootstrap 127.0.0.1:${port}`, 'm'));
      expect(r.stdout).toMatch(/^FAILED +kafka bootstrap 127.0.0.1:\d+: an HTTP server answers on this port, not Kafka \(it said "HTTP\/1.1 400 Bad Request"\)$/m);
      expect(r.stdout).toContain('check: the port: this is a web service');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  describe.skipIf(kafka.sasl === null)('with the SASL listener', () => {
    const [user, password] = Object.entries(kafka.sasl?.users ?? {})[0] ?? ['', ''];

    it('wrong SASL credentials: the login refused, exit 4', async () => {
      const r = await kafkawire(['check', '--bootstrap', kafka.sasl!.bootstrap.split(',')[0]!, '--sasl-mechanism', 'SCRAM-SHA-256', '--sasl-username', user, '--sasl-password', `${password}-wrong`]);
      expect(r.code).toBe(4);
      expect(r.stdout).toMatch(/^FAILED +kafka bootstrap 127.0.0.1:\d+: SASL login refused$/m);
      expect(r.stdout).toMatch(/cause: .*SASL_AUTHENTICATION_FAILED/);
      expect(r.stdout).toContain('check: the SASL mechanism, user name and password');
      expect(r.stdout).not.toContain(`${password}-wrong`);
    });

    it('the right credentials pass', async () => {
      const r = await kafkawire(['check', '--bootstrap', kafka.sasl!.bootstrap, '--sasl-mechanism', 'SCRAM-SHA-512', '--sasl-username', user, '--sasl-password', password]);
      expect(r.stdout).toContain(`SASL SCRAM-SHA-512 as ${user}`);
      expect(r.code).toBe(0);
    });

    it('a SASL listener without --sasl options: told to add them, exit 4', async () => {
      const r = await kafkawire(['check', '--bootstrap', kafka.sasl!.bootstrap.split(',')[0]!, '--timeout-ms', '5000']);
      expect(r.code).toBe(4);
      expect(r.stdout).toMatch(/^FAILED +metadata: Metadata from 127.0.0.1:\d+ failed$/m);
      expect(r.stdout).toContain('as a SASL listener does with clients that do not log in: add --sasl-mechanism');
    });
  });

  describe('a broker that advertises an address this host cannot reach', () => {
    let cluster: Cluster | null = null;
    let unreachable = 0;
    beforeAll(async () => {
      unreachable = await closedPort();
      // One node of our own whose SASL listener advertises a closed port (PLAINTEXT, between brokers, stays right).
      cluster = await startCluster({
        nodes: 1,
        basePort: Number(process.env.KAFKA_BASE_PORT ?? 19092) + 300,
        listeners: ['PLAINTEXT', 'SASL_PLAINTEXT'],
        advertise: { 1: { SASL_PLAINTEXT: `127.0.0.1:${unreachable}` } },
        log: () => undefined,
      });
    }, 180_000);
    afterAll(async () => {
      await cluster?.stop();
    }, 60_000);

    it('bootstrap works, the advertised address fails: the diagnosis names advertised.listeners; exit 3', async () => {
      const at = cluster!.bootstrap('SASL_PLAINTEXT');
      const r = await kafkawire(['check', '--bootstrap', at, '--sasl-mechanism', 'PLAIN', '--sasl-username', 'alice', '--sasl-password', 'alice-secret']);
      expect(r.code).toBe(3);
      expect(r.stdout).toMatch(new RegExp(`^ok +kafka bootstrap ${at}:`, 'm'));
      expect(r.stdout).toMatch(new RegExp(`^ok +metadata: .*1=127.0.0.1:${unreachable}`, 'm'));
      expect(r.stdout).toMatch(new RegExp(`^FAILED +connect broker 1 127.0.0.1:${unreachable}: TCP to 127.0.0.1:${unreachable} failed$`, 'm'));
      expect(r.stdout).toContain(`check: the cluster answered through the bootstrap servers, but broker 1 127.0.0.1:${unreachable} advertises 127.0.0.1:${unreachable} (advertised.listeners)`);
    });
  });

  it('a bootstrap list with one closed port beside a working broker: that step fails, the rest pass, exit 3', async () => {
    const port = await closedPort();
    const r = await kafkawire(['check', '--bootstrap', `127.0.0.1:${port},${firstAddress(kafka.bootstrap).host}:${firstAddress(kafka.bootstrap).port}`]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^ok +metadata/m);
    expect(r.stdout).toContain('1 check(s) failed');
  });
});
