// subscribe() to a topic that does not exist yet: the group waits for it, and
// every member (leader or not, classic or KIP-848) says so once in the
// kafkawire:consumer log, not at every metadata refresh. Once the topic is
// created the members say so and read it.
import { format } from 'node:util';
import createDebug from 'debug';
import { expect, it } from 'vitest';
import { Consumer, stringDeserializer } from '../../../src/consumer/index.js';
import { Producer } from '../../../src/index.js';
import { createTopic, describeKafka, kafka, uniqueTopic } from '../kafka.js';

type Protocol = { groupProtocol: 'classic'; partitionAssignmentStrategy: string[] } | { groupProtocol: 'consumer' };

async function until(cond: () => boolean, what: string, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeKafka('subscribe to a topic that does not exist', () => {
  const cases: Array<[string, Protocol]> = [
    ['classic', { groupProtocol: 'classic', partitionAssignmentStrategy: ['range'] }],
    ['KIP-848', { groupProtocol: 'consumer' }],
  ];
  for (const [name, protocol] of cases) {
    it(`${name}: every member logs the missing topic once, keeps waiting, and reads it once it is created`, async () => {
      const topic = uniqueTopic('c-missing');
      const groupId = uniqueTopic('g-missing');
      const lines: string[] = [];
      const previous = createDebug.disable();
      const savedLog = createDebug.log;
      createDebug.enable('kafkawire:consumer,kafkawire:metadata');
      createDebug.log = (...args: unknown[]) => void lines.push(format(...args));
      const clients = [uniqueTopic('member-a'), uniqueTopic('member-b')];
      const consumers = clients.map(
        (clientId) =>
          new Consumer<string | null, string | null>({
            bootstrapServers: kafka.bootstrap, clientId, groupId, autoOffsetReset: 'earliest', fetchMaxWaitMs: 100,
            heartbeatIntervalMs: 500, sessionTimeoutMs: 10_000, metadataMaxAgeMs: 300, valueDeserializer: stringDeserializer, ...protocol,
          }),
      );
      const got: string[] = [];
      const errors: string[] = [];
      let stop = false;
      const missingLine = (clientId: string) => `group ${groupId} (client ${clientId}): subscribed topic ${topic} does not exist or is not visible to this client (UNKNOWN_TOPIC_OR_PARTITION)`;
      const existsLine = (clientId: string) => `group ${groupId} (client ${clientId}): subscribed topic ${topic} exists now`;
      // Metadata answers that still say the topic is unknown (error 3), from any client in this process.
      const unknownAnswers = () => lines.filter((l) => l.includes(`${topic}(0, error 3)`)).length;
      try {
        for (const c of consumers) c.subscribe([topic]);
        // The application polls as usual meanwhile: nothing arrives and nothing fails.
        const loops = consumers.map((c, i) =>
          (async () => {
            while (!stop) for (const r of await c.poll(100)) got.push(r.value!);
          })().catch((e: unknown) => void errors.push(`${clients[i]}: ${(e as Error).message}`)),
        );
        await until(() => clients.every((id) => lines.some((l) => l.includes(missingLine(id)))), 'both members to log the missing topic');
        // Several more metadata refreshes (metadataMaxAgeMs 300) while the topic is still missing.
        const seen = unknownAnswers();
        await until(() => unknownAnswers() >= seen + 6, 'more metadata refreshes that find the topic missing');
        for (const id of clients) expect(lines.filter((l) => l.includes(missingLine(id)))).toHaveLength(1);
        expect(got).toEqual([]);
        expect(errors).toEqual([]);

        await createTopic(topic, 2);
        const p = new Producer({ bootstrapServers: kafka.bootstrap, lingerMs: 0 });
        try {
          await Promise.all(['x0', 'x1', 'x2', 'x3'].map((value, i) => p.send({ topic, partition: i % 2, value })));
        } finally {
          await p.close();
        }
        await until(() => got.length >= 4, 'the records of the new topic');
        await until(() => clients.every((id) => lines.some((l) => l.includes(existsLine(id)))), 'both members to see the topic');
        stop = true;
        await Promise.all(loops);
      } finally {
        stop = true;
        createDebug.log = savedLog;
        createDebug.enable(previous);
        await Promise.all(consumers.map((c) => c.close()));
      }
      expect(errors).toEqual([]);
      expect(got.sort()).toEqual(['x0', 'x1', 'x2', 'x3']);
      for (const id of clients) expect(lines.filter((l) => l.includes(missingLine(id)))).toHaveLength(1);
    });
  }
});
