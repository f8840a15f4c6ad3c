// The group tests of issue 9 through the public Consumer (subscribe, poll,
// commitSync, rebalance listener), not the membership alone: a classic group
// shared with the Java console consumer, and static members that restart
// within sessionTimeoutMs, with both group protocols.
import { afterEach, expect, it } from 'vitest';
import { Consumer, stringDeserializer, type ConsumerOptions, type TopicPartition } from '../../../src/consumer/index.js';
import { Producer } from '../../../src/index.js';
import { createTopic, describeKafka, kafka, kafkaTool, uniqueTopic } from '../kafka.js';
import { allPartitions, describeClassicGroup, describeConsumerGroup, waitFor } from './group-harness.js';

type Event = { what: 'assigned' | 'revoked' | 'lost'; partitions: string[] };
const label = (ps: TopicPartition[]) => ps.map((p) => `${p.topic}-${p.partition}`).sort();

/** A public Consumer in a group, polling in the background, recording its rebalance callbacks and records. */
class PublicMember {
  readonly events: Event[] = [];
  /** Values read, per partition. */
  readonly records = new Map<number, string[]>();
  readonly errors: string[] = [];
  readonly consumer: Consumer<string | null, string | null>;
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(readonly name: string, opts: Partial<ConsumerOptions<string | null, string | null>> & { groupId: string }) {
    this.consumer = new Consumer<string | null, string | null>({
      bootstrapServers: kafka.bootstrap, clientId: name, autoOffsetReset: 'earliest', enableAutoCommit: false, fetchMaxWaitMs: 100,
      heartbeatIntervalMs: 500, sessionTimeoutMs: 10_000, valueDeserializer: stringDeserializer, ...opts,
    });
  }

  subscribe(topic: string): void {
    const record = (what: Event['what']) => (ps: TopicPartition[]) => void this.events.push({ what, partitions: label(ps) });
    this.consumer.subscribe([topic], { onPartitionsAssigned: record('assigned'), onPartitionsRevoked: record('revoked'), onPartitionsLost: record('lost') });
    this.loop = (async () => {
      while (!this.stopped) {
        for (const r of await this.consumer.poll(100)) this.records.set(r.partition, [...(this.records.get(r.partition) ?? []), r.value!]);
      }
    })().catch((e: unknown) => void this.errors.push((e as Error).message));
  }

  owned(): string[] {
    return label(this.consumer.assignment());
  }

  /** The rebalance callbacks have caught up with the assignment (onPartitionsAssigned runs once positions are known). */
  settled(): boolean {
    const held = new Set<string>();
    for (const e of this.events) for (const p of e.partitions) if (e.what === 'assigned') held.add(p); else held.delete(p);
    return [...held].sort().join() === this.owned().join();
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.consumer.close();
  }
}

const open: PublicMember[] = [];
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((m) => m.close()));
});

function member(name: string, opts: Partial<ConsumerOptions<string | null, string | null>> & { groupId: string }): PublicMember {
  const m = new PublicMember(name, opts);
  open.push(m);
  return m;
}

async function produce(topic: string, records: Array<{ partition: number; value: string }>): Promise<void> {
  const p = new Producer({ bootstrapServers: kafka.bootstrap, lingerMs: 0 });
  try {
    await Promise.all(records.map((r) => p.send({ topic, ...r })));
  } finally {
    await p.close();
  }
}

/** The Java console consumer in the group (RangeAssignor); resolves to the partitions it printed records from. */
function javaGroupConsumer(topic: string, group: string, maxMessages: number): Promise<number[]> {
  const args = [
    '--bootstrap-server', kafka.bootstrap, '--topic', topic, '--group', group, '--from-beginning',
    '--max-messages', String(maxMessages), '--timeout-ms', '90000',
    '--consumer-property', 'partition.assignment.strategy=org.apache.kafka.clients.consumer.RangeAssignor',
    '--consumer-property', 'client.id=java-member',
    '--formatter-property', 'print.partition=true',
  ];
  return kafkaTool('consoleConsumer', args, { timeoutMs: 180_000 }).then((out) =>
    out
      .split('\n')
      .map((l) => /^Partition:(\d+)\t/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b),
  );
}

/** Java's ConsumerGroupCommand --describe: CURRENT-OFFSET and LOG-END-OFFSET per partition of the topic. */
async function javaDescribe(group: string, topic: string): Promise<{ out: string; rows: Map<number, [string, string]> }> {
  const out = await kafkaTool('consumerGroups', ['--bootstrap-server', kafka.bootstrap, '--describe', '--group', group], { timeoutMs: 120_000 });
  const rows = new Map<number, [string, string]>();
  for (const c of out.split('\n').map((l) => l.trim().split(/\s+/))) if (c[0] === group && c[1] === topic) rows.set(Number(c[2]), [c[3]!, c[4]!]);
  return { out, rows };
}

const partitionsOf = (labels: string[], topic: string) => labels.map((l) => Number(l.slice(topic.length + 1)));

describeKafka('groups through the public Consumer (real cluster)', () => {
  it('a classic group with the Java console consumer: 3 + 3 split; kafkawire reads its share and its commitSync() shows in Java --describe', async () => {
    const topic = uniqueTopic('pub-java');
    await createTopic(topic, 6);
    await produce(topic, Array.from({ length: 6 }, (_, partition) => ({ partition, value: `p${partition}` })));
    const group = uniqueTopic('g-pub-java');
    const all = allPartitions(topic, 6);
    const kw = member('kafkawire-member', { groupId: group, partitionAssignmentStrategy: ['range'] });
    kw.subscribe(topic);
    await waitFor(() => kw.owned().length === 6, 120_000, () => kw.owned().join(','));

    // kafkawire leads (it joined first); Java joins, and while it is there kafkawire holds exactly half.
    const java = javaGroupConsumer(topic, group, 3);
    await waitFor(() => kw.owned().length === 3, 120_000, () => kw.owned().join(','));
    const kwShare = kw.owned();
    const javaShare = (await java).map((p) => `${topic}-${p}`);
    expect(javaShare).toHaveLength(3);
    expect([...kwShare, ...javaShare].sort()).toEqual(all);

    // Java has left: kafkawire gets everything back. New records on its own share show what it commits.
    await waitFor(() => kw.owned().length === 6, 120_000, () => kw.owned().join(','));
    const mine = partitionsOf(kwShare, topic);
    await produce(topic, mine.map((partition) => ({ partition, value: `q${partition}` })));
    await waitFor(() => mine.every((p) => kw.records.get(p)?.includes(`q${p}`) === true), 60_000, () => JSON.stringify([...kw.records]));
    for (const p of mine) expect(kw.records.get(p)).toContain(`p${p}`);
    await kw.consumer.commitSync();
    const committed = await kw.consumer.committed(mine.map((partition) => ({ topic, partition })));
    expect(committed.map((c) => c.offset)).toEqual(mine.map(() => 2n));

    const { out, rows } = await javaDescribe(group, topic);
    for (const p of mine) expect(rows.get(p), out).toEqual(['2', '2']); // CURRENT-OFFSET, LOG-END-OFFSET
    for (const p of partitionsOf(javaShare, topic)) expect(rows.get(p), out).toEqual(['1', '1']);
    expect(kw.errors).toEqual([]);
  });

  it('a classic group where Java leads: the public Consumer takes the other half from Java\'s assignment bytes and reads it', async () => {
    const topic = uniqueTopic('pub-java2');
    await createTopic(topic, 6);
    const group = uniqueTopic('g-pub-java2');
    const java = javaGroupConsumer(topic, group, 3);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const d = await describeClassicGroup(group).catch(() => ({ state: 'unknown', clients: [] as string[] }));
      if (d.state === 'Stable' && d.clients.includes('java-member')) break;
      if (Date.now() > deadline) throw new Error(`the Java consumer did not join group ${group}: ${JSON.stringify(d)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const kw = member('kafkawire-member', { groupId: group, partitionAssignmentStrategy: ['range'] });
    kw.subscribe(topic);
    await waitFor(() => kw.owned().length === 3, 120_000, () => kw.owned().join(','));
    const kwShare = kw.owned();
    await produce(topic, Array.from({ length: 6 }, (_, partition) => ({ partition, value: `p${partition}` })));
    const javaShare = (await java).map((p) => `${topic}-${p}`);
    expect([...kwShare, ...javaShare].sort()).toEqual(allPartitions(topic, 6));
    // kafkawire read the records of its share (it may get Java's half too once Java has left).
    await waitFor(() => partitionsOf(kwShare, topic).every((p) => kw.records.get(p)?.[0] === `p${p}`), 60_000, () => JSON.stringify([...kw.records]));
    expect(kw.errors).toEqual([]);
  });

  for (const protocol of ['classic', 'consumer'] as const) {
    it(`${protocol}: a static member that restarts within sessionTimeoutMs gets its partitions back and reads on; the others see no rebalance`, async () => {
      const topic = uniqueTopic('pub-static');
      await createTopic(topic, 6);
      const group = uniqueTopic('g-pub-static');
      const all = allPartitions(topic, 6);
      const opts = (instance: string) =>
        protocol === 'classic'
          ? { groupId: group, groupProtocol: 'classic' as const, groupInstanceId: instance, sessionTimeoutMs: 30_000, partitionAssignmentStrategy: ['range'] }
          : { groupId: group, groupProtocol: 'consumer' as const, groupInstanceId: instance };
      const [a, b, c] = ['a', 'b', 'c'].map((n) => member(n, opts(`static-${n}`)));
      for (const m of [a!, b!, c!]) m.subscribe(topic);
      const split = (ms: PublicMember[]) => ms.every((m) => m.owned().length === 2 && m.settled()) && ms.flatMap((m) => m.owned()).sort().join() === all.join();
      await waitFor(() => split([a!, b!, c!]), 90_000, () => [a!, b!, c!].map((m) => `${m.name}=${m.owned()}`).join(' | '));
      const before = b!.owned();
      const marks = [a!.events.length, c!.events.length];
      const generation = a!.consumer.groupMetadata().generationId;

      // b closes (a static member does not leave the group) and a new process with its instance id comes back.
      open.splice(open.indexOf(b!), 1);
      await b!.close();
      const b2 = member('b2', opts('static-b'));
      b2.subscribe(topic);
      await waitFor(() => b2.owned().length === 2 && b2.settled(), 90_000, () => b2.owned().join(','));
      expect(b2.owned()).toEqual(before);
      // It reads records produced to its partitions after the restart (earliest: nothing was committed).
      const mine = partitionsOf(before, topic);
      await produce(topic, mine.map((partition) => ({ partition, value: `after${partition}` })));
      await waitFor(() => mine.every((p) => b2.records.get(p)?.includes(`after${p}`) === true), 60_000, () => JSON.stringify([...b2.records]));

      if (protocol === 'classic') {
        const d = await describeClassicGroup(group);
        expect(d.state).toBe('Stable');
        expect(a!.consumer.groupMetadata().generationId).toBe(generation);
      } else {
        // Whatever epoch the group is at now, a and c heartbeat up to it without any partition moving.
        const { groupEpoch } = await describeConsumerGroup(group);
        await waitFor(() => [a!, c!].every((m) => m.consumer.groupMetadata().generationId >= groupEpoch), 60_000, () => `group epoch ${groupEpoch}`);
      }
      expect(a!.events.slice(marks[0])).toEqual([]);
      expect(c!.events.slice(marks[1])).toEqual([]);
      expect(a!.owned().length + c!.owned().length).toBe(4);
      expect([a!, b2, c!].flatMap((m) => m.errors)).toEqual([]);
    });
  }
});
