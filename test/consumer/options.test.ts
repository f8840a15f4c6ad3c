import { describeValue } from '../../src/config-checks.js';
import { describe, expect, it } from 'vitest';
import { KafkaConfigError } from '../../src/errors.js';
import { resolveConsumerOptions } from '../../src/consumer/options.js';
import { Consumer } from '../../src/consumer/index.js';

const base = { bootstrapServers: '127.0.0.1:1' };

describe('consumer options', () => {
  it("has the Java consumer's defaults", () => {
    const o = resolveConsumerOptions(base);
    expect(o).toMatchObject({
      groupId: null,
      autoOffsetReset: 'latest',
      enableAutoCommit: false, // no group: off, as in Java
      autoCommitIntervalMs: 5000,
      fetchMinBytes: 1,
      fetchMaxWaitMs: 500,
      fetchMaxBytes: 52428800,
      maxPartitionFetchBytes: 1048576,
      maxPollRecords: 500,
      checkCrcs: true,
      isolationLevel: 'read_uncommitted',
      clientRack: null,
      sessionTimeoutMs: 45000,
      heartbeatIntervalMs: 3000,
      maxPollIntervalMs: 300000,
      groupProtocol: 'classic',
      partitionAssignmentStrategy: ['range', 'cooperative-sticky'],
      requestTimeoutMs: 30000,
      defaultApiTimeoutMs: 60000,
      retryBackoffMs: 100,
      retryBackoffMaxMs: 1000,
    });
    expect(resolveConsumerOptions({ ...base, groupId: 'g' }).enableAutoCommit).toBe(true);
  });

  it('rejects conflicting or invalid options with KafkaConfigError', () => {
    const bad: Array<[object, RegExp]> = [
      [{ enableAutoCommit: true }, /enableAutoCommit needs a groupId/],
      [{ groupId: '' }, /invalid groupId/],
      [{ groupId: '   ' }, /invalid groupId/],
      [{ isolationLevel: 'read-committed' }, /isolationLevel must be one of/],
      [{ autoOffsetReset: 'smallest' }, /autoOffsetReset must be one of/],
      [{ groupId: 'g', heartbeatIntervalMs: 50_000 }, /heartbeatIntervalMs .* must be lower than sessionTimeoutMs/],
      [{ maxPollRecords: 0 }, /maxPollRecords must be an integer/],
      [{ fetchMaxWaitMs: 1.5 }, /fetchMaxWaitMs must be an integer/],
      [{ groupInstanceId: 'x' }, /groupInstanceId .* needs a groupId/],
      [{ valueDeserializer: 'string' }, /valueDeserializer must be a function/],
      [{ bootstrapServers: '' }, /bootstrapServers is required/],
    ];
    for (const [extra, message] of bad) {
      const err = (() => {
        try {
          resolveConsumerOptions({ ...base, ...extra });
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(err, JSON.stringify(extra)).toBeInstanceOf(KafkaConfigError);
      expect((err as Error).message).toMatch(message);
    }
  });

  it('bad calls fail at once with KafkaConfigError, before any network use', async () => {
    const c = new Consumer(base);
    expect(() => c.subscribe(['t'])).toThrow(/needs a groupId/);
    await expect(c.poll(0)).rejects.toThrow(/not subscribed to any topics or assigned any partitions/);
    expect(() => c.assign([{ topic: 't', partition: -1 }])).toThrow(KafkaConfigError);
    expect(() => c.assign([{ topic: '', partition: 0 }])).toThrow(KafkaConfigError);
    expect(() => c.seek({ topic: 't', partition: 0 }, 0)).toThrow(/not assigned/);
    await expect(c.commitSync()).rejects.toThrow(/without a groupId/);
    await expect(c.committed([{ topic: 't', partition: 0 }])).rejects.toThrow(/without a groupId/);
    await expect(c.offsetsForTimes([{ topic: 't', partition: 0, timestamp: 1.5 }])).rejects.toThrow(/timestamp 1.5 .* must be a non-negative integer/);
    await c.close();
    await expect(c.poll(0)).rejects.toThrow(/closed/);
    const g = new Consumer({ ...base, groupId: 'g' });
    await expect(g.commitSync([{ topic: 't', partition: 0, offset: 1.5 }])).rejects.toThrow(/offset 1.5 is not a non-negative integer/);
    await expect(g.commitSync([{ topic: 't', partition: 0, offset: -1n }])).rejects.toThrow(/must be a non-negative int64/);
    await g.close();
  });

  it('a partition list that is not an array (a lone topic name, a number) is named as such, not read one character at a time', async () => {
    const c = new Consumer({ ...base, groupId: 'g' });
    const bad = ['t', 5, { topic: 't', partition: 0 }, null];
    for (const v of bad) {
      const list = v as unknown as Array<{ topic: string; partition: number }>;
      for (const [what, call] of [
        ['pause()', () => c.pause(list)],
        ['resume()', () => c.resume(list)],
        ['seekToBeginning()', () => c.seekToBeginning(list)],
        ['seekToEnd()', () => c.seekToEnd(list)],
      ] as const) {
        expect(call, `${what} ${String(v)}`).toThrow(new KafkaConfigError(`${what} takes a list of { topic, partition }, got ${describeValue(v)}`));
      }
      await expect(c.committed(list)).rejects.toThrow(new KafkaConfigError(`committed() takes a list of { topic, partition }, got ${describeValue(v)}`));
      await expect(c.beginningOffsets(list)).rejects.toThrow(new KafkaConfigError(`beginningOffsets() takes a list of { topic, partition }, got ${describeValue(v)}`));
    }
    await c.close();
  });
});
