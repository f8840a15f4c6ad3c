// Admin over the SASL listener (ACLs enforced; alice is a super user, bob has
// only the ACLs a test gives him): ACL calls, per-item authorization errors
// for bob, and a SCRAM user created through the Admin that can then log in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../../src/admin/admin.js';
import { KafkaError } from '../../../src/errors.js';
import type { KafkaBrokerError } from '../../../src/messages/error-codes.js';
import { Connection } from '../../../src/network/connection.js';
import { firstAddress, kafka, noKafka, uniqueTopic } from '../kafka.js';
import { eventually } from './helpers.js';

const sasl = kafka.sasl;
const code = (e: unknown) => (e as KafkaBrokerError | undefined)?.errorName;

describe.skipIf(noKafka || sasl === null)('Admin with ACLs enforced (SASL listener)', () => {
  let alice: Admin;
  let bob: Admin;
  const topic = uniqueTopic('acl-t');
  const hidden = uniqueTopic('acl-hidden');
  beforeAll(async () => {
    const users = sasl!.users;
    alice = new Admin({ bootstrapServers: sasl!.bootstrap, sasl: { mechanism: 'SCRAM-SHA-512', username: 'alice', password: users.alice! }, defaultApiTimeoutMs: 20_000 });
    bob = new Admin({ bootstrapServers: sasl!.bootstrap, sasl: { mechanism: 'PLAIN', username: 'bob', password: users.bob! }, defaultApiTimeoutMs: 20_000 });
    const created = await alice.createTopics([{ topic, numPartitions: 2 }, { topic: hidden, numPartitions: 1 }]);
    expect(created.every((r) => r.ok)).toBe(true);
    await eventually(async () => expect((await alice.describeTopics([topic, hidden])).every((r) => r.ok)).toBe(true));
  });
  afterAll(async () => {
    await alice?.close();
    await bob?.close();
  });

  it('createAcls, describeAcls, deleteAcls; bob then sees only what the ACLs allow, item by item', async () => {
    const made = await alice.createAcls([
      { resourceType: 'TOPIC', resourceName: topic, principal: 'User:bob', operation: 'DESCRIBE', permission: 'ALLOW' },
      { resourceType: 'TOPIC', resourceName: topic, principal: 'User:bob', operation: 'READ', permission: 'ALLOW' },
      { resourceType: 'GROUP', resourceName: 'bob-', patternType: 'PREFIXED', principal: 'User:bob', operation: 'READ', permission: 'ALLOW' },
    ]);
    expect(made.every((r) => r.ok)).toBe(true);
    const listed = await eventually(async () => {
      const l = await alice.describeAcls({ principal: 'User:bob' });
      expect(l.length).toBeGreaterThanOrEqual(3);
      return l;
    });
    expect(listed).toEqual(
      expect.arrayContaining([
        { resourceType: 'TOPIC', resourceName: topic, patternType: 'LITERAL', principal: 'User:bob', host: '*', operation: 'READ', permission: 'ALLOW' },
        { resourceType: 'GROUP', resourceName: 'bob-', patternType: 'PREFIXED', principal: 'User:bob', host: '*', operation: 'READ', permission: 'ALLOW' },
      ]),
    );

    // Per item: the topic bob may describe, and one he may not.
    const [mine, theirs] = await eventually(async () => {
      const r = await bob.describeTopics([topic, hidden], { includeAuthorizedOperations: true });
      expect(r[0]!.ok).toBe(true);
      return r;
    });
    expect(mine!.value!.authorizedOperations!.sort()).toEqual(['DESCRIBE', 'READ']);
    expect(code(theirs!.error)).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(theirs!.error).toBeInstanceOf(Error);
    // Each broker learns the ACLs from the metadata log a moment later: the leader may not know them yet.
    const offs = await eventually(async () => {
      const r = await bob.listOffsets([{ topic, partition: 0, spec: 'latest' }, { topic: hidden, partition: 0, spec: 'latest' }]);
      expect(r[0]!.ok).toBe(true);
      return r;
    });
    expect(code(offs[1]!.error)).toBe('TOPIC_AUTHORIZATION_FAILED');
    const cfg = await bob.describeConfigs([{ type: 'topic', name: topic }, { type: 'topic', name: hidden }]);
    expect(cfg.map((r) => code(r.error))).toEqual(['TOPIC_AUTHORIZATION_FAILED', 'TOPIC_AUTHORIZATION_FAILED']); // DESCRIBE_CONFIGS not granted
    const created = await bob.createTopics([{ topic: uniqueTopic('bob-new'), numPartitions: 1 }]);
    expect(code(created[0]!.error)).toBe('TOPIC_AUTHORIZATION_FAILED');
    const deleted = await bob.deleteTopics([topic]);
    expect(code(deleted[0]!.error)).toBe('TOPIC_AUTHORIZATION_FAILED');
    const groups = await eventually(async () => {
      const r = await bob.listConsumerGroupOffsets([uniqueTopic('other-group'), uniqueTopic('bob-')]);
      expect(r[1]!.ok).toBe(true);
      return r;
    });
    expect(code(groups[0]!.error)).toBe('GROUP_AUTHORIZATION_FAILED');
    // Calls with one answer reject; authorization errors fail at once, without retries.
    const denied = await bob.describeAcls({}, { timeoutMs: 600_000 }).catch((e: unknown) => e);
    expect(code(denied)).toBe('CLUSTER_AUTHORIZATION_FAILED');
    expect((denied as KafkaError).retriable).toBe(false);

    const removed = await alice.deleteAcls([{ principal: 'User:bob', resourceType: 'TOPIC', resourceName: topic }, { principal: 'User:bob', resourceType: 'GROUP', patternType: 'PREFIXED', resourceName: 'bob-' }]);
    expect(removed[0]!.value!.map((a) => a.operation).sort()).toEqual(['DESCRIBE', 'READ']);
    expect(removed[1]!.value!).toHaveLength(1);
    await eventually(async () => expect(code((await bob.describeTopics([topic]))[0]!.error)).toBe('TOPIC_AUTHORIZATION_FAILED'));
  });

  it('a SCRAM user created with alterUserScramCredentials can log in', async () => {
    const user = uniqueTopic('carol');
    const [r] = await alice.alterUserScramCredentials([{ user, mechanism: 'SCRAM-SHA-512', password: 'carol-pw', iterations: 4096 }]);
    expect(r!.ok).toBe(true);
    const at = firstAddress(sasl!.bootstrap);
    const c = await eventually(() => Connection.open({ ...at, sasl: { mechanism: 'SCRAM-SHA-512', username: user, password: 'carol-pw' } }));
    expect(c.saslAuthentications).toBe(1);
    c.close();
    // The user stays: deleting a credential here would cost every broker restarted later all its
    // SCRAM-SHA-512 credentials (groups.test.ts deletes on the matrix cluster instead).
  });
});
