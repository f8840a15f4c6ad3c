// The CLI's groups commands on a share group (run by Kafka's
// ConsoleShareConsumer): `groups describe` shows its members, assignment,
// start offsets and lag as Kafka's ShareGroupCommand does; `groups list`
// shows its type.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Admin } from '../../../src/admin/admin.js';
import { eventually } from '../admin/helpers.js';
import { javaShareConsumer, javaShareOffsets, produceCounts, startFromEarliest, stopGracefully } from '../admin/share-helpers.js';
import { createTopic, describeKafka, kafka, uniqueTopic } from '../kafka.js';
import { buildCli, cleanCli, kafkawire } from './run.js';

describeKafka('kafkawire groups on share groups (child process)', () => {
  let admin: Admin;
  const b = ['--bootstrap', kafka.bootstrap];
  beforeAll(async () => {
    admin = new Admin({ bootstrapServers: kafka.bootstrap });
    await buildCli();
  }, 180_000);
  afterAll(async () => {
    await admin.close();
    await cleanCli();
  });

  it('groups describe <share group>: state, members, assignment, start offsets and lag (as ShareGroupCommand); groups list shows the type', async () => {
    const topic = uniqueTopic('cli-share');
    const group = uniqueTopic('cli-share-group');
    await createTopic(topic, 2);
    await startFromEarliest(admin, group);
    await produceCounts(topic, [2, 3]);
    const consumer = javaShareConsumer(topic, group);
    try {
      // Settled: one member with both partitions, every record acknowledged.
      await eventually(async () => {
        const [d] = await admin.describeShareGroups([group]);
        if (d!.value?.state !== 'Stable' || d!.value.members[0]?.assignment.length !== 2) throw new Error(`not settled: ${d!.value?.state ?? d!.error?.message}`);
        const [o] = await admin.listShareGroupOffsets(group);
        if (!o!.ok || o!.value.length !== 2 || o!.value.some((p) => p.lag !== 0n)) throw new Error('not all acknowledged yet');
      }, 90_000);
      const java = await javaShareOffsets(group, topic);

      const json = await kafkawire(['groups', 'describe', group, '--json', ...b]);
      expect(json.stderr).toBe('');
      expect(json.code).toBe(0);
      const d = JSON.parse(json.stdout);
      expect(d).toMatchObject({ groupId: group, type: 'share', state: 'Stable', assignor: 'simple', members: 1, totalLag: 0 });
      expect(d.partitions.map((p: { partition: number }) => p.partition)).toEqual([0, 1]);
      for (const p of d.partitions) {
        expect({ start: String(p.startOffset), lag: String(p.lag) }).toEqual(java.get(p.partition));
        expect(p.owners).toHaveLength(1);
        expect(p.owners[0].clientId).toBe('java-share');
      }
      expect(d.memberDetails[0]).toMatchObject({ clientId: 'java-share', subscribedTopics: [topic] });

      const text = await kafkawire(['groups', 'describe', group, ...b]);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(new RegExp(`^Group: ${group}  State: Stable  Type: share  Assignor: simple  Members: 1  Coordinator: \\d+  Total lag: 0`));
      const memberId = d.partitions[0].owners[0].memberId as string;
      for (const p of [0, 1]) expect(text.stdout).toMatch(new RegExp(`\\n  ${topic}\\s+${p}\\s+${java.get(p)!.start}\\s+${java.get(p)!.lag}\\s+${memberId}\\n`));
      expect(text.stdout).toMatch(new RegExp(`  MEMBER\\s+HOST\\s+CLIENT-ID\\s+EPOCH\\s+ASSIGNMENT\\n  ${memberId}\\s+\\S+\\s+java-share\\s+\\d+\\s+${topic}:0,1\\n`));

      const listed = await kafkawire(['groups', 'list', '--type', 'share', ...b]);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(new RegExp(`\\n${group}\\s+share\\s+Stable\\s+share\\n`));
      const consumers = await kafkawire(['groups', 'list', '--type', 'consumer', '--json', ...b]);
      expect(consumers.code).toBe(0);
      expect(consumers.stdout).not.toContain(group);
    } finally {
      await stopGracefully(consumer.child);
    }
  }, 240_000);

  it('groups --help names share and streams groups; describe of a group that exists nowhere still fails with GROUP_ID_NOT_FOUND', async () => {
    const help = await kafkawire(['groups', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('classic|consumer|share|streams');
    expect(help.stdout).toMatch(/share group.*start offset/);
    const gone = await kafkawire(['groups', 'describe', uniqueTopic('no-such-group'), ...b]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('GROUP_ID_NOT_FOUND');
  });
});
