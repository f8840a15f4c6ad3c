// commitAsync against the scripted broker: the callback gets the outcome, a
// callback that throws surfaces once from the next poll() (never as an
// unhandled rejection), and a failure with no callback is logged.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Consumer } from '../../src/consumer/index.js';
import { KafkaConfigError } from '../../src/errors.js';
import { fakeCluster, TOPIC, type FakeCluster } from './fake-cluster.js';
import { closeConsumers, consumer, read } from './scripted-consumer.js';
import { withConsumerLog } from './debug-log.js';

let fc: FakeCluster | undefined;
afterEach(async () => {
  await closeConsumers();
  await fc?.close();
  fc = undefined;
});

const tp = { topic: TOPIC, partition: 0 };



const commitAsync = (c: Consumer, offsets?: Parameters<Consumer['commitAsync']>[0]) => new Promise<Error | null>((resolve) => c.commitAsync(offsets, resolve));

describe('commitAsync (scripted broker)', () => {
  it('commits the positions, or given offsets with metadata; the callback gets null', async () => {
    fc = await fakeCluster(1);
    fc.leaderEpoch = 4;
    fc.append(0, ['a', 'b', 'c'], { leaderEpoch: 4 });
    const c = consumer(fc.broker.port, { groupId: 'g-async', enableAutoCommit: false });
    c.assign([tp]);
    expect(await read(c, 3)).toHaveLength(3);
    expect(await commitAsync(c)).toBeNull();
    expect(fc.committed.get(0)).toEqual({ offset: 3n, leaderEpoch: 4, metadata: '' });
    expect(await commitAsync(c, [{ ...tp, offset: 1, metadata: 'again' }])).toBeNull();
    expect(fc.committed.get(0)).toEqual({ offset: 1n, leaderEpoch: -1, metadata: 'again' });
    expect(await c.committed([tp])).toEqual([{ ...tp, offset: 1n, leaderEpoch: null, metadata: 'again' }]);
  });

  it('a callback that throws: its error comes once from the next poll(), then reading goes on', async () => {
    fc = await fakeCluster(1);
    fc.append(0, ['x']);
    const c = consumer(fc.broker.port, { groupId: 'g-async-throw', enableAutoCommit: false });
    c.assign([tp]);
    expect(await read(c, 1)).toHaveLength(1);
    const boom = new Error('callback failed');
    let called = false;
    await new Promise<void>((resolve) =>
      c.commitAsync(undefined, () => {
        called = true;
        resolve();
        throw boom;
      }),
    );
    expect(called).toBe(true);
    await expect(c.poll(10)).rejects.toBe(boom);
    fc.append(0, ['y']);
    expect((await read(c, 1)).map((r) => r.value!.toString())).toEqual(['y']);
  });

  it('a failure reaches the callback as a typed error; with no callback it is logged, not left unhandled', async () => {
    fc = await fakeCluster(1);
    const c = consumer(fc.broker.port);
    c.assign([tp]);
    const err = await commitAsync(c);
    expect(err).toBeInstanceOf(KafkaConfigError);
    expect(err!.message).toContain('without a groupId');

    const lines = await withConsumerLog(async (seen) => {
      c.commitAsync();
      await vi.waitFor(() => expect(seen.some((l) => l.includes('commitAsync failed'))).toBe(true), { timeout: 20_000 });
    });
    expect(lines.filter((l) => l.includes('commitAsync failed') && l.includes('without a groupId'))).toHaveLength(1);
  });
});
