// A consumer group as a broker older than the test cluster answers it: with
// JoinGroup held at v4 (Kafka 2.2, before static membership), a member with a
// groupInstanceId fails with an error that names it, as Java's does, instead of
// joining as a dynamic member that would not leave the group on close; a
// member without one joins and reads as usual. (Checked by hand against a real
// Kafka 2.1.1 as well.)
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Consumer, Producer, UnsupportedVersionError } from '../../../src/index.js';
import { createTopic, describeKafka, kafka, uniqueTopic } from '../kafka.js';

describeKafka('consumer group on JoinGroup v4', () => {
  let topic: string;
  beforeAll(async () => {
    topic = uniqueTopic('old-join');
    await createTopic(topic, 1);
    const p = new Producer({ bootstrapServers: kafka.bootstrap });
    await p.send({ topic, value: 'one' });
    await p.close();
  });
  const consumers: Consumer[] = [];
  afterAll(async () => {
    await Promise.allSettled(consumers.map((c) => c.close({ timeoutMs: 5000 })));
  });

  it('a static member is refused with the reason; a dynamic one joins and reads', async () => {
    const caps = { versionCaps: { JoinGroup: 4 } };
    const staticMember = new Consumer({ bootstrapServers: kafka.bootstrap, groupId: uniqueTopic('old-static'), groupInstanceId: 'instance-1', autoOffsetReset: 'earliest', ...caps });
    consumers.push(staticMember);
    staticMember.subscribe([topic]);
    const err = await (async () => {
      // A few polls reach the JoinGroup; after 20 the member has joined without the error.
      for (let i = 0; i < 20; i++) await staticMember.poll(500);
      return new Error('the static member joined on JoinGroup v4');
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedVersionError);
    expect((err as Error).message).toMatch(/JoinGroup only up to v4, which cannot carry groupInstanceId instance-1 \(static membership, KIP-345\) \(that needs v5\)/);

    const dynamic = new Consumer({ bootstrapServers: kafka.bootstrap, groupId: uniqueTopic('old-dynamic'), autoOffsetReset: 'earliest', ...caps });
    consumers.push(dynamic);
    dynamic.subscribe([topic]);
    const got: string[] = [];
    while (got.length === 0) for (const r of await dynamic.poll(1000)) got.push(String(r.value));
    expect(got).toEqual(['one']);
  });
});
