// Java consumer property names (from --config, --consumer-property,
// --consumer-props) turned into kafkawire Consumer options.
import type { ConsumerOptions } from '../consumer/options.js';
import { KafkaConfigError } from '../errors.js';

type Kind = 'int' | 'bool' | 'string' | 'list' | 'lower';

/** Java consumer property → Consumer option; null: accepted, no effect here. */
export const CONSUMER_PROPERTIES: Readonly<Record<string, readonly [keyof ConsumerOptions, Kind] | null>> = {
  'group.id': ['groupId', 'string'],
  'group.instance.id': ['groupInstanceId', 'string'],
  'group.protocol': ['groupProtocol', 'lower'],
  'group.remote.assignor': ['groupRemoteAssignor', 'string'],
  'auto.offset.reset': ['autoOffsetReset', 'lower'],
  'enable.auto.commit': ['enableAutoCommit', 'bool'],
  'auto.commit.interval.ms': ['autoCommitIntervalMs', 'int'],
  'isolation.level': ['isolationLevel', 'lower'],
  'max.poll.records': ['maxPollRecords', 'int'],
  'max.poll.interval.ms': ['maxPollIntervalMs', 'int'],
  'session.timeout.ms': ['sessionTimeoutMs', 'int'],
  'heartbeat.interval.ms': ['heartbeatIntervalMs', 'int'],
  'fetch.min.bytes': ['fetchMinBytes', 'int'],
  'fetch.max.bytes': ['fetchMaxBytes', 'int'],
  'fetch.max.wait.ms': ['fetchMaxWaitMs', 'int'],
  'max.partition.fetch.bytes': ['maxPartitionFetchBytes', 'int'],
  'partition.assignment.strategy': ['partitionAssignmentStrategy', 'list'],
  'client.rack': ['clientRack', 'string'],
  'check.crcs': ['checkCrcs', 'bool'],
  'allow.auto.create.topics': ['allowAutoCreateTopics', 'bool'],
  'client.id': ['clientId', 'string'],
  'request.timeout.ms': ['requestTimeoutMs', 'int'],
  'default.api.timeout.ms': ['defaultApiTimeoutMs', 'int'],
  'retry.backoff.ms': ['retryBackoffMs', 'int'],
  'retry.backoff.max.ms': ['retryBackoffMaxMs', 'int'],
  'metadata.max.age.ms': ['metadataMaxAgeMs', 'int'],
  'connections.max.idle.ms': ['connectionsMaxIdleMs', 'int'],
  'reconnect.backoff.ms': ['reconnectBackoffMs', 'int'],
  'reconnect.backoff.max.ms': ['reconnectBackoffMaxMs', 'int'],
  'socket.connection.setup.timeout.ms': ['socketConnectionSetupTimeoutMs', 'int'],
  'socket.connection.setup.timeout.max.ms': ['socketConnectionSetupTimeoutMaxMs', 'int'],
  // Java-only: the CLI prints bytes as text or base64, and always leaves internal topics to explicit names.
  'exclude.internal.topics': null,
  'key.deserializer': null,
  'value.deserializer': null,
};

function convert(name: string, value: string, kind: Kind): unknown {
  switch (kind) {
    case 'string':
      return value;
    case 'lower':
      return value.trim().toLowerCase();
    case 'list':
      return value.split(',').map((s) => s.trim()).filter(Boolean);
    case 'bool':
      if (value !== 'true' && value !== 'false') throw new KafkaConfigError(`consumer property ${name}=${value}: expected true or false`);
      return value === 'true';
    case 'int': {
      const n = Number(value);
      if (value.trim() === '' || !Number.isInteger(n)) throw new KafkaConfigError(`consumer property ${name}=${value}: expected an integer`);
      return n;
    }
  }
}

/**
 * Consumer options from Java consumer properties. Names this table does not
 * know are the caller's to warn about (config.ts does, for --config files).
 */
export function consumerOptionsFrom(props: Readonly<Record<string, string>>): Partial<ConsumerOptions> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(props)) {
    const m = CONSUMER_PROPERTIES[name];
    if (!m) continue;
    out[m[0]] = convert(name, value, m[1]);
  }
  return out as Partial<ConsumerOptions>;
}
