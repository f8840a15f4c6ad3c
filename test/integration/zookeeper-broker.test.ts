// The public clients against a real Kafka 2.3 broker with ZooKeeper (started
// by the harness with the version matrix): older than KIP-511, so it answers
// kafkawire's ApiVersions version with UNSUPPORTED_VERSION and no ranges, and
// older than default topic counts (CreateTopics v3), ListGroups state filters
// (v2), DescribeCluster and transactional offset fencing (TxnOffsetCommit v2).
// The Java 4 client supports brokers from Kafka 2.1; so does kafkawire.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin, Consumer, KafkaTransactionError, Producer, stringDeserializer, UnsupportedVersionError } from '../../src/index.js';
import { partitionForKey } from '../../src/producer/partitioner.js';
import { Connection } from '../../src/network/connection.js';
import { api } from '../../src/messages/registry.js';
import { kafka, uniqueTopic } from './kafka.js';

const zk = kafka.zookeeper;

describe.runIf(zk !== null)(`Kafka ${zk?.version ?? ''} with ZooKeeper`, () => {
  const bootstrap = zk?.bootstrap ?? '';
  let admin: Admin;
  let topic: string;
  beforeAll(async () => {
    admin = new Admin({ bootstrapServers: bootstrap, defaultApiTimeoutMs: 30_000 });
    topic = uniqueTopic('zk');
    const [created] = await admin.createTopics([{ topic, numPartitions: 3, replicationFactor: 1 }]);
    expect(created).toMatchObject({ ok: true, value: { numPartitions: 3, replicationFactor: 1 } });
  });
  afterAll(() => admin?.close());

  it('the handshake falls back to ApiVersions v0 and sees the old versions', async () => {
    const [host, port] = bootstrap.split(':');
    const c = await Connection.open({ host: host!, port: Number(port) });
    try {
      // Kafka 2.3 tops out at Produce v7 and CreateTopics v3.
      expect(c.versionFor(api('Produce'))).toBe(7);
      expect(c.versionFor(api('CreateTopics'))).toBe(3);
    } finally {
      c.close();
    }
  });

  it('idempotent keyed sends land where murmur2 says; a classic group reads them and commits', async () => {
    const p = new Producer({ bootstrapServers: bootstrap });
    const keys = Array.from({ length: 30 }, (_, i) => `key-${i}`);
    const sent = await p.sendBatch(keys.map((key) => ({ topic, key, value: `value of ${key}` })));
    await p.close();
    keys.forEach((key, i) => expect(sent[i]!.partition, key).toBe(partitionForKey(Buffer.from(key), 3)));

    const groupId = uniqueTopic('zk-group');
    const c = new Consumer({ bootstrapServers: bootstrap, groupId, autoOffsetReset: 'earliest', keyDeserializer: stringDeserializer });
    c.subscribe([topic]);
    const seen = new Map<string, number>();
    while (seen.size < keys.length) for (const r of await c.poll(1000)) seen.set(r.key as string, r.partition);
    await c.commitSync();
    const committed = await c.committed([0, 1, 2].map((partition) => ({ topic, partition })));
    await c.close();
    keys.forEach((key, i) => expect(seen.get(key), key).toBe(sent[i]!.partition));
    const ends = committed.map((x) => Number(x.offset));
    expect(ends.reduce((a, b) => a + b, 0)).toBe(keys.length);
  });

  it('transactions: read_committed sees the committed record only; group metadata offsets are refused, a bare group id commits', async () => {
    const t = uniqueTopic('zk-txn');
    await admin.createTopics([{ topic: t, numPartitions: 1, replicationFactor: 1 }]);
    const p = new Producer({ bootstrapServers: bootstrap, transactionalId: uniqueTopic('zk-txn-id') });
    try {
      await p.initTransactions();
      p.beginTransaction();
      await p.send({ topic: t, value: 'committed' });
      await p.commitTransaction();
      p.beginTransaction();
      await p.send({ topic: t, value: 'aborted' });
      const err = await p.sendOffsetsToTransaction([{ topic: t, partition: 0, offset: 1n }], { groupId: 'zk-g', generationId: 1, memberId: 'm', groupInstanceId: null }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KafkaTransactionError);
      expect((err as Error).message).toContain('TxnOffsetCommit only up to v2');
      await p.abortTransaction();
      p.beginTransaction();
      await p.sendOffsetsToTransaction([{ topic: t, partition: 0, offset: 1n }], uniqueTopic('zk-txn-group'));
      await p.commitTransaction();
    } finally {
      await p.close();
    }
    const c = new Consumer({ bootstrapServers: bootstrap, groupId: null, isolationLevel: 'read_committed', autoOffsetReset: 'earliest', valueDeserializer: stringDeserializer });
    c.assign([{ topic: t, partition: 0 }]);
    const values: unknown[] = [];
    // The committed record, then the end of the partition (the aborted record and the markers are hidden).
    const [end] = await c.endOffsets([{ topic: t, partition: 0 }]);
    while ((await c.position({ topic: t, partition: 0 })) < end!.offset) for (const r of await c.poll(500)) values.push(r.value);
    await c.close();
    expect(values).toEqual(['committed']);
  });

  it('Admin: counts are required, describeCluster() reads Metadata, a state filter is refused', async () => {
    const [noCounts] = await admin.createTopics([{ topic: uniqueTopic('zk-defaults') }]);
    expect(noCounts!.error).toBeInstanceOf(UnsupportedVersionError);
    const d = await admin.describeCluster();
    expect(d.brokers.map((b) => `${b.host}:${b.port}`)).toEqual([bootstrap]);
    expect(d.controller?.id).toBe(d.brokers[0]!.id);
    const byState = await admin.listGroups({ states: ['Stable'] });
    // Only a broker that has groups answers something to filter; every group made above lives on this one broker.
    expect(byState.groups).toEqual([]);
    expect(byState.errors.map((e) => e.error.message)).toEqual([expect.stringContaining('cannot list groups by state')]);
  });
});
