// Admin abortTransaction against the real cluster: a kafkawire producer leaves
// a transaction open (closed without commit, with a long transaction
// timeout), which holds back the last stable offset; describeProducers finds
// it, abortTransaction writes the abort marker, and a read_committed consumer
// then gets past it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Admin } from '../../../src/admin/admin.js';
import { Consumer, stringDeserializer } from '../../../src/consumer/index.js';
import { KafkaConfigError } from '../../../src/errors.js';
import { KafkaBrokerError } from '../../../src/messages/error-codes.js';
import { Producer } from '../../../src/index.js';
import { createTopic, describeKafka, kafka, uniqueTopic } from '../kafka.js';
import { eventually } from './helpers.js';

describeKafka('Admin abortTransaction', () => {
  let admin: Admin;
  beforeAll(() => {
    admin = new Admin({ bootstrapServers: kafka.bootstrap, defaultApiTimeoutMs: 30_000 });
  });
  afterAll(() => admin.close());

  it('aborts a hanging transaction that describeProducers shows, so read_committed consumers get past it', async () => {
    const topic = uniqueTopic('admin-abort');
    await createTopic(topic, 1);
    const tp = { topic, partition: 0 };

    // A committed record first, then a transaction that is never finished.
    const plain = new Producer({ bootstrapServers: kafka.bootstrap, lingerMs: 0 });
    const hanging = new Producer({ bootstrapServers: kafka.bootstrap, transactionalId: uniqueTopic('hanging'), transactionTimeoutMs: 600_000, lingerMs: 0 });
    let stuckAt: bigint;
    try {
      await plain.send({ ...tp, value: 'before' });
      await hanging.initTransactions();
      hanging.beginTransaction();
      stuckAt = (await hanging.send({ ...tp, value: 'stuck' })).offset;
    } finally {
      await hanging.close();
    }
    try {
      await plain.send({ ...tp, value: 'after' });
    } finally {
      await plain.close();
    }

    // The open transaction holds the last stable offset at its first record.
    const [lso] = await admin.listOffsets([{ ...tp, spec: 'latest' }], { isolationLevel: 'read_committed' });
    expect(lso!.value!.offset).toBe(stuckAt);
    const [hw] = await admin.listOffsets([{ ...tp, spec: 'latest' }]);
    expect(hw!.value!.offset).toBe(stuckAt + 2n);

    const [described] = await admin.describeProducers([tp]);
    const open = described!.value!.filter((p) => p.currentTransactionStartOffset !== null);
    expect(open).toHaveLength(1);
    const victim = open[0]!;
    expect(victim.currentTransactionStartOffset).toBe(stuckAt);

    // Java's kafka-transactions.sh uses coordinator epoch 0 when the leader has seen no marker (-1).
    await admin.abortTransaction({ ...tp, producerId: victim.producerId, producerEpoch: victim.producerEpoch, coordinatorEpoch: Math.max(0, victim.coordinatorEpoch) });

    const [after] = await admin.describeProducers([tp]);
    expect(after!.value!.find((p) => p.producerId === victim.producerId)?.currentTransactionStartOffset ?? null).toBeNull();
    // The abort marker is one more offset; the last stable offset is the high watermark again.
    await eventually(async () => {
      const [l] = await admin.listOffsets([{ ...tp, spec: 'latest' }], { isolationLevel: 'read_committed' });
      expect(l!.value!.offset).toBe(stuckAt + 3n);
    });

    const consumer = new Consumer({ bootstrapServers: kafka.bootstrap, isolationLevel: 'read_committed', autoOffsetReset: 'earliest', fetchMaxWaitMs: 100, valueDeserializer: stringDeserializer });
    try {
      consumer.assign([tp]);
      const got: string[] = [];
      const deadline = Date.now() + 30_000;
      while (got.length < 2 && Date.now() < deadline) for (const r of await consumer.poll(500)) got.push(r.value!);
      expect(got).toEqual(['before', 'after']);
    } finally {
      await consumer.close();
    }
  });

  it('rejects a bad spec, and a topic that does not exist, naming them', async () => {
    await expect(admin.abortTransaction({ topic: 't', partition: 0, producerId: 1n, producerEpoch: 0, coordinatorEpoch: -1 })).rejects.toThrow(KafkaConfigError);
    await expect(admin.abortTransaction({ topic: '', partition: 0, producerId: 1n, producerEpoch: 0, coordinatorEpoch: 0 })).rejects.toThrow(KafkaConfigError);
    const missing = uniqueTopic('no-such-topic');
    const err = await admin.abortTransaction({ topic: missing, partition: 0, producerId: 1n, producerEpoch: 0, coordinatorEpoch: 0 }, { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaBrokerError);
    expect((err as KafkaBrokerError).errorName).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    expect((err as Error).message).toContain(missing);
  });
});
