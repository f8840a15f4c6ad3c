// Consumers sharing a topic through a group (the full Consumer on top of the
// group membership): members leave and join while records keep coming; every
// record is consumed, and with commits before revocation none twice.
import { expect, it } from 'vitest';
import { Consumer, stringDeserializer } from '../../../src/consumer/index.js';
import { Producer } from '../../../src/index.js';
import { createTopic, describeKafka, kafka, uniqueTopic } from '../kafka.js';

type Protocol = { groupProtocol: 'classic'; partitionAssignmentStrategy: string[] } | { groupProtocol: 'consumer' };

const failed: string[] = [];

async function until(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (failed.length > 0) throw new Error(`a member failed: ${failed.join('; ')}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeKafka('consumers in a group', () => {
  const cases: Array<[string, Protocol]> = [
    ['classic, cooperative-sticky', { groupProtocol: 'classic', partitionAssignmentStrategy: ['cooperative-sticky'] }],
    ['KIP-848', { groupProtocol: 'consumer' }],
  ];
  for (const [name, protocol] of cases) {
    it(`${name}: three members, one leaves and one joins while records flow; every record once`, async () => {
      const topic = uniqueTopic('c-members');
      const groupId = uniqueTopic('g-members');
      await createTopic(topic, 6);
      const seen = new Map<string, string[]>();
      const errors = failed;
      errors.length = 0;
      const members = new Map<string, { c: Consumer<string | null, string | null>; loop: Promise<void>; stop: boolean }>();
      const start = (member: string) => {
        const c = new Consumer<string | null, string | null>({
          bootstrapServers: kafka.bootstrap, groupId, autoOffsetReset: 'earliest', autoCommitIntervalMs: 200, fetchMaxWaitMs: 100,
          heartbeatIntervalMs: 500, sessionTimeoutMs: 10_000, valueDeserializer: stringDeserializer, ...protocol,
        });
        c.subscribe([topic]);
        const m = { c, stop: false, loop: Promise.resolve() };
        m.loop = (async () => {
          while (!m.stop) {
            for (const r of await c.poll(100)) seen.set(r.value!, [...(seen.get(r.value!) ?? []), `${member}@${r.partition}/${r.offset}`]);
          }
        })().catch((e: unknown) => void errors.push(`${member}: ${(e as Error).message}`));
        members.set(member, m);
      };
      const stopMember = async (member: string) => {
        const m = members.get(member)!;
        m.stop = true;
        await m.loop;
        await m.c.close();
        members.delete(member);
      };
      const owned = () => [...members.values()].flatMap((m) => m.c.assignment().map((tp) => tp.partition)).sort();

      const p = new Producer({ bootstrapServers: kafka.bootstrap, lingerMs: 5 });
      const sent: string[] = [];
      let producing = true;
      const producer = (async () => {
        for (let i = 0; producing; i++) {
          // Round robin over the partitions: the sticky default could keep new records off a new member's
          // partitions for longer than the test waits (it moves on only after batchSize bytes).
          const n = (j: number) => i * 20 + j;
          await Promise.all(Array.from({ length: 20 }, (_, j) => p.send({ topic, partition: n(j) % 6, value: `r${n(j)}` }).then(() => void sent.push(`r${n(j)}`))));
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      try {
        for (const m of ['a', 'b', 'c']) start(m);
        await until(() => owned().join() === '0,1,2,3,4,5' && [...members.values()].every((m) => m.c.assignment().length === 2), 'three members with two partitions each');
        await until(() => seen.size > 200, 'records to flow');
        await stopMember('b');
        await until(() => owned().join() === '0,1,2,3,4,5' && members.size === 2, 'the two others to take b\'s partitions');
        start('d');
        await until(() => owned().join() === '0,1,2,3,4,5' && [...members.values()].every((m) => m.c.assignment().length === 2), 'd to get its share');
        await until(() => (members.get('d')?.c ? [...seen.values()].some((w) => w[0]!.startsWith('d@')) : false), 'd to consume');
        producing = false;
        await producer;
        await until(() => sent.every((v) => seen.has(v)), 'every record to be consumed');
      } finally {
        producing = false;
        await producer.catch(() => undefined);
        await p.close();
        for (const m of [...members.keys()]) await stopMember(m);
      }
      expect(errors).toEqual([]);
      expect(sent.length).toBeGreaterThan(200);
      const twice = [...seen].filter(([, who]) => who.length > 1);
      expect(twice.slice(0, 5)).toEqual([]);
    });
  }
});
