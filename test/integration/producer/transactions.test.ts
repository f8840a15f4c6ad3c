import { describe, expect, it } from 'vitest';
import { KafkaTransactionError, Producer } from '../../../src/index.js';
import { createTopic, kafka, noKafka, uniqueTopic } from '../kafka.js';
import { javaConsume } from '../java.js';

describe.skipIf(noKafka)('transactions', () => {
  it('committed records are visible to a read_committed consumer; aborted ones never', async () => {
    const topic = uniqueTopic('txn');
    await createTopic(topic, 3);
    const p = new Producer({ bootstrapServers: kafka.bootstrap, transactionalId: uniqueTopic('txid') });
    const committed: string[] = [];
    try {
      await p.initTransactions();
      p.beginTransaction();
      await Promise.all(Array.from({ length: 100 }, (_, i) => p.send({ topic, key: `k${i}`, value: `c1-${i}` })));
      committed.push(...Array.from({ length: 100 }, (_, i) => `c1-${i}`));
      await p.commitTransaction();

      p.beginTransaction();
      const aborted = Array.from({ length: 50 }, (_, i) => p.send({ topic, key: `k${i}`, value: `a-${i}` }));
      await Promise.allSettled(aborted);
      await p.abortTransaction();

      p.beginTransaction();
      await Promise.all(Array.from({ length: 10 }, (_, i) => p.send({ topic, key: `k${i}`, value: `c2-${i}` })));
      committed.push(...Array.from({ length: 10 }, (_, i) => `c2-${i}`));
      await p.commitTransaction();
    } finally {
      await p.close();
    }
    const readCommitted = await javaConsume(topic, 200, { readCommitted: true, timeoutMs: 10_000 });
    expect(readCommitted.map((r) => r.value).sort()).toEqual([...committed].sort());
    // The aborted records are in the log (a read_uncommitted consumer sees them), just never committed.
    const all = await javaConsume(topic, 160, { timeoutMs: 10_000 });
    expect(all.filter((r) => r.value.startsWith('a-')).length).toBe(50);
  });

  it('a second producer with the same transactionalId fences the first, with a fatal error that says so', async () => {
    const topic = uniqueTopic('fence');
    await createTopic(topic, 1);
    const id = uniqueTopic('txid');
    const first = new Producer({ bootstrapServers: kafka.bootstrap, transactionalId: id });
    const second = new Producer({ bootstrapServers: kafka.bootstrap, transactionalId: id });
    try {
      await first.initTransactions();
      first.beginTransaction();
      await first.send({ topic, value: 'from-first' });
      await second.initTransactions();
      const err = await first.commitTransaction().then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(KafkaTransactionError);
      expect((err as KafkaTransactionError).fatal).toBe(true);
      expect((err as Error).message).toMatch(/fenced|can no longer be used/);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('send() outside a transaction is refused', async () => {
    const p = new Producer({ bootstrapServers: kafka.bootstrap, transactionalId: uniqueTopic('txid') });
    try {
      await expect(p.send({ topic: 'whatever', value: 'x' })).rejects.toThrow(/beginTransaction/);
    } finally {
      await p.close();
    }
  });

  it('an empty transaction commits and aborts cleanly, and the next one works', async () => {
    const topic = uniqueTopic('txn-empty');
    await createTopic(topic, 1);
    const p = new Producer({ bootstrapServers: kafka.bootstrap, transactionalId: uniqueTopic('txid') });
    try {
      await p.initTransactions();
      p.beginTransaction();
      await p.commitTransaction();
      p.beginTransaction();
      await p.abortTransaction();
      p.beginTransaction();
      await p.send({ topic, value: 'after-empty' });
      await p.commitTransaction();
    } finally {
      await p.close();
    }
    const back = await javaConsume(topic, 1, { readCommitted: true, timeoutMs: 10_000 });
    expect(back.map((r) => r.value)).toEqual(['after-empty']);
  });

  it('after a batch fails and the transaction is aborted, later transactions on that partition still work', async () => {
    const topic = uniqueTopic('txn-gap');
    await createTopic(topic, 1, undefined, { 'max.message.bytes': '1000' });
    const p = new Producer({ bootstrapServers: kafka.bootstrap, transactionalId: uniqueTopic('txid'), lingerMs: 0 });
    try {
      await p.initTransactions();
      p.beginTransaction();
      await p.send({ topic, value: 'ok-1' });
      await expect(p.send({ topic, value: Buffer.alloc(1500, 1) })).rejects.toThrow(/RECORD_TOO_LARGE/);
      await expect(p.commitTransaction()).rejects.toThrow(/must be aborted/);
      await p.abortTransaction();
      for (let i = 0; i < 3; i++) {
        p.beginTransaction();
        await p.send({ topic, value: `later-${i}` });
        await p.commitTransaction();
      }
    } finally {
      await p.close();
    }
    const back = await javaConsume(topic, 3, { readCommitted: true, timeoutMs: 10_000 });
    expect(back.map((r) => r.value)).toEqual(['later-0', 'later-1', 'later-2']);
  });

  it('commit sends records not yet sent, to partitions not yet in the transaction', async () => {
    const first = uniqueTopic('txn-late-a');
    const second = uniqueTopic('txn-late-b');
    await createTopic(first, 1);
    await createTopic(second, 1);
    const p = new Producer({ bootstrapServers: kafka.bootstrap, transactionalId: uniqueTopic('txid'), lingerMs: 50 });
    try {
      await p.initTransactions();
      p.beginTransaction();
      await p.send({ topic: first, value: 'warm' });
      await p.commitTransaction();
      p.beginTransaction();
      const pending = [p.send({ topic: first, value: 'x' }), p.send({ topic: second, value: 'y' })];
      await p.commitTransaction();
      const metas = await Promise.all(pending);
      expect(metas.map((m) => m.offset >= 0n)).toEqual([true, true]);
    } finally {
      await p.close();
    }
    const back = await javaConsume(second, 1, { readCommitted: true, timeoutMs: 10_000 });
    expect(back.map((r) => r.value)).toEqual(['y']);
  });
});
