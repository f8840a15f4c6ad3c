// The Admin client: Java's Admin calls, in camelCase, over one connection pool.
import { KafkaConfigError } from '../errors.js';
import { clockOption, describeValue, MAX_DELAY_MS, msOption } from '../config-checks.js';
import type { VersionCaps } from '../messages/negotiate.js';
import { clientPool } from '../network/client-pool.js';
import type { ConnectionPool, PoolOptions } from '../network/pool.js';
import * as acls from './acls.js';
import { groupSpecsArg, namesArg, optsArg, partitionsArg, stringArg } from './args.js';
import * as cluster from './cluster.js';
import * as configs from './configs.js';
import { AdminContext } from './context.js';
import * as groups from './groups.js';
import * as lag from './lag.js';
import * as offsets from './offsets.js';
import * as quotas from './quotas.js';
import * as scram from './scram.js';
import * as share from './share-groups.js';
import * as streams from './streams-groups.js';
import * as topics from './topics.js';
import * as txns from './transactions.js';
import type { CallOptions, TopicPartition } from './types.js';

/** Admin options: Java's AdminClientConfig names in camelCase, with its defaults. */
export interface AdminOptions extends Pick<PoolOptions, 'tls' | 'sasl' | 'lookup' | 'clock'> {
  bootstrapServers: string | string[];
  /** Default `kafkawire-admin-N`. */
  clientId?: string;
  /** Wait for one response (default 30000). */
  requestTimeoutMs?: number;
  /** Upper bound of a whole call, retries included, unless the call passes timeoutMs (default 60000). */
  defaultApiTimeoutMs?: number;
  /** First delay before retrying a retriable error (default 100), doubling to retryBackoffMaxMs (default 1000). */
  retryBackoffMs?: number;
  retryBackoffMaxMs?: number;
  /** Close connections idle this long (default 300000, as the Java admin client); -1 never. */
  connectionsMaxIdleMs?: number;
  reconnectBackoffMs?: number;
  reconnectBackoffMaxMs?: number;
  socketConnectionSetupTimeoutMs?: number;
  socketConnectionSetupTimeoutMaxMs?: number;
  versionCaps?: VersionCaps;
}

let clientSeq = 0;

function nonNegative(name: string, v: number | undefined, dflt: number): number {
  const x = v ?? dflt;
  if (typeof x !== 'number' || !(x >= 0 && x <= MAX_DELAY_MS)) throw new KafkaConfigError(`${name} must be a number of milliseconds from 0 to ${MAX_DELAY_MS}, got ${describeValue(v)}`);
  return x;
}

/**
 * Administers topics, configs, offsets, groups, transactions, ACLs, SCRAM
 * users and quotas. Each call goes to the broker that can answer it (any
 * broker, the controller, partition leaders, group or transaction
 * coordinators; one request per broker), retries retriable errors until
 * its timeout (defaultApiTimeoutMs), and, when it acts on several items,
 * resolves to one `{ ok, value | error }` result per item in the order
 * asked: a failed item never hides the others. Calls with a single answer
 * resolve to it or reject.
 */
export class Admin {
  private readonly pool: ConnectionPool;
  private readonly ctx: AdminContext;
  private starting: Promise<void> | null = null;
  private closed = false;

  constructor(options: AdminOptions) {
    if (!options || (typeof options.bootstrapServers !== 'string' && !Array.isArray(options.bootstrapServers))) {
      throw new KafkaConfigError('Admin needs bootstrapServers: "host:port,host:port" or an array of them');
    }
    const settings = {
      requestTimeoutMs: nonNegative('requestTimeoutMs', options.requestTimeoutMs, 30_000),
      defaultApiTimeoutMs: nonNegative('defaultApiTimeoutMs', options.defaultApiTimeoutMs, 60_000),
      retryBackoffMs: nonNegative('retryBackoffMs', options.retryBackoffMs, 100),
      retryBackoffMaxMs: nonNegative('retryBackoffMaxMs', options.retryBackoffMaxMs, 1000),
    };
    // What only the pool reads is checked here: the producer and consumer check it with their other options.
    for (const name of ['reconnectBackoffMs', 'reconnectBackoffMaxMs', 'socketConnectionSetupTimeoutMs', 'socketConnectionSetupTimeoutMaxMs'] as const) {
      if (options[name] !== undefined) msOption(name, options[name], name.startsWith('socket') ? 1 : 0);
    }
    const clock = clockOption(options.clock);
    this.pool = clientPool({
      ...options,
      clientId: options.clientId ?? `kafkawire-admin-${++clientSeq}`,
      requestTimeoutMs: settings.requestTimeoutMs,
      connectionsMaxIdleMs: options.connectionsMaxIdleMs ?? 300_000,
      clock,
    });
    this.ctx = new AdminContext(this.pool, settings, clock, () => this.connect());
  }

  /** Connects to the bootstrap servers (every call does this on first use). */
  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new KafkaConfigError('this Admin client is closed'));
    this.starting ??= this.pool.start();
    this.starting.catch(() => {
      this.starting = null;
    });
    return this.starting;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pool.close();
  }

  // Topics
  async createTopics(newTopics: topics.NewTopic[], opts?: CallOptions & { validateOnly?: boolean }) {
    return topics.createTopics(this.ctx, topics.newTopicsArg(newTopics), optsArg('createTopics()', opts));
  }
  async deleteTopics(names: string[], opts?: CallOptions) {
    return topics.deleteTopics(this.ctx, namesArg('deleteTopics()', 'topic names', names), optsArg('deleteTopics()', opts));
  }
  async listTopics(opts?: CallOptions & { listInternal?: boolean }) {
    return topics.listTopics(this.ctx, optsArg('listTopics()', opts));
  }
  async describeTopics(names: string[], opts?: CallOptions & { includeAuthorizedOperations?: boolean }) {
    return topics.describeTopics(this.ctx, namesArg('describeTopics()', 'topic names', names), optsArg('describeTopics()', opts));
  }
  async createPartitions(newPartitions: Record<string, topics.NewPartitions>, opts?: CallOptions & { validateOnly?: boolean }) {
    return topics.createPartitions(this.ctx, topics.newPartitionsArg(newPartitions), optsArg('createPartitions()', opts));
  }

  // Configs
  async describeConfigs(resources: configs.ConfigResource[], opts?: CallOptions & { includeSynonyms?: boolean; includeDocumentation?: boolean; configNames?: string[] }) {
    return configs.describeConfigs(this.ctx, configs.resourcesArg(resources), optsArg('describeConfigs()', opts));
  }
  async incrementalAlterConfigs(alterations: Array<{ resource: configs.ConfigResource; ops: configs.AlterConfigOp[] }>, opts?: CallOptions & { validateOnly?: boolean }) {
    return configs.incrementalAlterConfigs(this.ctx, configs.alterationsArg(alterations), optsArg('incrementalAlterConfigs()', opts));
  }

  // Offsets and records
  async listOffsets(requests: Array<TopicPartition & { spec: offsets.OffsetSpec }>, opts?: CallOptions & { isolationLevel?: 'read_uncommitted' | 'read_committed' }) {
    offsets.isolationArg('listOffsets()', opts);
    return offsets.listOffsets(this.ctx, offsets.listOffsetsArg(requests), optsArg('listOffsets()', opts));
  }
  /** Deletes the records before beforeOffset (a bigint or a safe integer; -1: the high watermark, i.e. every record). */
  async deleteRecords(requests: Array<TopicPartition & { beforeOffset: bigint | number }>, opts?: CallOptions) {
    return offsets.deleteRecords(this.ctx, offsets.deleteRecordsArg(requests), optsArg('deleteRecords()', opts));
  }

  // Cluster
  async describeCluster(opts?: CallOptions & { includeAuthorizedOperations?: boolean }) {
    return cluster.describeCluster(this.ctx, optsArg('describeCluster()', opts));
  }

  // Groups of every type (listGroups) and consumer groups
  async listGroups(opts?: CallOptions & { states?: string[]; types?: Array<'classic' | 'consumer' | 'share' | 'streams'> }) {
    return groups.listGroups(this.ctx, optsArg('listGroups()', opts));
  }
  async describeConsumerGroups(groupIds: string[], opts?: CallOptions & { includeAuthorizedOperations?: boolean }) {
    return groups.describeConsumerGroups(this.ctx, namesArg('describeConsumerGroups()', 'group ids', groupIds), optsArg('describeConsumerGroups()', opts));
  }
  async listConsumerGroupOffsets(groupSpecs: string[] | Record<string, TopicPartition[] | null>, opts?: CallOptions & { requireStable?: boolean }) {
    return groups.listConsumerGroupOffsets(this.ctx, groupSpecsArg('listConsumerGroupOffsets()', groupSpecs), optsArg('listConsumerGroupOffsets()', opts));
  }
  /** Commits offsets (bigints or safe integers ≥ 0) for a group with no active members. */
  async alterConsumerGroupOffsets(groupId: string, offsetsToCommit: Array<TopicPartition & { offset: bigint | number; leaderEpoch?: number; metadata?: string }>, opts?: CallOptions) {
    const id = stringArg('alterConsumerGroupOffsets()', 'groupId', groupId);
    return groups.alterConsumerGroupOffsets(this.ctx, id, groups.offsetsToCommitArg(offsetsToCommit), optsArg('alterConsumerGroupOffsets()', opts));
  }
  async deleteConsumerGroupOffsets(groupId: string, partitions: TopicPartition[], opts?: CallOptions) {
    return groups.deleteConsumerGroupOffsets(this.ctx, stringArg('deleteConsumerGroupOffsets()', 'groupId', groupId), partitionsArg('deleteConsumerGroupOffsets()', '{ topic, partition }', partitions), optsArg('deleteConsumerGroupOffsets()', opts));
  }
  async deleteConsumerGroups(groupIds: string[], opts?: CallOptions) {
    return groups.deleteConsumerGroups(this.ctx, namesArg('deleteConsumerGroups()', 'group ids', groupIds), optsArg('deleteConsumerGroups()', opts));
  }
  /** Per partition: committed offset, end offset, lag and owner (as kafka-consumer-groups --describe). */
  async consumerGroupLag(groupId: string, opts?: CallOptions & { isolationLevel?: 'read_uncommitted' | 'read_committed' }) {
    offsets.isolationArg('consumerGroupLag()', opts);
    return lag.consumerGroupLag(this.ctx, stringArg('consumerGroupLag()', 'groupId', groupId), optsArg('consumerGroupLag()', opts));
  }

  // Share groups (KIP-932)
  async describeShareGroups(groupIds: string[], opts?: CallOptions & { includeAuthorizedOperations?: boolean }) {
    return share.describeShareGroups(this.ctx, namesArg('describeShareGroups()', 'group ids', groupIds), optsArg('describeShareGroups()', opts));
  }
  /**
   * Start offsets (and lag, from brokers with DescribeShareGroupOffsets v1) of share groups: `(groupId, partitions?)` for one group, every
   * partition it has state for when partitions is omitted or null; or `(groupIds | { groupId: partitions | null })`.
   */
  listShareGroupOffsets(groupId: string, partitions?: TopicPartition[] | null, opts?: CallOptions): Promise<Array<groups.GroupResult<share.SharePartitionOffset[]>>>;
  listShareGroupOffsets(groupId: string, opts?: CallOptions): Promise<Array<groups.GroupResult<share.SharePartitionOffset[]>>>;
  listShareGroupOffsets(groupSpecs: string[] | Record<string, TopicPartition[] | null>, opts?: CallOptions): Promise<Array<groups.GroupResult<share.SharePartitionOffset[]>>>;
  async listShareGroupOffsets(groupSpecs: string | string[] | Record<string, TopicPartition[] | null>, second?: TopicPartition[] | null | CallOptions, third?: CallOptions) {
    const call = 'listShareGroupOffsets()';
    if (typeof groupSpecs === 'string') {
      // (groupId, optsArg('listShareGroupOffsets()', opts)) works too: only an array (or null) is a partition list.
      if (second != null && !Array.isArray(second)) return share.listShareGroupOffsets(this.ctx, groupSpecs, null, second);
      return share.listShareGroupOffsets(this.ctx, groupSpecs, second == null ? null : partitionsArg(call, '{ topic, partition }', second), third);
    }
    return share.listShareGroupOffsets(this.ctx, groupSpecsArg(call, groupSpecs), null, (second ?? {}) as CallOptions);
  }
  /** Sets a share group's start offsets (the group must have no members). */
  async alterShareGroupOffsets(groupId: string, offsets: Array<TopicPartition & { offset: bigint | number }>, opts?: CallOptions) {
    return share.alterShareGroupOffsets(this.ctx, stringArg('alterShareGroupOffsets()', 'groupId', groupId), share.startOffsetsArg(offsets), optsArg('alterShareGroupOffsets()', opts));
  }
  /** Removes a share group's state for whole topics (the group must have no members). */
  async deleteShareGroupOffsets(groupId: string, topics: string[], opts?: CallOptions) {
    return share.deleteShareGroupOffsets(this.ctx, stringArg('deleteShareGroupOffsets()', 'groupId', groupId), namesArg('deleteShareGroupOffsets()', 'topic names', topics), optsArg('deleteShareGroupOffsets()', opts));
  }

  // Streams groups (KIP-1071)
  async describeStreamsGroups(groupIds: string[], opts?: CallOptions & { includeAuthorizedOperations?: boolean }) {
    return streams.describeStreamsGroups(this.ctx, namesArg('describeStreamsGroups()', 'group ids', groupIds), optsArg('describeStreamsGroups()', opts));
  }

  // Transactions
  async describeProducers(partitions: TopicPartition[], opts?: CallOptions) {
    return txns.describeProducers(this.ctx, partitionsArg('describeProducers()', '{ topic, partition }', partitions), optsArg('describeProducers()', opts));
  }
  async listTransactions(opts?: CallOptions & { states?: string[]; producerIds?: Array<bigint | number>; durationMs?: number }) {
    return txns.listTransactions(this.ctx, optsArg('listTransactions()', opts));
  }
  async describeTransactions(transactionalIds: string[], opts?: CallOptions) {
    return txns.describeTransactions(this.ctx, namesArg('describeTransactions()', 'transactional ids', transactionalIds), optsArg('describeTransactions()', opts));
  }
  /** Writes an abort marker for a hanging transaction into one partition (WriteTxnMarkers to its leader). */
  async abortTransaction(spec: txns.AbortTransactionSpec, opts?: CallOptions) {
    return txns.abortTransaction(this.ctx, spec, optsArg('abortTransaction()', opts));
  }
  async fenceProducers(transactionalIds: string[], opts?: CallOptions & { transactionTimeoutMs?: number }) {
    return txns.fenceProducers(this.ctx, namesArg('fenceProducers()', 'transactional ids', transactionalIds), optsArg('fenceProducers()', opts));
  }

  // ACLs
  async describeAcls(filter?: acls.AclBindingFilter, opts?: CallOptions) {
    return acls.describeAcls(this.ctx, filter === undefined ? undefined : acls.filterArg('describeAcls()', 'filter', filter), optsArg('describeAcls()', opts));
  }
  async createAcls(bindings: Parameters<typeof acls.createAcls>[1], opts?: CallOptions) {
    return acls.createAcls(this.ctx, acls.bindingsArg(bindings), optsArg('createAcls()', opts));
  }
  async deleteAcls(filters: acls.AclBindingFilter[], opts?: CallOptions) {
    return acls.deleteAcls(this.ctx, acls.filtersArg(filters), optsArg('deleteAcls()', opts));
  }

  // SCRAM credentials
  async describeUserScramCredentials(users?: string[], opts?: CallOptions) {
    return scram.describeUserScramCredentials(this.ctx, users === undefined ? undefined : namesArg('describeUserScramCredentials()', 'user names', users), optsArg('describeUserScramCredentials()', opts));
  }
  async alterUserScramCredentials(alterations: scram.ScramAlteration[], opts?: CallOptions) {
    return scram.alterUserScramCredentials(this.ctx, scram.alterationsArg(alterations), optsArg('alterUserScramCredentials()', opts));
  }

  // Client quotas
  async describeClientQuotas(components?: quotas.QuotaFilterComponent[], opts?: CallOptions & { strict?: boolean }) {
    return quotas.describeClientQuotas(this.ctx, components === undefined ? undefined : quotas.componentsArg(components), optsArg('describeClientQuotas()', opts));
  }
  async alterClientQuotas(alterations: quotas.QuotaAlteration[], opts?: CallOptions & { validateOnly?: boolean }) {
    return quotas.alterClientQuotas(this.ctx, quotas.quotaAlterationsArg(alterations), optsArg('alterClientQuotas()', opts));
  }
}
