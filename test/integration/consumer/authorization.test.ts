// Authorization failures say which ACL is missing: the topic's or the group's.
// Needs the ACL-enforcing SASL listener of a cluster the test run started
// (bob has no ACLs there).
import { describe, expect, it } from 'vitest';
import { Consumer } from '../../../src/consumer/index.js';
import { createTopic, kafka, noKafka, uniqueTopic } from '../kafka.js';

describe.skipIf(noKafka || kafka.sasl === null)('consumer authorization errors', () => {
  it('no topic ACL: offsets lookups and poll fail naming the topic; no group ACL: committed() names the group', async () => {
    const topic = uniqueTopic('c-acl');
    const groupId = uniqueTopic('g-acl');
    await createTopic(topic, 1);
    const c = new Consumer({
      bootstrapServers: kafka.sasl!.bootstrap,
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'bob', password: kafka.sasl!.users.bob! },
      groupId,
      enableAutoCommit: false,
      defaultApiTimeoutMs: 5000,
      allowAutoCreateTopics: false,
    });
    try {
      const tp = { topic, partition: 0 };
      c.assign([tp]);
      const e1 = await c.endOffsets([tp]).then(() => null, (e: unknown) => e as Error);
      expect(e1).toBeInstanceOf(Error);
      expect(e1!.message).toMatch(/TOPIC_AUTHORIZATION_FAILED/);
      expect(e1!.message).toContain(topic);
      const e2 = await c.committed([tp]).then(() => null, (e: unknown) => e as Error);
      expect(e2!.message).toMatch(/GROUP_AUTHORIZATION_FAILED/);
      expect(e2!.message).toContain(groupId);
      let e3: Error | undefined;
      const deadline = Date.now() + 20_000;
      while (!e3 && Date.now() < deadline) await c.poll(200).catch((e: unknown) => (e3 = e as Error));
      expect(e3?.message).toMatch(/AUTHORIZATION_FAILED/);
    } finally {
      await c.close();
    }
  });
});
