// kafkawire and the Java consumer in one classic group: the ConsumerProtocol
// subscription and assignment bytes must be Java's for the two to split the
// partitions, whichever of them leads; and offsets kafkawire commits must show
// in Java's ConsumerGroupCommand --describe.
import { afterEach, expect, it } from 'vitest';
import { Producer } from '../../../src/producer/producer.js';
import { createTopic, describeKafka, kafka, kafkaTool, uniqueTopic } from '../kafka.js';
import { allPartitions, describeClassicGroup, Member, waitFor } from './group-harness.js';

const open: Member[] = [];
const stops: Array<() => void> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) s();
  await Promise.allSettled(open.splice(0).map((m) => m.close()));
});

async function member(name: string, groupId: string) {
  const m = await Member.start(name, { groupId, partitionAssignmentStrategy: ['range'] });
  open.push(m);
  stops.push(m.keepPolling());
  return m;
}

async function produceOnePerPartition(topic: string, n: number): Promise<void> {
  const p = new Producer({ bootstrapServers: kafka.bootstrap });
  try {
    await Promise.all(Array.from({ length: n }, (_, partition) => p.send({ topic, partition, value: `p${partition}` })));
  } finally {
    await p.close();
  }
}

/** Starts the Java console consumer in the group (RangeAssignor); resolves to the partitions it printed records from. */
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

describeKafka('classic group shared with the Java consumer (real cluster)', () => {
  it('kafkawire leads and Java follows: they split 6 partitions 3 + 3; Java describes kafkawire\'s committed offsets', async () => {
    const topic = uniqueTopic('grp-java');
    await createTopic(topic, 6);
    await produceOnePerPartition(topic, 6);
    const group = uniqueTopic('g-mixed');
    const kw = await member('kafkawire-member', group);
    await kw.membership.subscribe({ topics: [topic] });
    expect(kw.ownedList()).toEqual(allPartitions(topic, 6));

    let kwShare: string[] = [];
    const java = javaGroupConsumer(topic, group, 3);
    // While Java is in the group, kafkawire holds exactly half.
    await waitFor(() => kw.owned.size === 3, 120_000, () => kw.ownedList().join(','));
    kwShare = kw.ownedList();
    const javaPartitions = await java;
    const javaShare = javaPartitions.map((p) => `${topic}-${p}`);
    expect(javaPartitions).toHaveLength(3);
    expect([...kwShare, ...javaShare].sort()).toEqual(allPartitions(topic, 6));

    // kafkawire commits its share; Java's ConsumerGroupCommand shows those offsets.
    const mine = kwShare.map((l) => Number(l.slice(topic.length + 1)));
    await kw.membership.commit(new Map(mine.map((partition) => [{ topic, partition }, { offset: 1n }])));
    const out = await kafkaTool('consumerGroups', ['--bootstrap-server', kafka.bootstrap, '--describe', '--group', group], { timeoutMs: 120_000 });
    const rows = out
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((c) => c[0] === group && c[1] === topic);
    for (const p of mine) {
      const row = rows.find((c) => Number(c[2]) === p);
      expect(row, out).toBeDefined();
      expect(row![3]).toBe('1'); // CURRENT-OFFSET
      expect(row![4]).toBe('1'); // LOG-END-OFFSET
    }
  });

  it('Java leads and kafkawire follows: kafkawire reads Java\'s assignment bytes and takes the other half', async () => {
    const topic = uniqueTopic('grp-java2');
    await createTopic(topic, 6);
    const group = uniqueTopic('g-mixed');
    const java = javaGroupConsumer(topic, group, 3);
    // Java is the first member, so the leader; wait until its group is stable.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const d = await describeClassicGroup(group).catch(() => ({ state: 'unknown', clients: [] as string[] }));
      if (d.state === 'Stable' && d.clients.includes('java-member')) break;
      if (Date.now() > deadline) throw new Error(`the Java consumer did not join group ${group}: ${JSON.stringify(d)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const kw = await member('kafkawire-member', group);
    await kw.membership.subscribe({ topics: [topic] });
    await waitFor(() => kw.owned.size === 3, 120_000, () => kw.ownedList().join(','));
    const kwShare = kw.ownedList();
    await produceOnePerPartition(topic, 6);
    const javaShare = (await java).map((p) => `${topic}-${p}`);
    expect([...kwShare, ...javaShare].sort()).toEqual(allPartitions(topic, 6));
  });
});
