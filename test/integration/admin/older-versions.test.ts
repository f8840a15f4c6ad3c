// Admin calls as a broker older than the test cluster answers them. versionCaps
// holds an API at the version such a broker tops out at, so the real broker
// answers what an old one would: CreateTopics v3 (Kafka before 2.4) has no
// broker-default counts and reports none; no DescribeCluster (before 2.8);
// ListGroups v3 (before 2.6) neither filters by state nor names states.
// (Checked by hand against a real Kafka 2.3.1 as well.)
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Admin } from '../../../src/admin/admin.js';
import { UnsupportedVersionError } from '../../../src/errors.js';
import { Consumer } from '../../../src/index.js';
import { describeKafka, kafka, uniqueTopic } from '../kafka.js';
import { eventually } from './helpers.js';

describeKafka('Admin against older API versions', () => {
  const replication = Math.min(3, kafka.bootstrap.split(',').length);
  let current: Admin;
  beforeAll(() => {
    current = new Admin({ bootstrapServers: kafka.bootstrap, defaultApiTimeoutMs: 20_000 });
  });
  afterAll(() => current.close());

  it('CreateTopics v3: defaults are refused by name before sending; given counts are reported as asked', async () => {
    const admin = new Admin({ bootstrapServers: kafka.bootstrap, defaultApiTimeoutMs: 20_000, versionCaps: { CreateTopics: 3 } });
    try {
      const withDefaults = uniqueTopic('old-defaults');
      const given = uniqueTopic('old-given');
      const assigned = uniqueTopic('old-assigned');
      const res = await admin.createTopics([
        { topic: withDefaults, numPartitions: 2 },
        { topic: given, numPartitions: 2, replicationFactor: replication },
        { topic: assigned, replicaAssignment: { 0: [1], 1: [1], 2: [1] } },
      ]);
      expect(res[0]!.ok).toBe(false);
      expect(res[0]!.error).toBeInstanceOf(UnsupportedVersionError);
      expect(res[0]!.error!.message).toContain(`set numPartitions and replicationFactor for ${withDefaults}`);
      expect(res[1]).toMatchObject({ ok: true, value: { numPartitions: 2, replicationFactor: replication } });
      expect(res[2]).toMatchObject({ ok: true, value: { numPartitions: 3, replicationFactor: 1 } });
      // Nothing was sent for the refused topic: it does not exist.
      await eventually(async () => expect((await current.listTopics()).map((t) => t.name)).toEqual(expect.arrayContaining([given, assigned])));
      expect((await current.listTopics()).map((t) => t.name)).not.toContain(withDefaults);
    } finally {
      await admin.close();
    }
  });

  it('without DescribeCluster, describeCluster() reads the same answer from Metadata', async () => {
    const admin = new Admin({ bootstrapServers: kafka.bootstrap, versionCaps: { DescribeCluster: -1 } });
    try {
      const viaMetadata = await admin.describeCluster();
      const viaDescribe = await current.describeCluster();
      expect(viaMetadata.clusterId).toBe(viaDescribe.clusterId);
      expect(viaMetadata.brokers).toEqual(viaDescribe.brokers);
      expect(viaMetadata.brokers.length).toBe(kafka.bootstrap.split(',').length);
      expect(viaMetadata.controller).not.toBeNull();
      // The authorized operations need DescribeCluster: that is refused, not answered without them.
      await expect(admin.describeCluster({ includeAuthorizedOperations: true })).rejects.toBeInstanceOf(UnsupportedVersionError);
    } finally {
      await admin.close();
    }
  });

  it('ListGroups v3: a state filter is an error per broker, not a list of every group', async () => {
    const topic = uniqueTopic('old-groups');
    await current.createTopics([{ topic, numPartitions: 1, replicationFactor: replication }]);
    const groupId = uniqueTopic('old-group');
    // One group that is Empty (it committed, then left): a Stable filter must not list it.
    const c = new Consumer({ bootstrapServers: kafka.bootstrap, groupId, autoOffsetReset: 'earliest' });
    c.assign([{ topic, partition: 0 }]);
    await c.commitSync([{ topic, partition: 0, offset: 0n }]);
    await c.close();
    const admin = new Admin({ bootstrapServers: kafka.bootstrap, defaultApiTimeoutMs: 20_000, versionCaps: { ListGroups: 3 } });
    try {
      const all = await eventually(async () => {
        const r = await admin.listGroups();
        expect(r.groups.map((g) => g.groupId)).toContain(groupId);
        return r;
      });
      expect(all.errors).toEqual([]);
      const stable = await admin.listGroups({ states: ['Stable'] });
      expect(stable.groups.map((g) => g.groupId)).not.toContain(groupId);
      expect(stable.errors.length).toBeGreaterThan(0);
      for (const e of stable.errors) expect(e.error.message).toMatch(/cannot list groups by state \(that needs ListGroups v4/);
    } finally {
      await admin.close();
    }
  });
});
