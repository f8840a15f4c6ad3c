// Admin group calls against the real cluster: committed offsets, lag (checked
// against Java's kafka-consumer-groups), describe of classic and KIP-848
// groups with live Java consumers, deletes; and the transaction calls.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Admin } from '../../../src/admin/admin.js';
import type { KafkaBrokerError } from '../../../src/messages/error-codes.js';
import { createTopic, describeKafka, kafka, uniqueTopic } from '../kafka.js';
import { eventually, java, javaConsumer, produceLines, stopChild } from './helpers.js';

describeKafka('Admin: consumer groups and transactions', () => {
  let admin: Admin;
  beforeAll(() => {
    admin = new Admin({ bootstrapServers: kafka.bootstrap, defaultApiTimeoutMs: 30_000 });
  });
  afterAll(() => admin.close());

  it('alter, list and delete committed offsets; lag matches Java kafka-consumer-groups --describe; a missing group fails alone', async () => {
    const topic = uniqueTopic('admin-lag');
    const group = uniqueTopic('group');
    const missing = uniqueTopic('no-such-group');
    await createTopic(topic, 2);
    await produceLines(topic, ['a', 'b', 'c']);
    await produceLines(topic, ['d', 'e']);
    const ends = await admin.listOffsets([0, 1].map((partition) => ({ topic, partition, spec: 'latest' as const })));
    const end = ends.map((r) => r.value!.offset);
    expect(end[0]! + end[1]!).toBe(5n);
    const committed = await admin.alterConsumerGroupOffsets(group, [{ topic, partition: 0, offset: end[0]! > 0n ? 1n : 0n }, { topic, partition: 1, offset: 0n, metadata: 'from-admin' }]);
    expect(committed.every((r) => r.ok)).toBe(true);

    const [offs, none] = await admin.listConsumerGroupOffsets([group, missing]);
    expect(offs!.value!.map((o) => [o.partition, o.offset])).toEqual([[0, end[0]! > 0n ? 1n : 0n], [1, 0n]]);
    expect(offs!.value![1]!.metadata).toBe('from-admin');
    expect(none).toMatchObject({ groupId: missing, ok: true, value: [] });

    const lag = await admin.consumerGroupLag(group);
    expect(lag.partitions.map((p) => p.lag)).toEqual([end[0]! - (end[0]! > 0n ? 1n : 0n), end[1]!]);
    expect(lag.totalLag).toBe(lag.partitions.reduce((s, p) => s + p.lag!, 0n));
    // Java's tool reports the same committed offsets, end offsets and lags.
    const out = await java('consumerGroups', ['--bootstrap-server', kafka.bootstrap, '--describe', '--group', group]);
    for (const p of lag.partitions) {
      expect(out).toMatch(new RegExp(`${topic}\\s+${p.partition}\\s+${p.committedOffset}\\s+${p.endOffset}\\s+${p.lag}\\b`));
    }

    const [desc, gone] = await admin.describeConsumerGroups([group, missing]);
    expect(desc).toMatchObject({ ok: true, value: { groupId: group, isSimpleConsumerGroup: true, state: 'Empty', members: [] } });
    expect((gone!.error as KafkaBrokerError).errorName).toBe('GROUP_ID_NOT_FOUND');

    const listed = await admin.listGroups();
    expect(listed.errors).toEqual([]);
    expect(listed.groups.find((g) => g.groupId === group)).toMatchObject({ state: 'Empty' });

    const delOffsets = await admin.deleteConsumerGroupOffsets(group, [{ topic, partition: 1 }]);
    expect(delOffsets[0]!.ok).toBe(true);
    const [after] = await admin.listConsumerGroupOffsets({ [group]: [{ topic, partition: 0 }, { topic, partition: 1 }] });
    expect(after!.value!.map((o) => o.partition)).toEqual([0]);

    const deleted = await admin.deleteConsumerGroups([group, missing]);
    expect(deleted[0]).toMatchObject({ groupId: group, ok: true });
    expect((deleted[1]!.error as KafkaBrokerError).errorName).toBe('GROUP_ID_NOT_FOUND');
  });

  it.each(['classic', 'consumer'] as const)('describeConsumerGroups of a %s group with a live Java consumer: members, assignment, owner in the lag', async (protocol) => {
    const topic = uniqueTopic(`admin-${protocol}`);
    const group = uniqueTopic(`group-${protocol}`);
    await createTopic(topic, 3);
    const child = javaConsumer(topic, group, protocol);
    try {
      const d = await eventually(async () => {
        const [r] = await admin.describeConsumerGroups([group]);
        if (!r!.ok || r!.value.state !== 'Stable' || r!.value.members[0]?.assignment.length !== 3) throw new Error(`not stable yet: ${JSON.stringify(r!.value?.state ?? r!.error?.message)}`);
        return r!.value;
      }, 90_000);
      expect(d.type).toBe(protocol);
      expect(d.isSimpleConsumerGroup).toBe(false);
      expect(d.members).toHaveLength(1);
      expect(d.members[0]!.clientId).toBe('java-console');
      expect(d.members[0]!.subscribedTopics).toEqual([topic]);
      expect(d.members[0]!.assignment.map((tp) => tp.partition).sort()).toEqual([0, 1, 2]);
      expect(d.partitionAssignor).not.toBe('');
      expect(d.coordinator).not.toBeNull();
      const lag = await admin.consumerGroupLag(group);
      expect(lag.partitions.map((p) => p.owner?.clientId)).toEqual(['java-console', 'java-console', 'java-console']);
      const listed = await admin.listGroups({ types: [protocol] });
      expect(listed.groups.find((g) => g.groupId === group)).toMatchObject({ type: protocol, state: 'Stable', protocolType: 'consumer' });
      // A group with members refuses to be deleted.
      const [del] = await admin.deleteConsumerGroups([group]);
      expect((del!.error as KafkaBrokerError).errorName).toBe('NON_EMPTY_GROUP');
    } finally {
      await stopChild(child);
    }
  });

  it('describeProducers, fenceProducers, listTransactions and describeTransactions', async () => {
    const topic = uniqueTopic('admin-txn');
    await createTopic(topic, 1);
    await produceLines(topic, ['x', 'y']);
    const [producers, missing] = await admin.describeProducers([{ topic, partition: 0 }, { topic, partition: 5 }]);
    expect(producers!.ok).toBe(true);
    expect(producers!.value!.length).toBe(1); // the console producer is idempotent
    expect(producers!.value![0]!.lastSequence).toBeGreaterThanOrEqual(0);
    expect(missing!.ok).toBe(false);

    const txnId = uniqueTopic('txn');
    const [fenced] = await admin.fenceProducers([txnId]);
    expect(fenced).toMatchObject({ transactionalId: txnId, ok: true });
    const [again] = await admin.fenceProducers([txnId]);
    expect(again!.value!.producerId).toBe(fenced!.value!.producerId);
    expect(again!.value!.producerEpoch).toBe(fenced!.value!.producerEpoch + 1);

    const [desc, unknown] = await admin.describeTransactions([txnId, uniqueTopic('no-txn')]);
    expect(desc).toMatchObject({ ok: true, value: { state: 'Empty', producerId: fenced!.value!.producerId, topicPartitions: [] } });
    expect((unknown!.error as KafkaBrokerError).errorName).toBe('TRANSACTIONAL_ID_NOT_FOUND');
    const listed = await admin.listTransactions();
    expect(listed.errors).toEqual([]);
    expect(listed.transactions.find((t) => t.transactionalId === txnId)).toMatchObject({ state: 'Empty' });
  });

  it('SCRAM credentials and client quotas', async () => {
    // Upserts and deletes on the 3.9 matrix cluster when there is one: after a SCRAM credential is
    // deleted, a Kafka 4.4 broker that restarts comes back without any credential of that mechanism
    // (seen here: every SCRAM-SHA-512 login refused at the first message until the next SHA-512
    // write), and the fault-injection tests restart the main cluster's brokers. No SASL listener
    // there, so no login depends on its credentials.
    const scram = kafka.legacy ? new Admin({ bootstrapServers: kafka.legacy.bootstrap, defaultApiTimeoutMs: 30_000 }) : admin;
    try {
      const user = uniqueTopic('user');
      // The broker takes one alteration per user and request (as with Java's Admin).
      const twice = await scram.alterUserScramCredentials([{ user, mechanism: 'SCRAM-SHA-256', password: 'pw-1', iterations: 8192 }, { user, mechanism: 'SCRAM-SHA-512', password: 'pw-1' }]);
      expect((twice[0]!.error as KafkaBrokerError).errorName).toBe('DUPLICATE_RESOURCE');
      expect(await scram.alterUserScramCredentials([{ user, mechanism: 'SCRAM-SHA-256', password: 'pw-1', iterations: 8192 }])).toMatchObject([{ user, ok: true }]);
      expect(await scram.alterUserScramCredentials([{ user, mechanism: 'SCRAM-SHA-512', password: 'pw-1' }])).toMatchObject([{ user, ok: true }]);
      const described = (r: Awaited<ReturnType<Admin['describeUserScramCredentials']>>[number]) => r.value!.sort((a, b) => a.mechanism.localeCompare(b.mechanism));
      // Any broker answers from its copy of the metadata, which the change reaches a moment later.
      const [, nobody] = await eventually(async () => {
        const r = await scram.describeUserScramCredentials([user, `${user}-none`]);
        expect(described(r[0]!)).toEqual([
          { mechanism: 'SCRAM-SHA-256', iterations: 8192 },
          { mechanism: 'SCRAM-SHA-512', iterations: 4096 },
        ]);
        return r;
      });
      expect((nobody!.error as KafkaBrokerError).errorName).toBe('RESOURCE_NOT_FOUND');
      const removed = await scram.alterUserScramCredentials([{ user, mechanism: 'SCRAM-SHA-512', delete: true }]);
      expect(removed[0]!.ok).toBe(true);
      await eventually(async () => expect(described((await scram.describeUserScramCredentials([user]))[0]!)).toEqual([{ mechanism: 'SCRAM-SHA-256', iterations: 8192 }]));
    } finally {
      if (scram !== admin) await scram.close();
    }

    const client = uniqueTopic('client');
    const altered = await admin.alterClientQuotas([{ entity: { 'client-id': client }, ops: { producer_byte_rate: 1048576, consumer_byte_rate: 2097152 } }]);
    expect(altered[0]!.ok).toBe(true);
    await eventually(async () => {
      const e = await admin.describeClientQuotas([{ entityType: 'client-id', match: client }], { strict: true });
      expect(e).toEqual([{ entity: { 'client-id': client }, values: { producer_byte_rate: 1048576, consumer_byte_rate: 2097152 } }]);
    });
    await admin.alterClientQuotas([{ entity: { 'client-id': client }, ops: { producer_byte_rate: null, consumer_byte_rate: null } }]);
    await eventually(async () => expect(await admin.describeClientQuotas([{ entityType: 'client-id', match: client }], { strict: true })).toEqual([]));
  });
});
