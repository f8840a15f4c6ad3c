// Issue 10 item 4: transactions recover as Java's do. A fake coordinator
// refuses AddPartitionsToTxn, stays silent on EndTxn, or keeps a batch
// retrying until the abort; the broker's sequence rules are applied.
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaConfigError, KafkaTimeoutError, KafkaTransactionError, Producer } from '../../src/index.js';
import { ErrorCode } from '../../src/messages/error-codes.js';
import { deferred, startFakeCluster, waitFor, type FakeCluster } from './fake-cluster.js';

let fake: FakeCluster | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const txProducer = (bootstrap: string, extra: object = {}) =>
  new Producer({ bootstrapServers: bootstrap, transactionalId: 'tx-1', retryBackoffMs: 10, retryBackoffMaxMs: 20, deliveryTimeoutMs: 600_000, ...extra });

describe('transactions against a scripted coordinator', () => {
  it('AddPartitionsToTxn refused: that partition’s records fail at once and commit reports it at once', async () => {
    fake = await startFakeCluster({ topics: { t: 2 }, addPartitions: (_, p) => (p === 1 ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : 0) });
    const p = txProducer(fake.bootstrap);
    await p.initTransactions();
    p.beginTransaction();
    const refused = p.send({ topic: 't', value: 'x', partition: 1 }).catch((e: unknown) => e);
    // With deliveryTimeoutMs at 10 minutes, only an immediate failure ends these within the test's timeout.
    expect(await refused).toBeInstanceOf(Error);
    expect(String((await refused as Error).message)).toMatch(/TOPIC_AUTHORIZATION_FAILED/);
    const commit = (await p.commitTransaction().catch((e: unknown) => e)) as KafkaTransactionError;
    expect(commit).toBeInstanceOf(KafkaTransactionError);
    expect(commit.fatal).toBe(false);
    await p.abortTransaction();
    p.beginTransaction();
    await p.send({ topic: 't', value: 'y', partition: 0 });
    await p.commitTransaction();
    await p.close();
  });

  it('abort fails batches still queued for a retry with their sequence numbers, and the next transaction is not out of order', async () => {
    let stuck = true;
    fake = await startFakeCluster({
      topics: { t: 1 },
      sequences: true,
      produce: (b) => (stuck && b.values.includes('stuck') ? ErrorCode.NOT_ENOUGH_REPLICAS : 0),
    });
    const p = txProducer(fake.bootstrap, { lingerMs: 0 });
    await p.initTransactions();
    p.beginTransaction();
    await p.send({ topic: 't', value: 'ok-1' });
    const s = p.send({ topic: 't', value: 'stuck' }).catch((e: unknown) => e);
    await waitFor(() => fake!.produced.filter((b) => b.values.includes('stuck')).length >= 2, 'the batch to be retried');
    await p.abortTransaction();
    expect(await s).toBeInstanceOf(Error);
    stuck = false;
    p.beginTransaction();
    const m = await p.send({ topic: 't', value: 'next' });
    await p.commitTransaction();
    expect(m.offset).toBe(1n);
    // The abort asked for a new epoch (KIP-360); the next transaction started it at sequence 0.
    expect(fake.initProducerId.length).toBe(2);
    const next = fake.produced.find((b) => b.values.includes('next'))!;
    expect([next.epoch, next.baseSequence]).toEqual([1, 0]);
    await p.close();
  });

  it('abort fails a batch that was in flight when it began and comes back retriable, instead of retrying it forever', async () => {
    const held = deferred<number>();
    let attempts = 0;
    fake = await startFakeCluster({
      topics: { t: 1 },
      sequences: true,
      produce: (b) => {
        if (!b.values.includes('stuck')) return 0;
        attempts++;
        // The first attempt is held until the abort has begun; any retry would be refused again.
        return attempts === 1 ? held.promise : ErrorCode.NOT_ENOUGH_REPLICAS;
      },
    });
    const p = txProducer(fake.bootstrap, { lingerMs: 0 });
    await p.initTransactions();
    p.beginTransaction();
    await p.send({ topic: 't', value: 'ok-1' });
    const s = p.send({ topic: 't', value: 'stuck' }).catch((e: unknown) => e);
    await waitFor(() => attempts === 1, 'the batch to be in flight');
    // abortTransaction() fails what is queued synchronously, then waits for the batch in flight.
    const abort = p.abortTransaction().then(() => 'aborted', (e: unknown) => e);
    held.resolve(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect(await s).toBeInstanceOf(Error);
    expect(await abort).toBe('aborted');
    expect(attempts).toBe(1);
    p.beginTransaction();
    const m = await p.send({ topic: 't', value: 'next' });
    await p.commitTransaction();
    expect(m.offset).toBe(1n);
    const next = fake.produced.find((b) => b.values.includes('next'))!;
    expect([next.epoch, next.baseSequence]).toEqual([1, 0]);
    await p.close();
  });

  it('commitTransaction() can be called again after a timeout', async () => {
    fake = await startFakeCluster({ topics: { t: 1 }, endTxn: (call) => (call === 1 ? 'silent' : 0) });
    // maxBlockMs below requestTimeoutMs: the one unanswered EndTxn uses up the whole call, whatever the machine's speed.
    const p = txProducer(fake.bootstrap, { requestTimeoutMs: 200, maxBlockMs: 100, deliveryTimeoutMs: 10_000 });
    await p.initTransactions();
    p.beginTransaction();
    await p.send({ topic: 't', value: 'v' });
    const err = await p.commitTransaction().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaTimeoutError);
    await p.commitTransaction();
    expect(fake.endTxn).toEqual([true, true]);
    p.beginTransaction();
    await p.send({ topic: 't', value: 'w' });
    await p.commitTransaction();
    await p.close();
  });

  it('initTransactions() can be called again after a timeout', async () => {
    let loading = true;
    fake = await startFakeCluster({ topics: { t: 1 }, initProducerIdError: () => (loading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : 0) });
    const p = txProducer(fake.bootstrap, { maxBlockMs: 200 });
    const err = await p.initTransactions().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaTimeoutError);
    loading = false;
    await p.initTransactions();
    p.beginTransaction();
    await p.send({ topic: 't', value: 'v' });
    await p.commitTransaction();
    await p.close();
  });

  it('a call out of order says what to call first', async () => {
    fake = await startFakeCluster({ topics: { t: 1 } });
    const p = txProducer(fake.bootstrap);
    const says = (call: string, state: string, what: string) => new KafkaConfigError(`${call} cannot run in transaction state ${state}: ${what}`);
    expect(() => p.beginTransaction()).toThrow(says('beginTransaction()', 'uninitialized', 'call initTransactions() first'));
    await expect(p.commitTransaction()).rejects.toThrow(says('commitTransaction()', 'uninitialized', 'call initTransactions() first'));
    await p.initTransactions();
    await expect(p.initTransactions()).rejects.toThrow(says('initTransactions()', 'ready', 'initTransactions() has run already'));
    await expect(p.commitTransaction()).rejects.toThrow(says('commitTransaction()', 'ready', 'no transaction is open; call beginTransaction() first'));
    await expect(p.abortTransaction()).rejects.toThrow(says('abortTransaction()', 'ready', 'no transaction is open; call beginTransaction() first'));
    await expect(p.sendOffsetsToTransaction([], 'g')).rejects.toThrow(says('sendOffsetsToTransaction()', 'ready', 'no transaction is open; call beginTransaction() first'));
    p.beginTransaction();
    expect(() => p.beginTransaction()).toThrow(says('beginTransaction()', 'in-transaction', 'a transaction is open; commit or abort it first'));
    await p.send({ topic: 't', value: 'v' });
    await p.commitTransaction();
    await p.close();
  });
});
