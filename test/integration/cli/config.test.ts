// --config files with Java property names (SASL via sasl.jaas.config, TLS via
// a PEM trust store), their warnings, and bob's denied requests: exit 4.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../admin/helpers.js';
import { fetchBatches } from '../fetch.js';
import { createTopic, describeKafka, kafka, uniqueTopic } from '../kafka.js';
import { buildCli, cleanCli, kafkawire, startKafkawire } from './run.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafkawire-cli-config-'));
function props(name: string, lines: string[]): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, `# written by config.test.ts\n${lines.join('\n')}\n`);
  return f;
}

describeKafka('kafkawire --config', () => {
  beforeAll(() => buildCli(), 180_000);
  afterAll(async () => {
    await cleanCli();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('bootstrap.servers, client.id, acks and linger.ms from a file; unknown properties are a warning', async () => {
    const topic = uniqueTopic('cli-config');
    await createTopic(topic, 1);
    const f = props('plain.properties', [`bootstrap.servers=${kafka.bootstrap}`, 'client.id=from-config', 'acks=1', 'linger.ms : 0', 'compression.type=lz4', 'no.such.property=1', 'key.serializer=org.apache.kafka.common.serialization.StringSerializer']);
    const r = await kafkawire(['produce', topic, '--config', f], { input: 'x\n' });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('partition=0 offset=0');
    expect(r.stderr.trim()).toBe(`kafkawire: warning: unknown property no.such.property in ${f} (ignored)`);
    // The properties took effect. acks=1 makes the producer non-idempotent (Java's rule), so its batch carries no
    // producer id; compression.type=lz4 compressed it. A produce without the file (acks=all, no compression) for contrast.
    const plain = await kafkawire(['produce', topic, '--bootstrap', kafka.bootstrap], { input: 'y\n' });
    expect(plain.code).toBe(0);
    const [fromFile, fromFlags] = (await fetchBatches(topic, 0)).filter((bt) => !bt.control);
    expect(fromFile).toMatchObject({ compression: 3, producerId: -1n, recordCount: 1 });
    expect(fromFlags).toMatchObject({ compression: 0, recordCount: 1 });
    expect(fromFlags!.producerId).toBeGreaterThanOrEqual(0n);
    // client.id: a group member started with the file shows it as the owner of the partition.
    const group = uniqueTopic('cli-config-group');
    const member = await startKafkawire(['consume', topic, '--group', group, '--from', 'earliest', '--config', f]);
    try {
      await eventually(async () => {
        const d = JSON.parse((await kafkawire(['groups', 'describe', group, '--json', '--bootstrap', kafka.bootstrap])).stdout);
        expect(d.partitions[0].owner.clientId).toBe('from-config');
      }, 60_000);
      member.kill('SIGINT');
      expect((await member.exited(30_000)).code).toBe(130);
    } finally {
      member.kill('SIGKILL');
    }
    const bad = await kafkawire(['topics', 'list', '--config', props('bad.properties', [`bootstrap.servers=${kafka.bootstrap}`, 'linger.ms=soon'])]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('linger.ms=soon');
    const missing = await kafkawire(['topics', 'list', '--config', path.join(dir, 'nope.properties')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read --config');
  });

  describe.skipIf(kafka.sasl === null || kafka.tls === null)('with the SASL and SSL listeners', () => {
    it('SASL_PLAINTEXT with sasl.jaas.config (SCRAM and PLAIN)', async () => {
      const users = kafka.sasl!.users;
      for (const [mechanism, module] of [['SCRAM-SHA-512', 'org.apache.kafka.common.security.scram.ScramLoginModule'], ['PLAIN', 'org.apache.kafka.common.security.plain.PlainLoginModule']]) {
        const f = props(`sasl-${mechanism}.properties`, [
          `bootstrap.servers=${kafka.sasl!.bootstrap}`,
          'security.protocol=SASL_PLAINTEXT',
          `sasl.mechanism=${mechanism}`,
          `sasl.jaas.config=${module} required \\`,
          `    username="alice" password="${users.alice}";`,
        ]);
        const r = await kafkawire(['topics', 'list', '--config', f]);
        expect(r.stderr, mechanism).toBe('');
        expect(r.code, mechanism).toBe(0);
        const chk = await kafkawire(['check', '--config', f]);
        expect(chk.stdout, mechanism).toContain(`SASL ${mechanism} as alice`);
        expect(chk.code, `${mechanism}: ${chk.stdout}${chk.stderr}`).toBe(0);
      }
      const wrong = props('sasl-wrong.properties', [`bootstrap.servers=${kafka.sasl!.bootstrap}`, 'security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=PLAIN',
        'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="nope";']);
      const r = await kafkawire(['topics', 'list', '--config', wrong]);
      expect(r.code).toBe(4);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^kafkawire: error: .*SASL PLAIN authentication as "alice"/);
    });

    it('bob, authenticated but without ACLs: exit 4 naming the authorization problem', async () => {
      const topic = uniqueTopic('cli-bob');
      await createTopic(topic, 1);
      const f = props('bob.properties', [`bootstrap.servers=${kafka.sasl!.bootstrap}`, 'security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=SCRAM-SHA-512',
        `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="bob" password="${kafka.sasl!.users.bob}";`]);
      const d = await kafkawire(['topics', 'describe', topic, '--config', f]);
      expect(d.code).toBe(4);
      expect(d.stderr).toContain('TOPIC_AUTHORIZATION_FAILED');
      const chk = await kafkawire(['check', '--config', f, '--topic', topic]);
      expect(chk.code).toBe(4);
      expect(chk.stdout).toMatch(new RegExp(`^FAILED +produce ${topic}: the record was not written`, 'm'));
      expect(chk.stdout).toContain(`check: the ACLs of this principal: WRITE (and DESCRIBE) on topic ${topic}`);
    });

    it('SSL with ssl.truststore.location as PEM; without the CA: a TLS diagnosis, exit 3', async () => {
      const ca = path.join(dir, 'ca.pem');
      fs.writeFileSync(ca, kafka.tls!.caPem);
      const f = props('ssl.properties', [`bootstrap.servers=${kafka.tls!.bootstrap}`, 'security.protocol=SSL', `ssl.truststore.location=${ca}`, 'ssl.truststore.type=PEM']);
      const r = await kafkawire(['topics', 'list', '--config', f]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const chk = await kafkawire(['check', '--config', f]);
      expect(chk.stdout).toMatch(/^ok +kafka bootstrap [\d.:]+: TLS, ApiVersions/m);
      expect(chk.code).toBe(0);
      const noCa = await kafkawire(['check', '--bootstrap', kafka.tls!.bootstrap.split(',')[0]!, '--tls']);
      expect(noCa.code).toBe(3);
      expect(noCa.stdout).toMatch(/^FAILED +kafka bootstrap [\d.:]+: TLS handshake failed$/m);
      expect(noCa.stdout).toContain('not trusted');
      // A TLS listener dialled without --tls: the probe sees a TLS answer... or silence; either way not ok.
      const plain = await kafkawire(['check', '--bootstrap', kafka.tls!.bootstrap.split(',')[0]!, '--timeout-ms', '3000']);
      expect(plain.code).toBe(3);
      expect(plain.stdout).toMatch(/--tls/);
      const jks = await kafkawire(['topics', 'list', '--config', props('jks.properties', [`bootstrap.servers=${kafka.tls!.bootstrap}`, 'security.protocol=SSL', `ssl.truststore.location=${ca}`, 'ssl.truststore.type=JKS'])]);
      expect(jks.code).toBe(2);
      expect(jks.stderr).toContain('PEM');
    });
  });
});
