import { describe, expect, it } from 'vitest';
import { kafka, kafkaTool, noKafka, uniqueTopic } from './kafka.js';

describe.skipIf(noKafka)('the test cluster', () => {
  it('is one cluster: a topic with 6 partitions and replication factor 3 spreads over every node', async () => {
    const nodes = kafka.bootstrap.split(',').length;
    const topic = uniqueTopic('cluster');
    const rf = Math.min(3, nodes);
    await kafkaTool('topics', ['--bootstrap-server', kafka.bootstrap, '--create', '--topic', topic, '--partitions', '6', '--replication-factor', String(rf)]);
    const out = await kafkaTool('topics', ['--bootstrap-server', kafka.bootstrap, '--describe', '--topic', topic]);
    const rows = out.split('\n').filter((l) => /\tPartition: \d+/.test(l));
    expect(rows).toHaveLength(6);
    const leaders = new Set<string>();
    for (const row of rows) {
      const replicas = /Replicas: ([\d,]+)/.exec(row)?.[1]?.split(',') ?? [];
      const isr = /Isr: ([\d,]+)/.exec(row)?.[1]?.split(',') ?? [];
      expect(replicas).toHaveLength(rf);
      expect(new Set(isr)).toEqual(new Set(replicas));
      leaders.add(/Leader: (\d+)/.exec(row)?.[1] ?? '?');
    }
    // Leaders are spread by the controller: with 3 nodes and 6 partitions each node leads some.
    expect(leaders.size).toBe(nodes >= 3 ? 3 : nodes);
  });
});

// The integration tests skip only when a cluster or one of its listeners is missing. Under CI that must never
// happen, so this fails the run instead of letting those tests skip quietly.
describe.runIf(process.env.CI === 'true')('under CI', () => {
  it('has the harness cluster with every listener, so no integration test can skip', () => {
    expect(kafka.unavailable).toBeNull();
    expect(kafka.clusterDir).not.toBeNull();
    expect(kafka.bootstrap.split(',')).toHaveLength(3);
    expect(kafka.sasl).not.toBeNull();
    expect(kafka.tls).not.toBeNull();
    if (process.env.KAFKA_MATRIX !== '0') expect(kafka.legacy).not.toBeNull();
  });
});
