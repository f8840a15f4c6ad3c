// Which Produce version the producer uses, and how it names topics in it:
// v13 names topics by id (KIP-516), answered by id; a topic whose id is not
// known keeps the request at v12; a transactional producer stays at v11 and
// below (v12+ tells a transaction-version-2 coordinator that the client adds
// partitions implicitly, which kafkawire does not do).
import { afterEach, describe, expect, it } from 'vitest';
import { Producer, UnsupportedVersionError } from '../../src/index.js';
import { producerVersionCaps } from '../../src/producer/producer.js';
import type { ProduceRequest } from '../../src/messages/generated/index.js';
import { fakeTopicId } from '../network/fake-broker.js';
import { startFakeCluster, type FakeCluster } from './fake-cluster.js';

let fake: FakeCluster | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const produceRequests = (f: FakeCluster) => f.broker.requests.filter((r) => r.api.name === 'Produce');

describe('Produce versions', () => {
  it('v13 sends each topic by id and maps the answers, which name topics by id only, back to the records', async () => {
    fake = await startFakeCluster({ topics: { 'pv-a': 1, 'pv-b': 1 } });
    const p = new Producer({ bootstrapServers: fake.bootstrap, lingerMs: 50 });
    const [a, b] = await Promise.all([p.send({ topic: 'pv-a', value: 'x' }), p.send({ topic: 'pv-b', value: 'y' }), p.send({ topic: 'pv-a', value: 'z' })]);
    expect(a).toMatchObject({ topic: 'pv-a', partition: 0, offset: 0n });
    expect(b).toMatchObject({ topic: 'pv-b', partition: 0, offset: 0n });
    const reqs = produceRequests(fake);
    expect(reqs.map((r) => r.version)).toEqual(reqs.map(() => 13));
    const sent = reqs.flatMap((r) => (r.body as ProduceRequest).topicData.map((t) => [t.name, t.topicId]));
    // Decoded at v13: no name on the wire, the id of each topic.
    expect(sent).toContainEqual(['', fakeTopicId('pv-a')]);
    expect(sent).toContainEqual(['', fakeTopicId('pv-b')]);
    expect(fake.log.get('pv-a/0')).toEqual(['x', 'z']);
    await p.close();
  });

  it('a topic whose id the metadata does not have is sent by name, at v12', async () => {
    fake = await startFakeCluster({ topics: { 'pv-n': 1 }, noTopicIds: true });
    const p = new Producer({ bootstrapServers: fake.bootstrap });
    expect(await p.send({ topic: 'pv-n', value: 'x' })).toMatchObject({ topic: 'pv-n', offset: 0n });
    const reqs = produceRequests(fake);
    expect(reqs.map((r) => r.version)).toEqual([12]);
    expect((reqs[0]!.body as ProduceRequest).topicData[0]!.name).toBe('pv-n');
    await p.close();
  });

  it('a transactional producer stays at Produce v11, TxnOffsetCommit v4, EndTxn v4 and AddPartitionsToTxn v3, even when the caps given ask for more', async () => {
    expect(producerVersionCaps(true, { Produce: 13, Fetch: 5 })).toEqual({ Produce: 11, Fetch: 5, AddPartitionsToTxn: 3, EndTxn: 4, TxnOffsetCommit: 4, InitProducerId: 5 });
    expect(producerVersionCaps(false, {})).toEqual({ AddPartitionsToTxn: 3, EndTxn: 4, InitProducerId: 5 });
    expect(producerVersionCaps(false, { Produce: 9, EndTxn: 2 })).toEqual({ Produce: 9, AddPartitionsToTxn: 3, EndTxn: 2, InitProducerId: 5 });

    fake = await startFakeCluster({ topics: { 'pv-t': 1 } });
    const p = new Producer({ bootstrapServers: fake.bootstrap, transactionalId: 'pv-tx', versionCaps: { Produce: 13 } });
    await p.initTransactions();
    p.beginTransaction();
    await p.send({ topic: 'pv-t', value: 'in-txn' });
    await p.commitTransaction();
    const versions = (api: string) => fake!.broker.requests.filter((r) => r.api.name === api).map((r) => r.version);
    expect(versions('Produce')).toEqual([11]);
    expect(versions('EndTxn')).toEqual([4]);
    expect(versions('AddPartitionsToTxn')).toEqual([3]);
    // The fake broker lists InitProducerId v6 (2PC, unstable in Kafka 4.4); producers stay at v5.
    expect(versions('InitProducerId')).toEqual([5]);
    expect((produceRequests(fake)[0]!.body as ProduceRequest).topicData[0]!.name).toBe('pv-t');
    await p.close();
  });
});

describe('a broker that lists no InitProducerId (a Kafka 2.8 KRaft node, some hosted services)', () => {
  it('the idempotent default fails the send with an error that names the way out, which works', async () => {
    fake = await startFakeCluster({ topics: { 'np-t': 1 }, missingApis: ['InitProducerId'] });
    const p = new Producer({ bootstrapServers: fake.bootstrap });
    const err = await p.send({ topic: 'np-t', value: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedVersionError);
    expect((err as Error).message).toContain('does not support InitProducerId');
    expect((err as Error).message).toContain('set enableIdempotence: false');
    await p.close();
    expect(fake.log.get('np-t/0')).toBeUndefined();

    const plain = new Producer({ bootstrapServers: fake.bootstrap, enableIdempotence: false });
    await expect(plain.send({ topic: 'np-t', value: 'y' })).resolves.toMatchObject({ partition: 0, offset: 0n });
    await plain.close();
    expect(fake.log.get('np-t/0')).toEqual(['y']);
  });
});
