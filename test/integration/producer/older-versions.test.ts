// sendOffsetsToTransaction() as a broker before Kafka 2.5 answers it: with
// TxnOffsetCommit held at v2, the consumer's group metadata (generation and
// member id, KIP-447's fencing of zombie commits) cannot go out, so the call
// fails with the reason and the transaction must be aborted, as in Java,
// instead of committing unfenced; a bare group id still commits. (Checked by
// hand against a real Kafka 2.1.1 as well.)
import { expect, it } from 'vitest';
import { Admin, KafkaTransactionError, Producer } from '../../../src/index.js';
import { createTopic, describeKafka, kafka, uniqueTopic } from '../kafka.js';

describeKafka('transactional offsets on TxnOffsetCommit v2', () => {
  it('group metadata is refused with the reason; a group id alone commits', async () => {
    const topic = uniqueTopic('old-txn');
    await createTopic(topic, 1);
    const groupId = uniqueTopic('old-txn-group');
    const p = new Producer({ bootstrapServers: kafka.bootstrap, transactionalId: uniqueTopic('old-txn-id'), versionCaps: { TxnOffsetCommit: 2 } });
    const admin = new Admin({ bootstrapServers: kafka.bootstrap });
    try {
      await p.initTransactions();
      p.beginTransaction();
      await p.send({ topic, value: 'a' });
      const err = await p.sendOffsetsToTransaction([{ topic, partition: 0, offset: 1n }], { groupId, generationId: 3, memberId: 'member-1', groupInstanceId: null }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KafkaTransactionError);
      expect((err as Error).message).toMatch(/TxnOffsetCommit only up to v2, which cannot carry the consumer group metadata of .* \(that needs v3\)/);
      await expect(p.commitTransaction()).rejects.toBeInstanceOf(KafkaTransactionError);
      await p.abortTransaction();

      p.beginTransaction();
      await p.send({ topic, value: 'b' });
      await p.sendOffsetsToTransaction([{ topic, partition: 0, offset: 2n }], groupId);
      await p.commitTransaction();
      const committed = await admin.listConsumerGroupOffsets([groupId]);
      expect(committed[0]).toMatchObject({ ok: true, value: [{ topic, partition: 0, offset: 2n }] });
    } finally {
      await p.close();
      await admin.close();
    }
  });
});
