import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runChild, srcUrl } from '../api/child.js';
import { describeKafka, firstAddress, kafka, kafkaTool, uniqueTopic } from './kafka.js';

describeKafka('the test cluster', () => {
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

/**
 * The README's `kafkawire/protocol` example, as printed there (KAFKAWIRE_README
 * names another file, to check a draft before it is merged).
 */
function readmeProtocolExample(): string {
  const file = process.env.KAFKAWIRE_README ?? path.join(repoRoot, 'README.md');
  const blocks = [...fs.readFileSync(file, 'utf8').matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const example = blocks.find((b) => b.includes("from 'kafkawire/protocol'"));
  if (!example) throw new Error(`${file} has no js example importing kafkawire/protocol`);
  return example;
}

describeKafka('the README example for kafkawire/protocol', () => {
  it('sends ApiVersions and Metadata on a raw connection and prints the brokers', async () => {
    const example = readmeProtocolExample();
    const at = firstAddress(kafka.bootstrap);
    // Only the import (the sources, not a build) and the address change.
    const script = example
      .replace("from 'kafkawire/protocol'", `from ${JSON.stringify(srcUrl('src/protocol.ts'))}`)
      .replace("host: '127.0.0.1', port: 9092", `host: ${JSON.stringify(at.host)}, port: ${at.port}`);
    expect(script).not.toBe(example);
    expect(script).toContain(`port: ${at.port}`);
    const out = await runChild(script, { totalMs: 180_000 });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^the broker offers \d+ APIs, Metadata v\d+ to v\d+$/);
    expect(lines[1]).toMatch(/^cluster \S+, controller -?\d+, \d+ topics$/);
    const brokers = lines.slice(2).map((l) => /^broker \d+ at (\S+)$/.exec(l)?.[1]);
    expect(brokers.sort()).toEqual(kafka.bootstrap.split(',').sort());
  }, 240_000);
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
    if (process.env.KAFKA_MATRIX !== '0') expect(kafka.zookeeper).not.toBeNull();
    if (process.env.KAFKA_CHAOS !== '0') expect(kafka.chaos).not.toBeNull();
  });
});
