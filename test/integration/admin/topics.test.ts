// Admin topic, config, offset and cluster calls against the real cluster, with per-item errors.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Admin } from '../../../src/admin/admin.js';
import { KafkaBrokerError } from '../../../src/messages/error-codes.js';
import { describeKafka, kafka, uniqueTopic } from '../kafka.js';
import { eventually, java, produceLines } from './helpers.js';

describeKafka('Admin: topics, configs, offsets, cluster', () => {
  let admin: Admin;
  const replication = Math.min(3, kafka.bootstrap.split(',').length);
  beforeAll(() => {
    admin = new Admin({ bootstrapServers: kafka.bootstrap, defaultApiTimeoutMs: 20_000 });
  });
  afterAll(() => admin.close());

  it('createTopics: one result per topic; an existing topic fails alone; validateOnly creates nothing', async () => {
    const a = uniqueTopic('admin-a');
    const b = uniqueTopic('admin-b');
    const first = await admin.createTopics([{ topic: a, numPartitions: 3, replicationFactor: replication, configs: { 'retention.ms': '3600000' } }]);
    expect(first[0]).toMatchObject({ topic: a, ok: true, value: { numPartitions: 3, replicationFactor: replication } });
    expect(first[0]!.value!.configs['retention.ms']).toBe('3600000');
    const second = await admin.createTopics([{ topic: a, numPartitions: 1 }, { topic: b, numPartitions: 2 }]);
    expect(second.map((r) => r.topic)).toEqual([a, b]);
    expect(second[0]!.ok).toBe(false);
    expect((second[0]!.error as KafkaBrokerError).errorName).toBe('TOPIC_ALREADY_EXISTS');
    expect(second[1]).toMatchObject({ ok: true, value: { numPartitions: 2 } });
    const v = uniqueTopic('admin-validate');
    const dry = await admin.createTopics([{ topic: v, numPartitions: 1 }], { validateOnly: true });
    expect(dry[0]!.ok).toBe(true);
    // The broker that answers Metadata learns of new topics a moment after the controller.
    const listed = await eventually(async () => {
      const l = await admin.listTopics();
      expect(l.map((t) => t.name)).toEqual(expect.arrayContaining([a, b]));
      return l;
    });
    expect(listed.map((t) => t.name)).not.toContain(v);
    expect(listed.some((t) => t.name === '__consumer_offsets')).toBe(false);
  });

  it('createTopics with an explicit replica assignment', async () => {
    const ids = (await admin.describeCluster()).brokers.map((x) => x.id);
    const a = uniqueTopic('admin-assign');
    const assignment = { 0: [ids[0]!], 1: [ids[ids.length - 1]!] };
    const [r] = await admin.createTopics([{ topic: a, replicaAssignment: assignment }]);
    expect(r).toMatchObject({ ok: true, value: { numPartitions: 2, replicationFactor: 1 } });
    await eventually(async () => {
      const [d] = await admin.describeTopics([a]);
      expect(d!.value!.partitions.map((p) => p.replicas)).toEqual([assignment[0], assignment[1]]);
    });
  });

  it('describeTopics: partitions, leaders, ISR, topic id; a missing topic fails alone, at once', async () => {
    const a = uniqueTopic('admin-desc');
    const missing = uniqueTopic('admin-missing');
    await admin.createTopics([{ topic: a, numPartitions: 2, replicationFactor: replication }]);
    // Every broker knows the new topic a moment later; until then a broker answers as for a missing topic (as in Java).
    await eventually(async () => {
      const [r] = await admin.describeTopics([a]);
      if (!r!.ok || r!.value.partitions.some((p) => p.leader < 0)) throw new Error('not yet');
    });
    // A missing topic is not retried (as in Java): with retries, this call would outlive the test's timeout.
    const res = await admin.describeTopics([a, missing], { includeAuthorizedOperations: true, timeoutMs: 600_000 });
    expect(res[0]).toMatchObject({ topic: a, ok: true });
    const d = res[0]!.value!;
    expect(d.partitions.map((p) => p.partition)).toEqual([0, 1]);
    for (const p of d.partitions) {
      expect(p.replicas).toHaveLength(replication);
      expect(p.replicas).toContain(p.leader);
      expect(p.isr.length).toBeGreaterThan(0);
    }
    expect(d.topicId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(d.authorizedOperations).toEqual(expect.arrayContaining(['READ', 'WRITE', 'DESCRIBE']));
    expect(res[1]!.ok).toBe(false);
    expect((res[1]!.error as KafkaBrokerError).errorName).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    expect(res[1]!.error!.message).toContain(missing);
  });

  it('createPartitions and deleteTopics, each with a missing topic beside a real one', async () => {
    const a = uniqueTopic('admin-grow');
    const missing = uniqueTopic('admin-missing');
    await admin.createTopics([{ topic: a, numPartitions: 1, replicationFactor: replication }]);
    await eventually(async () => expect((await admin.describeTopics([a]))[0]!.ok).toBe(true));
    const grown = await admin.createPartitions({ [a]: { totalCount: 3 }, [missing]: { totalCount: 2 } });
    expect(grown[0]).toMatchObject({ topic: a, ok: true });
    expect(grown[1]!.ok).toBe(false);
    await eventually(async () => {
      const [d] = await admin.describeTopics([a]);
      expect(d!.value!.partitions).toHaveLength(3);
    });
    const deleted = await admin.deleteTopics([a, missing]);
    expect(deleted[0]).toMatchObject({ topic: a, ok: true });
    expect((deleted[1]!.error as KafkaBrokerError).errorName).toBe('UNKNOWN_TOPIC_OR_PARTITION');
  });

  it('describeConfigs and incrementalAlterConfigs for a topic and a broker', async () => {
    const a = uniqueTopic('admin-cfg');
    const missing = uniqueTopic('admin-missing');
    await admin.createTopics([{ topic: a, numPartitions: 1, replicationFactor: replication }]);
    await eventually(async () => expect((await admin.describeTopics([a]))[0]!.ok).toBe(true));
    const altered = await admin.incrementalAlterConfigs([
      { resource: { type: 'topic', name: a }, ops: [{ name: 'retention.ms', op: 'set', value: '7200000' }, { name: 'cleanup.policy', op: 'set', value: 'compact' }] },
      { resource: { type: 'topic', name: missing }, ops: [{ name: 'retention.ms', op: 'set', value: '1' }] },
    ]);
    expect(altered[0]!.ok).toBe(true);
    expect(altered[1]!.ok).toBe(false);
    const cluster = await admin.describeCluster();
    const brokerId = String(cluster.brokers[0]!.id);
    // Any broker answers for a topic, from its copy of the metadata: the change reaches each a moment later.
    const [topicCfg, brokerCfg] = await eventually(async () => {
      const r = await admin.describeConfigs([{ type: 'topic', name: a }, { type: 'broker', name: brokerId }], { includeSynonyms: true });
      expect(r[0]!.value!.find((c) => c.name === 'retention.ms')).toMatchObject({ value: '7200000', source: 'DYNAMIC_TOPIC_CONFIG', isDefault: false });
      return r;
    });
    expect(topicCfg!.value!.find((c) => c.name === 'segment.bytes')!.isDefault).toBe(true);
    expect(brokerCfg!.value!.find((c) => c.name === 'node.id')).toMatchObject({ value: brokerId });
    // The Java tool sees the same value.
    await eventually(async () => {
      const out = await java('configs', ['--bootstrap-server', kafka.bootstrap, '--entity-type', 'topics', '--entity-name', a, '--describe']);
      expect(out).toContain('retention.ms=7200000');
    });
    // A broker resource goes to that broker; validateOnly changes nothing. A static config fails alone.
    const brokerAlter = await admin.incrementalAlterConfigs(
      [
        { resource: { type: 'broker', name: brokerId }, ops: [{ name: 'log.cleaner.threads', op: 'set', value: '2' }] },
        { resource: { type: 'broker', name: cluster.brokers.length > 1 ? String(cluster.brokers[1]!.id) : '' }, ops: [{ name: 'node.id', op: 'set', value: '99' }] },
      ],
      { validateOnly: true },
    );
    expect(brokerAlter[0]!.ok).toBe(true);
    expect(brokerAlter[1]!.ok).toBe(false);
    const removed = await admin.incrementalAlterConfigs([{ resource: { type: 'topic', name: a }, ops: [{ name: 'retention.ms', op: 'delete' }] }]);
    expect(removed[0]!.ok).toBe(true);
    await eventually(async () => {
      const [after] = await admin.describeConfigs([{ type: 'topic', name: a }], { configNames: ['retention.ms'] });
      expect(after!.value!.find((c) => c.name === 'retention.ms')!.isDefault).toBe(true);
    });
  });

  it('describeCluster: every broker, a controller and the cluster id', async () => {
    const d = await admin.describeCluster({ includeAuthorizedOperations: true });
    expect(d.brokers.map((b) => `${b.host}:${b.port}`).sort()).toEqual(kafka.bootstrap.split(',').sort());
    expect(d.controller).not.toBeNull();
    expect(d.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(d.authorizedOperations).toContain('ALTER');
  });

  it('listOffsets (earliest, latest, by timestamp, max timestamp) and deleteRecords', async () => {
    const a = uniqueTopic('admin-offsets');
    await admin.createTopics([{ topic: a, numPartitions: 1, replicationFactor: replication }]);
    // One record a line, in one batch per line (linger 0), each stamped by the producer as it goes.
    await eventually(async () => expect((await admin.describeTopics([a]))[0]!.ok).toBe(true));
    const t0 = Date.now();
    await produceLines(a, ['v0', 'v1', 'v2', 'v3', 'v4']);
    const specs = ['earliest', 'latest', 'max-timestamp', { timestamp: t0 - 60_000 }, { timestamp: Date.now() + 60_000 }] as const;
    // One partition per call carries one spec (as Java's Map<TopicPartition, OffsetSpec>), so one call per spec.
    const res = await Promise.all([
      ...specs.map(async (spec) => (await admin.listOffsets([{ topic: a, partition: 0, spec }]))[0]!),
      admin.listOffsets([{ topic: a, partition: 0, spec: 'latest' }, { topic: a, partition: 7, spec: 'latest' }]).then((r) => r[1]!),
    ]);
    const offs = res.map((r) => (r.ok ? r.value.offset : null));
    // max-timestamp: the last record with the largest timestamp (≥ 0); a timestamp before all: the first; after all: -1 (none).
    expect(offs.slice(0, 2)).toEqual([0n, 5n]);
    expect(offs[2]).toBeGreaterThanOrEqual(0n);
    expect(res[2]!.value!.timestamp).toBeGreaterThanOrEqual(BigInt(t0));
    expect(offs.slice(3, 5)).toEqual([0n, -1n]);
    expect(res[5]!.ok).toBe(false);
    expect(res[5]!.error!.message).toContain('partition 7');
    const del = await admin.deleteRecords([{ topic: a, partition: 0, beforeOffset: 2n }]);
    expect(del[0]).toMatchObject({ ok: true, value: { lowWatermark: 2n } });
    const [earliest] = await admin.listOffsets([{ topic: a, partition: 0, spec: 'earliest' }]);
    expect(earliest!.value!.offset).toBe(2n);
  });
});
