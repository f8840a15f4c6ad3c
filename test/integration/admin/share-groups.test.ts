// Admin calls for share groups (KIP-932) and streams groups against the real
// cluster: a share group driven by Kafka's ConsoleShareConsumer is described,
// listed with its type, and its start offsets listed, altered and deleted,
// with Kafka's ShareGroupCommand as the oracle; describing a group that is not
// a streams (or share) group fails with a typed error naming it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Admin } from '../../../src/admin/admin.js';
import type { KafkaBrokerError } from '../../../src/messages/error-codes.js';
import { createTopic, describeKafka, kafka, uniqueTopic } from '../kafka.js';
import { eventually } from './helpers.js';
import { javaShareConsumer, javaShareOffsets, produceCounts, startFromEarliest, stopGracefully } from './share-helpers.js';

describeKafka('Admin: share groups and streams groups', () => {
  let admin: Admin;
  beforeAll(() => {
    admin = new Admin({ bootstrapServers: kafka.bootstrap, defaultApiTimeoutMs: 30_000 });
  });
  afterAll(() => admin.close());

  it('a share group run by a Java share consumer: describe, listGroups type, start offsets as ShareGroupCommand shows them, alter and delete them once it is empty', async () => {
    const topic = uniqueTopic('admin-share');
    const group = uniqueTopic('share-group');
    await createTopic(topic, 2);
    await startFromEarliest(admin, group);
    await produceCounts(topic, [3, 2]);
    const consumer = javaShareConsumer(topic, group);
    try {
      // Every record delivered, and the group settled with one member owning both partitions.
      await eventually(async () => {
        if (consumer.lines.length < 5) throw new Error(`the share consumer printed ${consumer.lines.length} of 5 records`);
      }, 90_000);
      const d = await eventually(async () => {
        const [r] = await admin.describeShareGroups([group]);
        if (!r!.ok || r!.value.state !== 'Stable' || r!.value.members[0]?.assignment.length !== 2) throw new Error(`not settled yet: ${JSON.stringify(r!.value?.state ?? r!.error?.message)}`);
        return r!.value;
      }, 60_000);
      expect(d).toMatchObject({ groupId: group, type: 'share', partitionAssignor: 'simple' });
      expect(d.coordinator).not.toBeNull();
      expect(d.members).toHaveLength(1);
      expect(d.members[0]).toMatchObject({ clientId: 'java-share', subscribedTopics: [topic] });
      expect(d.members[0]!.assignment.map((tp) => tp.partition).sort()).toEqual([0, 1]);
      expect(d.groupEpoch).toBeGreaterThan(0);

      const all = await admin.listGroups();
      expect(all.errors).toEqual([]);
      expect(all.groups.find((g) => g.groupId === group)).toMatchObject({ type: 'share', protocolType: 'share', state: 'Stable' });
      expect((await admin.listGroups({ types: ['share'] })).groups.map((g) => g.groupId)).toContain(group);
      expect((await admin.listGroups({ types: ['consumer', 'classic'] })).groups.map((g) => g.groupId)).not.toContain(group);

      // Once the acknowledgements are stored, nothing is left to deliver.
      const settled = await eventually(async () => {
        const [r] = await admin.listShareGroupOffsets(group);
        if (!r!.ok) throw r!.error;
        if (r!.value.length !== 2 || r!.value.some((o) => o.lag !== 0n)) throw new Error(`not all acknowledged yet: ${JSON.stringify(r!.value, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
        return r!.value;
      }, 60_000);
      expect(settled.map((o) => o.partition)).toEqual([0, 1]);
      const java = await javaShareOffsets(group, topic);
      for (const o of settled) expect(java.get(o.partition)).toEqual({ start: String(o.startOffset), lag: String(o.lag) });
      const [only0] = await admin.listShareGroupOffsets(group, [{ topic, partition: 0 }]);
      expect(only0!.value).toEqual([settled[0]]);

      // Offsets cannot be changed under a live member.
      const refused = await admin.alterShareGroupOffsets(group, [{ topic, partition: 0, offset: 0n }]);
      expect((refused[0]!.error as KafkaBrokerError).errorName).toBe('NON_EMPTY_GROUP');
      expect(refused[0]!.error!.message).toContain(`group ${group}`);
    } finally {
      await stopGracefully(consumer.child);
    }

    await eventually(async () => {
      const [r] = await admin.describeShareGroups([group]);
      if (r!.value?.state !== 'Empty') throw new Error(`not empty yet: ${r!.value?.state ?? r!.error?.message}`);
    }, 60_000);
    const altered = await admin.alterShareGroupOffsets(group, [{ topic, partition: 0, offset: 1n }, { topic, partition: 1, offset: 0 }, { topic, partition: 7, offset: 0n }]);
    expect(altered.map((r) => [r.partition, r.ok])).toEqual([[0, true], [1, true], [7, false]]);
    expect((altered[2]!.error as KafkaBrokerError).errorName).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    const [after] = await admin.listShareGroupOffsets(group);
    expect(after!.value!.map((o) => [o.partition, o.startOffset, o.lag])).toEqual([[0, 1n, 2n], [1, 0n, 2n]]);
    const java = await javaShareOffsets(group, topic);
    expect([...java].sort((a, b) => a[0] - b[0])).toEqual([[0, { start: '1', lag: '2' }], [1, { start: '0', lag: '2' }]]);

    const missingTopic = uniqueTopic('no-such-topic');
    const deleted = await admin.deleteShareGroupOffsets(group, [topic, missingTopic]);
    expect(deleted.map((r) => [r.topic, r.ok])).toEqual([[topic, true], [missingTopic, false]]);
    expect((deleted[1]!.error as KafkaBrokerError).errorName).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    const [gone] = await admin.listShareGroupOffsets(group);
    expect(gone).toMatchObject({ ok: true, value: [] });
    expect((await javaShareOffsets(group, topic)).size).toBe(0);
  }, 240_000);

  it('describeStreamsGroups and describeShareGroups of a group of another type, or of none: GROUP_ID_NOT_FOUND naming the group and coordinator', async () => {
    const topic = uniqueTopic('admin-streams');
    const consumerGroup = uniqueTopic('plain-group');
    const missing = uniqueTopic('no-such-group');
    await createTopic(topic, 1);
    const [c] = await admin.alterConsumerGroupOffsets(consumerGroup, [{ topic, partition: 0, offset: 0n }]);
    expect(c!.ok).toBe(true);

    const streams = await admin.describeStreamsGroups([consumerGroup, missing]);
    for (const [i, id] of [consumerGroup, missing].entries()) {
      const r = streams[i]!;
      expect(r.groupId).toBe(id);
      expect((r.error as KafkaBrokerError).errorName).toBe('GROUP_ID_NOT_FOUND');
      expect(r.error!.message).toMatch(new RegExp(`StreamsGroupDescribe, broker \\d+.*group ${id}`));
      expect(r.error!.retriable).toBe(false);
    }
    expect(streams[0]!.error!.message).toContain('not a streams group');

    const [share] = await admin.describeShareGroups([consumerGroup]);
    expect((share!.error as KafkaBrokerError).errorName).toBe('GROUP_ID_NOT_FOUND');
    expect(share!.error!.message).toMatch(new RegExp(`ShareGroupDescribe, broker \\d+.*group ${consumerGroup}`));
    // As for consumer groups' committed offsets, a group that does not exist has none.
    const [offs] = await admin.listShareGroupOffsets(missing);
    expect(offs).toMatchObject({ groupId: missing, ok: true, value: [] });
  });
});
