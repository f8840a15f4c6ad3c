// The CLI commands and flags the other child-process tests leave out, against
// the shared cluster: acls list|add|remove (on the SASL listener, where ACLs
// are enforced), configs describe|alter --broker, consume --isolation
// read_committed, offsets reset --to @<epoch-ms>, and produce's per-record
// "error:" line.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../../src/admin/admin.js';
import { Producer } from '../../../src/index.js';
import { eventually, java } from '../admin/helpers.js';
import { runKafkaTool } from '../../kafka/tools.mjs';
import { createTopic, describeKafka, kafka, uniqueTopic } from '../kafka.js';
import { buildCli, cleanCli, kafkawire } from './run.js';

const lines = (s: string) => s.split('\n').filter((l) => l !== '');

describeKafka('kafkawire CLI: acls, configs --broker, --isolation, --to @ms, produce errors (child process)', () => {
  let admin: Admin;
  const b = ['--bootstrap', kafka.bootstrap];
  const fast = ['--consumer-property', 'fetch.max.wait.ms=100'];
  beforeAll(async () => {
    admin = new Admin({ bootstrapServers: kafka.bootstrap });
    await buildCli();
  }, 180_000);
  afterAll(async () => {
    await admin.close();
    await cleanCli();
  });

  // alice is a super user on the SASL listener; bob has only the ACLs a test gives him.
  describe('acls (SASL listener, ACLs enforced)', () => {
    beforeAll(() => {
      // The harness cluster always has it (and CI fails without one); a KAFKA_BOOTSTRAP cluster may not.
      if (kafka.sasl === null) throw new Error('the acls tests need the test harness\'s SASL listener, where ACLs are enforced');
    });
    /** Kafka's kafka-acls, logged in as alice. */
    const javaAcls = async (args: string[]) => {
      if (kafka.libs === null) throw new Error('no Kafka jars are available to run the Java tools');
      const f = path.join(os.tmpdir(), `kafkawire-acls-${process.pid}-${randomBytes(3).toString('hex')}.properties`);
      fs.writeFileSync(f, ['security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=SCRAM-SHA-512',
        `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="${kafka.sasl!.users.alice}";`, ''].join('\n'));
      try {
        return await runKafkaTool(kafka.libs, 'org.apache.kafka.tools.AclCommand', ['--bootstrap-server', kafka.sasl!.bootstrap, '--command-config', f, ...args]);
      } finally {
        fs.rmSync(f, { force: true });
      }
    };
    const as = (user: 'alice' | 'bob') => [
      '--bootstrap', kafka.sasl!.bootstrap,
      '--sasl-mechanism', user === 'alice' ? 'SCRAM-SHA-512' : 'PLAIN',
      '--sasl-username', user,
      '--sasl-password', kafka.sasl!.users[user]!,
    ];

    it('acls add, list and remove; bob can describe the topic exactly while the ACL exists; bob may not list ACLs (exit 4)', async () => {
      const topic = uniqueTopic('cli-acl');
      await createTopic(topic, 1);
      const bobDescribe = () => kafkawire(['topics', 'describe', topic, '--json', ...as('bob')]);
      const before = await bobDescribe();
      expect(before.code).toBe(4);
      expect(before.stderr).toContain('TOPIC_AUTHORIZATION_FAILED');

      const add = await kafkawire(['acls', 'add', '--principal', 'User:bob', '--operation', 'describe', '--operation', 'READ', '--topic', topic, '--json', ...as('alice')]);
      expect(add.stderr).toBe('');
      expect(add.code).toBe(0);
      const rule = { resourceType: 'TOPIC', resourceName: topic, patternType: 'LITERAL', principal: 'User:bob', host: '*', permission: 'ALLOW' };
      expect(JSON.parse(add.stdout)).toEqual([{ ...rule, operation: 'DESCRIBE' }, { ...rule, operation: 'READ' }]);

      // The ACLs as listed (JSON and the table); other principals' and topics' ACLs are filtered out.
      const listed = await eventually(async () => {
        const l = await kafkawire(['acls', 'list', '--topic', topic, '--principal', 'User:bob', '--json', ...as('alice')]);
        expect(l.code).toBe(0);
        const acls = JSON.parse(l.stdout) as Array<{ operation: string }>;
        expect(acls).toHaveLength(2);
        return acls;
      });
      expect(listed.map((a) => a.operation).sort()).toEqual(['DESCRIBE', 'READ']);
      const table = await kafkawire(['acls', 'list', '--topic', topic, ...as('alice')]);
      expect(table.stdout).toMatch(/^RESOURCE-TYPE\s+NAME\s+PATTERN\s+PRINCIPAL\s+HOST\s+OPERATION\s+PERMISSION$/m);
      expect(table.stdout).toMatch(new RegExp(`^TOPIC\\s+${topic}\\s+LITERAL\\s+User:bob\\s+\\*\\s+DESCRIBE\\s+ALLOW$`, 'm'));
      // Java's kafka-acls sees the same rules.
      const javaOut = await javaAcls(['--list', '--topic', topic]);
      for (const op of ['DESCRIBE', 'READ']) expect(javaOut).toContain(`principal=User:bob, host=*, operation=${op}, permissionType=ALLOW`);

      // The ACL took effect: bob now describes the topic (each broker learns ACLs a moment after the controller).
      await eventually(async () => {
        const r = await bobDescribe();
        expect(r.code).toBe(0);
        expect(JSON.parse(r.stdout).topic).toBe(topic);
      });

      // Bob lacks DESCRIBE on the cluster: listing ACLs is denied, exit 4, one line.
      const bobList = await kafkawire(['acls', 'list', ...as('bob')]);
      expect(bobList.code).toBe(4);
      expect(bobList.stderr.trim().split('\n')).toHaveLength(1);
      expect(bobList.stderr).toContain('CLUSTER_AUTHORIZATION_FAILED');

      // remove with --operation removes only that rule.
      const rmRead = await kafkawire(['acls', 'remove', '--topic', topic, '--principal', 'User:bob', '--operation', 'READ', '--json', ...as('alice')]);
      expect(rmRead.code).toBe(0);
      expect(JSON.parse(rmRead.stdout)).toEqual([{ ...rule, operation: 'READ' }]);
      await eventually(async () => {
        const l = await kafkawire(['acls', 'list', '--topic', topic, '--json', ...as('alice')]);
        expect((JSON.parse(l.stdout) as Array<{ operation: string }>).map((a) => a.operation)).toEqual(['DESCRIBE']);
      });
      const rmAll = await kafkawire(['acls', 'remove', '--topic', topic, ...as('alice')]);
      expect(rmAll.code).toBe(0);
      expect(rmAll.stdout).toMatch(new RegExp(`^TOPIC\\s+${topic}\\s+LITERAL\\s+User:bob\\s+\\*\\s+DESCRIBE\\s+ALLOW$`, 'm'));
      await eventually(async () => {
        const l = await kafkawire(['acls', 'list', '--topic', topic, ...as('alice')]);
        expect(l.stdout.trim()).toBe('no ACLs match');
      });
      // Without the ACL bob is refused again.
      await eventually(async () => expect((await bobDescribe()).code).toBe(4));

      // Usage errors: no resource for add, nothing to match for remove.
      const noResource = await kafkawire(['acls', 'add', '--principal', 'User:bob', '--operation', 'READ', ...as('alice')]);
      expect(noResource.code).toBe(2);
      expect(noResource.stderr).toContain('name the resource');
      const everything = await kafkawire(['acls', 'remove', ...as('alice')]);
      expect(everything.code).toBe(2);
      expect(everything.stderr).toContain('refusing to remove every ACL');
    });
  });

  it('configs describe and alter --broker: a dynamic broker config set, shown (as by Java\'s kafka-configs), deleted; a static one fails', async () => {
    const cluster = await admin.describeCluster();
    const id = String(cluster.brokers[0]!.id);
    const all = await kafkawire(['configs', 'describe', '--broker', id, '--all', '--json', ...b]);
    expect(all.code, all.stderr).toBe(0);
    const allCfg = JSON.parse(all.stdout);
    expect(allCfg.resource).toEqual({ type: 'broker', name: id });
    expect(allCfg.configs).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'node.id', value: id, readOnly: true })]));

    const set = await kafkawire(['configs', 'alter', '--broker', id, '--set', 'log.cleaner.threads=2', ...b]);
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(set.stdout.trim()).toBe(`altered 1 config(s) of broker ${id}`);
    try {
      await eventually(async () => {
        const d = await kafkawire(['configs', 'describe', '--broker', id, '--json', ...b]);
        expect(JSON.parse(d.stdout).configs).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'log.cleaner.threads', value: '2', source: 'DYNAMIC_BROKER_CONFIG' })]));
      });
      const text = await kafkawire(['configs', 'describe', '--broker', id, ...b]);
      expect(text.stdout).toMatch(/^log\.cleaner\.threads\s+2\s+DYNAMIC_BROKER_CONFIG$/m);
      const javaOut = await java('configs', ['--bootstrap-server', kafka.bootstrap, '--entity-type', 'brokers', '--entity-name', id, '--describe']);
      expect(javaOut).toContain('log.cleaner.threads=2');

      // A static config cannot be altered at run time: the broker's error, exit 1.
      const bad = await kafkawire(['configs', 'alter', '--broker', id, '--set', 'node.id=99', ...b]);
      expect(bad.code).toBe(1);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      expect(bad.stderr).toMatch(/^kafkawire: error: .*node\.id/);
    } finally {
      const del = await kafkawire(['configs', 'alter', '--broker', id, '--delete', 'log.cleaner.threads', ...b]);
      expect(del.code).toBe(0);
    }
    await eventually(async () => {
      const d = await kafkawire(['configs', 'describe', '--broker', id, '--json', ...b]);
      expect(JSON.parse(d.stdout).configs.map((c: { name: string }) => c.name)).not.toContain('log.cleaner.threads');
    });
  });

  it('consume --isolation read_committed: an aborted transaction\'s records are not printed, committed ones are', async () => {
    const topic = uniqueTopic('cli-isolation');
    await createTopic(topic, 1);
    const txn = new Producer({ bootstrapServers: kafka.bootstrap, transactionalId: uniqueTopic('cli-isolation-txn'), lingerMs: 0 });
    try {
      await txn.initTransactions();
      for (const [values, commit] of [[['c1', 'c2'], true], [['a1', 'a2'], false], [['c3'], true]] as const) {
        txn.beginTransaction();
        for (const value of values) await txn.send({ topic, partition: 0, value });
        if (commit) await txn.commitTransaction();
        else await txn.abortTransaction();
      }
    } finally {
      await txn.close();
    }
    // read_committed: c3 comes after the aborted records, so they were passed over, not just not reached yet.
    const committed = await kafkawire(['consume', topic, '--from', 'earliest', '--isolation', 'read_committed', '--count', '3', '--json', ...fast, ...b]);
    expect(committed.stderr).toBe('');
    expect(committed.code).toBe(0);
    const recs = lines(committed.stdout).map((l) => JSON.parse(l) as { value: string; offset: number });
    expect(recs.map((r) => r.value)).toEqual(['c1', 'c2', 'c3']);
    // Offsets: c1 0, c2 1, marker 2, a1 3, a2 4, marker 5, c3 6.
    expect(recs.map((r) => r.offset)).toEqual([0, 1, 6]);
    // Without --isolation (read_uncommitted, the default) the aborted records are printed too.
    const all = await kafkawire(['consume', topic, '--from', 'earliest', '--count', '5', ...fast, ...b]);
    expect(all.code).toBe(0);
    expect(lines(all.stdout)).toEqual(['c1', 'c2', 'a1', 'a2', 'c3']);
    const bad = await kafkawire(['consume', topic, '--isolation', 'committed', ...b]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--isolation "committed": expected read_committed or read_uncommitted');
  });

  it('offsets reset --to @<epoch-ms>: the first offset at or after that time (the end when none); dry run, then --execute', async () => {
    const topic = uniqueTopic('cli-reset-time');
    const group = uniqueTopic('cli-reset-time-group');
    await createTopic(topic, 1);
    const first = await kafkawire(['produce', topic, '--json', ...b], { input: 'a\nb\nc\n' });
    expect(first.code).toBe(0);
    const t1 = JSON.parse(lines(first.stdout)[2]!).timestamp as number;
    // The next records get a later timestamp (a new millisecond is enough).
    await eventually(async () => expect(Date.now()).toBeGreaterThan(t1));
    const second = await kafkawire(['produce', topic, '--json', ...b], { input: 'd\ne\n' });
    const t2 = JSON.parse(lines(second.stdout)[0]!).timestamp as number;
    expect(t2).toBeGreaterThan(t1);
    const [set] = await admin.alterConsumerGroupOffsets(group, [{ topic, partition: 0, offset: 1n }]);
    expect(set!.ok).toBe(true);

    const dry = await kafkawire(['offsets', 'reset', group, topic, '--to', `@${t1 + 1}`, ...b]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('Dry run');
    expect(dry.stdout).toMatch(/^\s*0\s+1\s+3$/m);
    const [still] = await admin.listConsumerGroupOffsets([group]);
    expect(still!.value!.map((o) => o.offset)).toEqual([1n]);

    const exec = await kafkawire(['offsets', 'reset', group, topic, '--to', `@${t1 + 1}`, '--execute', '--json', ...b]);
    expect(exec.code).toBe(0);
    expect(JSON.parse(exec.stdout)).toMatchObject({ executed: true, partitions: [{ partition: 0, currentOffset: 1, newOffset: 3 }] });
    const [now] = await admin.listConsumerGroupOffsets([group]);
    expect(now!.value!.map((o) => o.offset)).toEqual([3n]);

    // A time at or before the first record: offset 0; a time after every record: the end (5).
    const early = await kafkawire(['offsets', 'reset', group, topic, '--to', '@0', '--json', ...b]);
    expect(JSON.parse(early.stdout).partitions[0].newOffset).toBe(0);
    const late = await kafkawire(['offsets', 'reset', group, topic, '--to', `@${Date.now() + 3_600_000}`, '--execute', '--json', ...b]);
    expect(JSON.parse(late.stdout).partitions[0]).toMatchObject({ currentOffset: 3, newOffset: 5 });
    const [end] = await admin.listConsumerGroupOffsets([group]);
    expect(end!.value!.map((o) => o.offset)).toEqual([5n]);
  });

  it('produce prints "error: ..." for each record that failed, where the others went, and exits 1', async () => {
    const topic = uniqueTopic('cli-produce-err');
    await createTopic(topic, 1);
    const wrong = await kafkawire(['produce', topic, '--partition', '99', ...b], { input: 'x\ny\n' });
    expect(wrong.code).toBe(1);
    expect(lines(wrong.stdout)).toEqual([
      `error: partition 99 is out of range: topic ${topic} has partitions 0..0`,
      `error: partition 99 is out of range: topic ${topic} has partitions 0..0`,
    ]);
    const wrongJson = await kafkawire(['produce', topic, '--partition', '99', '--json', ...b], { input: 'x\n' });
    expect(wrongJson.code).toBe(1);
    expect(JSON.parse(wrongJson.stdout)).toEqual({ topic, error: `partition 99 is out of range: topic ${topic} has partitions 0..0` });

    // One record over max.request.size (1 MiB) between two that fit: only it fails; the output keeps the input order.
    const big = 'x'.repeat(1_200_000);
    const mixed = await kafkawire(['produce', topic, ...b], { input: `first\n${big}\nlast\n` });
    expect(mixed.code).toBe(1);
    const out = lines(mixed.stdout);
    expect(out).toHaveLength(3);
    expect(out[0]).toBe('partition=0 offset=0');
    expect(out[1]).toMatch(/^error: RECORD_TOO_LARGE: a record of about \d+ bytes for topic \S+ is larger than maxRequestSize \(1048576 bytes\)$/);
    expect(out[2]).toBe('partition=0 offset=1');
    const d = await kafkawire(['topics', 'describe', topic, '--json', ...b]);
    expect(JSON.parse(d.stdout).messages).toBe(2);
  });
});
