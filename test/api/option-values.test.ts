// Options often come from untyped configuration (JSON files, the environment).
// Whatever values they hold, every client's constructor either accepts them or
// throws a KafkaConfigError that names an option it was given: never a
// TypeError from inside a check, an arithmetic step, or the error message
// itself (a bigint does not JSON.stringify; an object may have a throwing
// toString). Nothing is connected here: a client that accepts its options is
// closed again at once.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Admin, Consumer, KafkaConfigError, Producer, ShareConsumer } from '../../src/index.js';

const CONNECTION = ['clientId', 'requestTimeoutMs', 'connectionsMaxIdleMs', 'reconnectBackoffMs', 'reconnectBackoffMaxMs', 'socketConnectionSetupTimeoutMs', 'socketConnectionSetupTimeoutMaxMs', 'versionCaps', 'tls', 'sasl', 'lookup', 'clock'];
const RETRIES = ['retryBackoffMs', 'retryBackoffMaxMs', 'metadataMaxAgeMs', 'defaultApiTimeoutMs'];
const FETCH = ['fetchMinBytes', 'fetchMaxWaitMs', 'fetchMaxBytes', 'maxPartitionFetchBytes', 'maxPollRecords', 'checkCrcs', 'clientRack', 'keyDeserializer', 'valueDeserializer'];

interface Client {
  close(): Promise<unknown>;
}

const CLIENTS: Array<{ name: string; keys: string[]; make: (o: Record<string, unknown>) => Client }> = [
  {
    name: 'Producer',
    keys: [...CONNECTION, ...RETRIES, 'acks', 'enableIdempotence', 'lingerMs', 'batchSize', 'compressionType', 'bufferMemory', 'maxBlockMs', 'deliveryTimeoutMs', 'retries', 'maxInFlightRequestsPerConnection', 'maxRequestSize', 'metadataMaxIdleMs', 'partitioner', 'partitionerIgnoreKeys', 'keySerializer', 'valueSerializer', 'transactionalId', 'transactionTimeoutMs'],
    make: (o) => new Producer(o as never),
  },
  {
    name: 'Consumer',
    keys: [...CONNECTION, ...RETRIES, ...FETCH, 'groupId', 'groupInstanceId', 'autoOffsetReset', 'enableAutoCommit', 'autoCommitIntervalMs', 'isolationLevel', 'sessionTimeoutMs', 'heartbeatIntervalMs', 'maxPollIntervalMs', 'groupProtocol', 'groupRemoteAssignor', 'partitionAssignmentStrategy', 'allowAutoCreateTopics', 'maxBufferedBytes'],
    make: (o) => new Consumer(o as never),
  },
  {
    name: 'ShareConsumer',
    keys: [...CONNECTION, ...RETRIES, ...FETCH, 'groupId', 'shareAcknowledgementMode', 'shareAcquireMode'],
    make: (o) => new ShareConsumer(o as never),
  },
  { name: 'Admin', keys: [...CONNECTION, ...RETRIES], make: (o) => new Admin(o as never) },
];

/** Anything, weighted towards the values configuration files get wrong. */
const value = fc.oneof(
  fc.anything(),
  fc.constantFrom(-1, 0, 1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, '', '5', 'all', 'none', 'zstd', 'earliest', null, true, false, [], {}, 10n),
  fc.constant({ toString: () => { throw new Error('toString'); } }),
);

async function outcome(make: () => Client): Promise<unknown> {
  let client: Client;
  try {
    client = make();
  } catch (e) {
    return e;
  }
  await client.close();
  return null;
}

describe('option values from untyped configuration', () => {
  for (const { name, keys, make } of CLIENTS) {
    it(`${name}: each option alone is accepted or a KafkaConfigError naming it`, async () => {
      for (const key of keys) {
        await fc.assert(
          fc.asyncProperty(value, async (v) => {
            const err = await outcome(() => make({ bootstrapServers: '127.0.0.1:9', groupId: 'g', [key]: v }));
            if (err === null) return;
            expect(err, `${name} ${key}`).toBeInstanceOf(KafkaConfigError);
            expect((err as Error).message.toLowerCase(), `${name} ${key}`).toContain(key.toLowerCase().replace(/^(tls|sasl)$/, ''));
          }),
          { numRuns: 40 },
        );
      }
    });

    it(`${name}: several options together are accepted or a KafkaConfigError`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 6 }), async (o) => {
          const err = await outcome(() => make({ bootstrapServers: '127.0.0.1:9', groupId: 'g', ...o }));
          if (err !== null) expect(err, JSON.stringify(Object.keys(o))).toBeInstanceOf(KafkaConfigError);
        }),
        { numRuns: 200 },
      );
    });
  }
});
