// A minimal GroupHost for real-broker group tests: one pool + metadata +
// membership per member, recording every assign / revoke / lost call.
import { Metadata } from '../../../src/cluster/metadata.js';
import type { GroupHost, GroupMembership, GroupOptions, TopicPartition } from '../../../src/consumer/group/contract.js';
import { createGroupMembership } from '../../../src/consumer/group/index.js';
import { ConnectionPool } from '../../../src/network/pool.js';
import { systemClock } from '../../../src/network/clock.js';
import { Coordinator } from '../../../src/consumer/group/coordinator.js';
import type { ConsumerGroupDescribeResponse, DescribeGroupsResponse } from '../../../src/messages/generated/index.js';
import type { ApiName } from '../../../src/messages/registry.js';
import { kafka } from '../kafka.js';

export type Event = { what: 'assign' | 'revoke' | 'lost'; partitions: string[] };

export const label = (ps: TopicPartition[]) => ps.map((p) => `${p.topic}-${p.partition}`).sort();

export class Member implements GroupHost {
  events: Event[] = [];
  fatals: Error[] = [];
  owned = new Set<string>();
  membership!: GroupMembership;
  pool!: ConnectionPool;

  constructor(readonly name: string) {}

  static async start(name: string, options: Partial<GroupOptions> & { groupId: string }): Promise<Member> {
    const m = new Member(name);
    m.pool = new ConnectionPool({ bootstrapServers: kafka.bootstrap, clientId: name });
    await m.pool.start();
    const metadata = new Metadata(m.pool, { allowAutoTopicCreation: false });
    m.membership = createGroupMembership({ pool: m.pool, metadata, clock: systemClock, host: m, options: groupOptions(name, options) });
    return m;
  }

  async revoke(partitions: TopicPartition[]): Promise<void> {
    this.events.push({ what: 'revoke', partitions: label(partitions) });
    for (const p of label(partitions)) this.owned.delete(p);
  }
  async assign(partitions: TopicPartition[]): Promise<void> {
    this.events.push({ what: 'assign', partitions: label(partitions) });
    for (const p of label(partitions)) this.owned.add(p);
  }
  async lost(partitions: TopicPartition[]): Promise<void> {
    this.events.push({ what: 'lost', partitions: label(partitions) });
    for (const p of label(partitions)) this.owned.delete(p);
  }
  fatal(err: Error): void {
    this.fatals.push(err);
  }

  /** Partitions this member took and never gave up since event index `from`. */
  revokedSince(from: number): string[] {
    return this.events.slice(from).filter((e) => e.what !== 'assign').flatMap((e) => e.partitions);
  }

  ownedList(): string[] {
    return [...this.owned].sort();
  }

  /** Keeps the member "polling" so maxPollIntervalMs never fires during a test. */
  keepPolling(): () => void {
    const t = setInterval(() => this.membership.polled(), 500);
    return () => clearInterval(t);
  }

  async close(): Promise<void> {
    try {
      await this.membership.leave();
    } finally {
      await this.pool.close();
    }
  }
}

export function groupOptions(clientId: string, over: Partial<GroupOptions> & { groupId: string }): GroupOptions {
  return {
    groupInstanceId: null,
    clientId,
    groupProtocol: 'classic',
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 1000,
    maxPollIntervalMs: 20_000,
    rebalanceTimeoutMs: 20_000,
    partitionAssignmentStrategy: ['range'],
    groupRemoteAssignor: null,
    clientRack: null,
    retryBackoffMs: 100,
    retryBackoffMaxMs: 1000,
    requestTimeoutMs: 30_000,
    defaultApiTimeoutMs: 60_000,
    ...over,
  };
}

/** Polls cond every 100 ms until it holds or timeoutMs passes (then throws, with describe() in the message). */
export async function waitFor(cond: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms: ${describe()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** True when the members own disjoint sets covering exactly `all`. */
export function splitExactly(members: Member[], all: string[]): boolean {
  const seen = members.flatMap((m) => m.ownedList());
  return seen.length === all.length && new Set(seen).size === all.length && all.every((p) => seen.includes(p));
}

export const state = (members: Member[]) => members.map((m) => `${m.name}=${m.ownedList().join(',')}`).join(' | ');

export const allPartitions = (topic: string, n: number) => Array.from({ length: n }, (_, i) => `${topic}-${i}`).sort();

/** Sends one request to a group's coordinator on a pool of its own. */
async function atCoordinator<T>(group: string, api: ApiName, body: unknown): Promise<T> {
  const pool = new ConnectionPool({ bootstrapServers: kafka.bootstrap });
  try {
    await pool.start();
    const c = new Coordinator(pool, new Metadata(pool), systemClock, { groupId: group, retryBackoffMs: 100, retryBackoffMaxMs: 1000 });
    return await c.request<T>(api, body, Date.now() + 30_000);
  } finally {
    await pool.close();
  }
}

/** A classic group's state and member client ids (DescribeGroups). */
export async function describeClassicGroup(group: string): Promise<{ state: string; clients: string[] }> {
  const res = await atCoordinator<DescribeGroupsResponse>(group, 'DescribeGroups', { groups: [group], includeAuthorizedOperations: false });
  const g = res.groups[0]!;
  return { state: g.groupState, clients: g.members.map((m) => m.clientId) };
}

/** A KIP-848 group's epoch and state (ConsumerGroupDescribe). */
export async function describeConsumerGroup(group: string): Promise<{ state: string; groupEpoch: number; assignmentEpoch: number }> {
  const res = await atCoordinator<ConsumerGroupDescribeResponse>(group, 'ConsumerGroupDescribe', { groupIds: [group], includeAuthorizedOperations: false });
  const g = res.groups[0]!;
  return { state: g.groupState, groupEpoch: g.groupEpoch, assignmentEpoch: g.assignmentEpoch };
}

/** The node id of a group's coordinator now (FindCoordinator). */
export async function coordinatorOf(group: string): Promise<number> {
  const pool = new ConnectionPool({ bootstrapServers: kafka.bootstrap });
  try {
    await pool.start();
    return await new Coordinator(pool, new Metadata(pool), systemClock, { groupId: group, retryBackoffMs: 100, retryBackoffMaxMs: 1000 }).node(Date.now() + 60_000);
  } finally {
    await pool.close();
  }
}
