// Every API and version that both kafkawire and the test cluster's broker
// support: send a valid request, decode the answer, and require that the
// decoder consumed exactly the bytes of the frame.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAll } from '../../protocol/gen/schema.js';
import { KafkaConnectionError } from '../../src/errors.js';
import { parseBootstrap } from '../../src/network/address.js';
import { Connection } from '../../src/network/connection.js';
import { apiByKey } from '../../src/protocol.js';
import { minimalRequest } from '../messages/minimal.js';
import { kafka, noKafka } from './kafka.js';

/** Fields a minimal request must set for the broker to answer rather than wait or refuse. */
function overrides(api: string, v: number): Record<string, unknown> {
  switch (api) {
    case 'Produce':
      return { acks: -1, timeoutMs: 5000 }; // acks=0 would get no answer at all
    case 'Fetch':
      return { replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1024 };
    case 'ListOffsets':
      return { replicaId: -1 };
    case 'ApiVersions':
      return { clientSoftwareName: 'kafkawire', clientSoftwareVersion: '0.1.0' };
    case 'ElectLeaders':
      return { topicPartitions: [], timeoutMs: 5000 }; // null would mean every partition
    case 'JoinGroup':
      return { sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocolType: 'consumer' };
    case 'InitProducerId':
      return { transactionalId: null, transactionTimeoutMs: 60_000 };
    case 'SaslHandshake':
      return { mechanism: 'PLAIN' };
    case 'OffsetFetch':
      // Kafka 3.9 never answers a batched (v8+) OffsetFetch that names no group.
      return v >= 8 ? { groups: [{ groupId: 'conformance', topics: null }] } : {};
    case 'DescribeAcls':
      // 0 is UNKNOWN, which the broker cannot parse; 1 is ANY.
      return { resourceTypeFilter: 1, operation: 1, permissionType: 1, patternTypeFilter: v >= 1 ? 1 : 3 };
    case 'AddPartitionsToTxn':
      // v4+ is the brokers' own batched form; an empty batch is never answered.
      return v >= 4 ? { transactions: [{ transactionalId: 'conformance', producerId: 0n, producerEpoch: 0, verifyOnly: true, topics: [] }] } : {};
    default:
      return {};
  }
}

const messages = loadAll();

/** APIs a broker offers only when configured for them, and why. */
const NEEDS_BROKER_CONFIG: Record<string, string> = {
  GetTelemetrySubscriptions: 'offered only when a client-telemetry metrics reporter is configured on the broker (KIP-714)',
  PushTelemetry: 'offered only when a client-telemetry metrics reporter is configured on the broker (KIP-714)',
};

/**
 * The first Kafka release whose brokers offer an API by default, for APIs
 * newer than the oldest broker the harness runs. Generous where unsure: it
 * only lets an older broker lack the API.
 */
const FIRST_OFFERED: Record<string, string> = {
  DescribeCluster: '2.8',
  DescribeProducers: '2.8',
  UnregisterBroker: '3.0',
  DescribeTransactions: '3.0',
  ListTransactions: '3.0',
  DescribeQuorum: '3.3',
  ListConfigResources: '3.7',
  DescribeTopicPartitions: '3.8',
  AddRaftVoter: '3.9',
  RemoveRaftVoter: '3.9',
  ConsumerGroupHeartbeat: '4.0',
  ConsumerGroupDescribe: '4.0',
  ShareGroupHeartbeat: '4.2',
  ShareGroupDescribe: '4.2',
  ShareFetch: '4.2',
  ShareAcknowledge: '4.2',
  StreamsGroupDescribe: '4.2',
  DescribeShareGroupOffsets: '4.2',
  AlterShareGroupOffsets: '4.2',
  DeleteShareGroupOffsets: '4.2',
};

function olderThan(version: string, than: string): boolean {
  const a = version.split('.').map(Number);
  const b = than.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  return false;
}

/** Why a broker of this version may leave the API out of its ApiVersions answer; undefined: it must offer it. */
function whyAbsent(api: string, version: string): string | undefined {
  if (NEEDS_BROKER_CONFIG[api]) return NEEDS_BROKER_CONFIG[api];
  const since = FIRST_OFFERED[api];
  return since !== undefined && olderThan(version, since) ? `added in Kafka ${since}` : undefined;
}

const available = !noKafka;

const targets = [
  { name: `Kafka ${kafka.version}`, bootstrap: kafka.bootstrap, version: kafka.version },
  ...(kafka.legacy ? [{ name: `Kafka ${kafka.legacy.version}`, bootstrap: kafka.legacy.bootstrap, version: kafka.legacy.version }] : []),
];

describe.skipIf(!available).each(targets)(`protocol conformance against $name`, ({ bootstrap, version }) => {
  let conn: Connection;
  const address = available ? parseBootstrap(bootstrap)[0]! : { host: '', port: 0 };
  const open = () => Connection.open({ ...address, strictDecoding: true, requestTimeoutMs: 15_000 });

  beforeAll(async () => {
    conn = await open();
  });
  afterAll(() => conn?.close());

  it('the broker lists APIs kafkawire speaks', () => {
    const ours = messages.filter((m) => conn.brokerVersions.has(m.key));
    expect(ours.length).toBeGreaterThan(50);
  });

  for (const msg of messages) {
    it(`${msg.api} (key ${msg.key})`, async () => {
      const api = apiByKey(msg.key)!;
      const broker = conn.brokerVersions.get(msg.key);
      if (!broker) {
        // Not offered: only where the broker needs configuring for it, or is older than the API. Nothing to send.
        expect(whyAbsent(msg.api, version), `Kafka ${version} does not offer ${msg.api}`).toBeDefined();
        return;
      }
      // Kafka 4 still lists Produce v0–v2 so that old clients can start, but refuses them (KIP-896).
      const floor = msg.api === 'Produce' && !version.startsWith('3.') ? 3 : 0;
      const lo = Math.max(api.minVersion, broker.minVersion, floor);
      // Every API the broker offers must have a version both sides speak (share-group APIs: v1 and later).
      expect(lo <= Math.min(api.maxVersion, broker.maxVersion), `no common version of ${msg.api}: kafkawire ${api.minVersion}–${api.maxVersion}, Kafka ${version} ${broker.minVersion}–${broker.maxVersion}`).toBe(true);
      const hi = Math.min(api.maxVersion, broker.maxVersion);
      const failures: string[] = [];
      let tried = 0;
      for (let v = lo; v <= hi; v++) {
        tried++;
        const body = { ...minimalRequest(msg, v), ...overrides(msg.api, v) };
        try {
          const res = await conn.request(api, body, { version: v });
          expect(res).toBeTypeOf('object');
        } catch (e) {
          failures.push(`v${v}: ${(e as Error).message}`);
          if (e instanceof KafkaConnectionError || conn.state === 'closed') conn = await open();
        }
      }
      expect(failures, `${msg.api}: versions ${lo}–${hi} (broker ${broker.minVersion}–${broker.maxVersion})`).toEqual([]);
      expect(tried).toBeGreaterThan(0);
    });
  }
});
