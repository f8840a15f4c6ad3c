import { describe, expect, it } from 'vitest';
import { KafkaError, Producer } from '../../../src/index.js';
import { createTopic, kafka, noKafka, uniqueTopic } from '../kafka.js';

describe.skipIf(noKafka)('producer errors a user can act on', () => {
  it('a topic that does not exist is named after maxBlockMs', async () => {
    const topic = uniqueTopic('missing');
    const p = new Producer({ bootstrapServers: kafka.bootstrap, maxBlockMs: 1500 });
    try {
      const err = await p.send({ topic, value: 'x' }).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(KafkaError);
      expect((err as Error).message).toContain(topic);
      expect((err as Error).message).toMatch(/does not exist|not in the cluster metadata after 1500 ms/);
    } finally {
      await p.close();
    }
  });

  it('a record larger than maxRequestSize is refused with both sizes, before anything is sent', async () => {
    const topic = uniqueTopic('big-client');
    await createTopic(topic, 1);
    const p = new Producer({ bootstrapServers: kafka.bootstrap, maxRequestSize: 1000 });
    try {
      const err = (await p.send({ topic, value: Buffer.alloc(5000) }).catch((e: unknown) => e)) as Error;
      expect(err.message).toMatch(/RECORD_TOO_LARGE/);
      expect(err.message).toMatch(/50\d\d bytes/);
      expect(err.message).toContain('1000 bytes');
      // Other records still go through.
      const ok = await p.send({ topic, value: 'small' });
      expect(ok.offset).toBe(0n);
    } finally {
      await p.close();
    }
  });

  it("a record larger than the topic's max.message.bytes is refused by the broker, and the error gives both sizes", async () => {
    const topic = uniqueTopic('big-broker');
    await createTopic(topic, 1, undefined, { 'max.message.bytes': '2000' });
    const p = new Producer({ bootstrapServers: kafka.bootstrap });
    try {
      const err = (await p.send({ topic, value: Buffer.alloc(5000, 1) }).catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(KafkaError);
      expect(err.message).toMatch(/RECORD_TOO_LARGE/);
      expect(err.message).toMatch(/batch of 50\d\d bytes/);
      expect(err.message).toContain('max.message.bytes (2000 bytes)');
      // A batch of several records is split and still delivered.
      const small = await Promise.all(Array.from({ length: 20 }, (_, i) => p.send({ topic, value: Buffer.alloc(500, i) })));
      expect(small.map((m) => m.offset).sort((a, b) => Number(a - b))).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i)));
    } finally {
      await p.close();
    }
  });

  it('options that cannot work together are refused as in Java', () => {
    expect(() => new Producer({ bootstrapServers: kafka.bootstrap, enableIdempotence: true, acks: 1 })).toThrow(/acks must be 'all'/);
    expect(() => new Producer({ bootstrapServers: kafka.bootstrap, transactionalId: 't', enableIdempotence: false })).toThrow(/transactionalId/);
    expect(() => new Producer({ bootstrapServers: kafka.bootstrap, deliveryTimeoutMs: 1000, requestTimeoutMs: 30_000 })).toThrow(/deliveryTimeoutMs/);
    // Without an explicit enableIdempotence, acks=1 quietly turns idempotence off, as in Java 3.x.
    expect(new Producer({ bootstrapServers: kafka.bootstrap, acks: 1 }).options.enableIdempotence).toBe(false);
  });

});

describe.skipIf(noKafka || kafka.sasl === null)('authorization', () => {
  it('TOPIC_AUTHORIZATION_FAILED names the topic and says it is an ACL problem, without retrying until maxBlockMs', async () => {
    const topic = uniqueTopic('acl');
    await createTopic(topic, 1);
    // bob has no ACLs on the SASL listener (the test cluster enforces ACLs there).
    const p = new Producer({
      bootstrapServers: kafka.sasl!.bootstrap,
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'bob', password: kafka.sasl!.users.bob! },
      // Far beyond the test's timeout: only an error that is not retried ends this send in time.
      maxBlockMs: 600_000,
    });
    try {
      const err = (await p.send({ topic, value: 'x' }).catch((e: unknown) => e)) as KafkaError & { errorName?: string };
      expect(err).toBeInstanceOf(KafkaError);
      expect(err.errorName).toBe('TOPIC_AUTHORIZATION_FAILED');
      expect(err.message).toContain(`topic ${topic}`);
      expect(err.message).toMatch(/authorization problem \(ACLs/);
      expect(err.retriable).toBe(false);
    } finally {
      await p.close();
    }
  });
});
