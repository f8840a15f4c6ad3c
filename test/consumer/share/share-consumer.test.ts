// ShareConsumer over the wire against a scripted one-broker share group:
// acknowledgement modes, session epochs, acknowledgements riding on fetches,
// close, and a cluster without share groups.
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaAuthorizationError, UnsupportedVersionError } from '../../../src/errors.js';
import { ShareAcknowledgementError, ShareConsumer, type ShareConsumerOptions, type ShareConsumerRecord } from '../../../src/consumer/share/index.js';
import { fakeShareBroker, TOPIC, type FakeShareBroker } from './fake-share-broker.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(brokerOpts: Parameters<typeof fakeShareBroker>[0] = {}, over: Partial<ShareConsumerOptions<string | null, string | null>> = {}) {
  const fake = await fakeShareBroker(brokerOpts);
  cleanup.push(() => fake.close());
  const c = new ShareConsumer<string | null, string | null>({
    bootstrapServers: fake.bootstrap,
    groupId: 'sg',
    valueDeserializer: (d) => (d === null ? null : d.toString()),
    fetchMaxWaitMs: 20,
    ...over,
  });
  cleanup.push(() => c.close({ timeoutMs: 2000 }));
  return { fake, c };
}

async function pollSome(c: ShareConsumer<string | null, string | null>, n = 1, timeoutMs = 10_000): Promise<ShareConsumerRecord<string | null, string | null>[]> {
  const deadline = Date.now() + timeoutMs;
  const out: ShareConsumerRecord<string | null, string | null>[] = [];
  while (out.length < n) {
    if (Date.now() > deadline) throw new Error(`only ${out.length} of ${n} records within ${timeoutMs} ms`);
    out.push(...(await c.poll(200)));
  }
  return out;
}

const epochs = (fake: FakeShareBroker) => [...fake.fetches.map((f) => ['F', f.shareSessionEpoch] as const), ...fake.acks.map((a) => ['A', a.shareSessionEpoch] as const)];

describe('ShareConsumer (scripted broker)', () => {
  it('implicit mode: the next poll accepts what the last one returned, riding on the ShareFetch of an open session', async () => {
    const { fake, c } = await setup({}, { maxPollRecords: 2 });
    fake.append('a', 'b');
    c.subscribe([TOPIC]);
    const first = await pollSome(c, 2);
    expect(first.map((r) => [r.topic, r.partition, r.offset, r.value, r.deliveryCount])).toEqual([
      [TOPIC, 0, 0n, 'a', 1],
      [TOPIC, 0, 1n, 'b', 1],
    ]);
    expect(await c.poll(300)).toEqual([]);
    const carried = () => fake.fetches.flatMap((f) => f.topics.flatMap((t) => t.partitions.flatMap((p) => p.acknowledgementBatches)));
    const deadline = Date.now() + 5000;
    while (carried().length === 0 && Date.now() < deadline) await c.poll(50);
    expect(carried()).toEqual([{ firstOffset: 0n, lastOffset: 1n, acknowledgeTypes: [1] }]);
    expect(fake.acks).toEqual([]); // nothing needed a ShareAcknowledge of its own
    expect(fake.records.map((r) => r.state)).toEqual(['done', 'done']);
    fake.append('c');
    const second = await pollSome(c, 1);
    expect(second.map((r) => r.value)).toEqual(['c']);
    // The session was opened with epoch 0 and went on 1, 2, … one request after another.
    expect(fake.fetches.map((f) => f.shareSessionEpoch)).toEqual(fake.fetches.map((_f, i) => i));
    expect(fake.fetches[0]!).toMatchObject({ groupId: 'sg', maxRecords: 2, batchSize: 2, shareAcquireMode: 0 });
    expect(fake.fetches[0]!.memberId).toBe(c.memberId());
    expect(c.acquisitionLockTimeoutMs()).toBe(30_000);
    expect(() => c.acknowledge(second[0]!)).toThrow(ShareAcknowledgementError);
    expect(await c.commitSync()).toEqual([{ topic: TOPIC, partition: 0, offsets: [2n], error: null }]);
  });

  it('explicit mode: poll() refuses while a record is unacknowledged; release brings it back with delivery count 2; acknowledging twice is refused', async () => {
    const { fake, c } = await setup({}, { shareAcknowledgementMode: 'explicit' });
    fake.append('x');
    c.subscribe([TOPIC]);
    const [r] = await pollSome(c);
    expect(r!.deliveryCount).toBe(1);
    await expect(c.poll(0)).rejects.toThrow(ShareAcknowledgementError);
    await expect(c.poll(0)).rejects.toThrow(/1 record\(s\) of the last poll are unacknowledged \(first: queue-0 offset 0\)/);
    c.acknowledge(r!, 'release');
    expect(() => c.acknowledge(r!, 'accept')).toThrow(/not waiting for an acknowledgement/);
    const [again] = await pollSome(c);
    expect([again!.offset, again!.deliveryCount]).toEqual([0n, 2]);
    c.acknowledge(again!, 'reject');
    const results = await c.commitSync();
    expect(results.map((x) => [x.topic, x.partition, x.offsets, x.error])).toEqual([[TOPIC, 0, [0n], null]]);
    expect(fake.records[0]!.state).toBe('done');
    expect(() => c.acknowledge({ topic: TOPIC, partition: 0, offset: 0n }, 'gap' as never)).toThrow(/type must be/);
  });

  it('close() releases records fetched but not handed out, closes the share session (epoch -1) and leaves the group (epoch -1)', async () => {
    const { fake, c } = await setup({}, { maxPollRecords: 1 });
    fake.append('1', '2', '3');
    c.subscribe([TOPIC]);
    const [first] = await pollSome(c);
    expect(first!.value).toBe('1');
    await c.close();
    const last = fake.acks.at(-1)!;
    expect(last.shareSessionEpoch).toBe(-1);
    // Offset 0 (handed out, implicit mode) is accepted; what was fetched and never handed out is released.
    const batches = [...fake.fetches.flatMap((f) => f.topics.flatMap((t) => t.partitions.flatMap((p) => p.acknowledgementBatches))), ...last.topics.flatMap((t) => t.partitions.flatMap((p) => p.acknowledgementBatches))];
    expect(batches[0]).toEqual({ firstOffset: 0n, lastOffset: 0n, acknowledgeTypes: [1] });
    expect(batches.slice(1).every((b) => b.acknowledgeTypes[0] === 2)).toBe(true);
    expect(fake.records.map((r) => r.state)).toEqual(['done', 'available', 'available']);
    expect(fake.heartbeats.at(-1)).toEqual({ memberId: c.memberId(), memberEpoch: -1 });
    await expect(c.poll(0)).rejects.toThrow(/closed/);
  });

  it('a lost share session (INVALID_SHARE_SESSION_EPOCH) is opened again at epoch 0 and records keep coming', async () => {
    const { fake, c } = await setup();
    fake.append('a');
    c.subscribe([TOPIC]);
    await pollSome(c);
    fake.failNextFetch = 123;
    fake.append('b');
    const got = await pollSome(c);
    expect(got.map((r) => r.value)).toContain('b');
    const opens = fake.fetches.filter((f) => f.shareSessionEpoch === 0);
    expect(opens.length).toBe(2);
    // No acknowledgement ever rode on a request that opened a session.
    for (const f of opens) expect(f.topics.flatMap((t) => t.partitions.flatMap((p) => p.acknowledgementBatches))).toEqual([]);
    expect(epochs(fake).length).toBeGreaterThan(2);
  });

  it('acknowledgements lost with their session are reported to the commit callback, and the record comes again', async () => {
    const { fake, c } = await setup({}, { shareAcknowledgementMode: 'explicit' });
    const reported: Array<{ offsets: bigint[]; error: string | null }> = [];
    c.setAcknowledgementCommitCallback((results) => reported.push(...results.map((r) => ({ offsets: r.offsets, error: r.error?.message ?? null }))));
    fake.append('a');
    c.subscribe([TOPIC]);
    const [r] = await pollSome(c);
    c.acknowledge(r!, 'accept');
    fake.failNextFetch = 123; // INVALID_SHARE_SESSION_EPOCH: the broker dropped the session the acknowledgement rides on
    const [again] = await pollSome(c);
    expect([again!.offset, again!.deliveryCount]).toEqual([0n, 2]);
    expect(reported).toHaveLength(1);
    expect(reported[0]!.offsets).toEqual([0n]);
    // Lost on the request the broker refused, or refused before sending because a new session cannot carry them.
    expect(reported[0]!.error).toMatch(/share group sg: INVALID_SHARE_SESSION_EPOCH .*ShareFetch, broker 1|share session of group sg with broker 1 was lost/);
    c.acknowledge(again!, 'accept');
    expect(await c.commitSync()).toEqual([{ topic: TOPIC, partition: 0, offsets: [0n], error: null }]);
    expect(reported.at(-1)).toEqual({ offsets: [0n], error: null });
  });

  it('a cluster without share groups (Kafka 3.9: no ShareGroupHeartbeat in ApiVersions): poll() fails with an UnsupportedVersionError saying what is needed', async () => {
    const { c } = await setup({ withoutShareApis: true });
    c.subscribe([TOPIC]);
    const deadline = Date.now() + 10_000;
    let err: unknown = null;
    while (err === null && Date.now() < deadline) err = await c.poll(200).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedVersionError);
    expect((err as Error).message).toMatch(/share group sg: broker 1 \(the group coordinator\) does not offer ShareGroupHeartbeat v1\+.*Kafka 4\.1 or newer/);
  });

  it('a partition error (TOPIC_AUTHORIZATION_FAILED) reaches poll() typed, naming group, topic, partition and broker', async () => {
    const { fake, c } = await setup();
    fake.failNextPartition = 29;
    c.subscribe([TOPIC]);
    const deadline = Date.now() + 10_000;
    let err: unknown = null;
    while (err === null && Date.now() < deadline) err = await c.poll(200).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaAuthorizationError);
    expect((err as Error).message).toMatch(/^share group sg: TOPIC_AUTHORIZATION_FAILED \(error code 29\) from ShareFetch, broker 1, topic queue, partition 0/);
    // Later fetches work again.
    fake.append('ok');
    expect((await pollSome(c)).map((r) => r.value)).toEqual(['ok']);
  });

  it('for await: records one at a time; leaving the loop gives back the records of the batch not handed out', async () => {
    const { fake, c } = await setup({}, { maxPollRecords: 3 });
    fake.append('1', '2', '3');
    c.subscribe([TOPIC]);
    const seen: Array<string | null> = [];
    for await (const r of c) {
      seen.push(r.value);
      if (seen.length === 1) break;
    }
    expect(seen).toEqual(['1']);
    // The two not handed out are released, the one handed out is accepted (implicit mode).
    await c.commitSync();
    const sent = [...fake.fetches, ...fake.acks].flatMap((r) => r.topics.flatMap((t) => t.partitions.flatMap((p) => p.acknowledgementBatches)));
    expect(sent).toEqual(expect.arrayContaining([{ firstOffset: 0n, lastOffset: 0n, acknowledgeTypes: [1] }, { firstOffset: 1n, lastOffset: 2n, acknowledgeTypes: [2] }]));
    expect(sent).toHaveLength(2);
    expect(fake.records[0]!.state).toBe('done');
  });

  it('checks its options as the Java client does', () => {
    expect(() => new ShareConsumer({ bootstrapServers: '127.0.0.1:1' } as never)).toThrow(/needs a groupId/);
    expect(() => new ShareConsumer({ bootstrapServers: '127.0.0.1:1', groupId: 'g', shareAcknowledgementMode: 'auto' as never })).toThrow(/shareAcknowledgementMode must be one of 'implicit', 'explicit'/);
    expect(() => new ShareConsumer({ bootstrapServers: '127.0.0.1:1', groupId: 'g', maxPollRecords: 0 })).toThrow(/maxPollRecords/);
    const c = new ShareConsumer({ bootstrapServers: '127.0.0.1:1', groupId: 'g' });
    expect(c.options).toMatchObject({ shareAcknowledgementMode: 'implicit', shareAcquireMode: 'batch_optimized', maxPollRecords: 500, fetchMaxWaitMs: 500, fetchMinBytes: 1 });
    return c.close();
  });
});
