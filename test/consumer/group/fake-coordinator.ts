// A scripted group coordinator for the membership state machines: an
// in-memory stand-in for the connection pool (no sockets, so an injected clock
// drives every timer), a clock that moves only when told to, and a host that
// records what the membership asks of it.
import { Metadata } from '../../../src/cluster/metadata.js';
import type { GroupDeps, GroupHost, GroupOptions, TopicPartition } from '../../../src/consumer/group/contract.js';
import type { Clock } from '../../../src/network/clock.js';
import type { ConnectionPool } from '../../../src/network/pool.js';

/** A clock that moves only when told to, firing due timers in order and letting promises settle between them. */
export class FakeClock implements Clock {
  t = 1_000_000;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private seq = 0;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.seq;
    this.timers.push({ at: this.t + Math.max(0, ms), fn, id });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== h);
  };
  get pending(): number {
    return this.timers.length;
  }
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (let guard = 0; guard < 100_000; guard++) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
      await settle();
    }
    this.t = end;
    await settle();
  }
}

/** Lets every chain of already-resolved promises run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}

export interface SentRequest {
  api: string;
  node: number | 'any';
  body: any;
  /** The request options (e.g. maxVersion) the caller passed. */
  opts?: { maxVersion?: number };
}

type Responder = (body: any, node: number | 'any') => unknown;

/**
 * The fake cluster: brokers 1-3, a coordinator (node 1 unless moved), topics
 * with ids, and per-API scripts: `script(api, ...responses)` queues answers
 * (a function is called with the request; an Error is thrown); when a queue
 * is empty the default answer for the API is used.
 */
export class FakeCluster {
  requests: SentRequest[] = [];
  coordinator = 1;
  topics = new Map<string, { id: string; partitions: number }>();
  private scripts = new Map<string, Array<unknown>>();
  defaults = new Map<string, Responder>();
  brokers = [1, 2, 3].map((nodeId) => ({ nodeId, host: '127.0.0.1', port: 9000 + nodeId, rack: null }));

  constructor() {
    this.defaults.set('FindCoordinator', () => ({ throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: this.coordinator, host: '127.0.0.1', port: 9000 + this.coordinator, coordinators: [{ key: 'g', nodeId: this.coordinator, host: '127.0.0.1', port: 9000 + this.coordinator, errorCode: 0, errorMessage: null }] }));
    this.defaults.set('Metadata', (body) => {
      const byId = (id: string) => [...this.topics].find(([, t]) => t.id === id)?.[0] ?? null;
      const names: Array<string | null> = body.topics === null ? [...this.topics.keys()] : body.topics.map((t: { name: string | null; topicId?: string }) => t.name ?? byId(t.topicId ?? ''));
      return {
        throttleTimeMs: 0,
        brokers: this.brokers,
        clusterId: 'fake',
        controllerId: 1,
        topics: names.map((name) => {
          const t = name === null ? undefined : this.topics.get(name);
          return {
            errorCode: t ? 0 : 3,
            name,
            topicId: t?.id ?? 'AAAAAAAAAAAAAAAAAAAAAA',
            isInternal: false,
            partitions: t ? Array.from({ length: t.partitions }, (_, i) => ({ errorCode: 0, partitionIndex: i, leaderId: 1 + (i % 3), leaderEpoch: 0, replicaNodes: [1, 2, 3], isrNodes: [1, 2, 3], offlineReplicas: [] })) : [],
            topicAuthorizedOperations: 0,
          };
        }),
      };
    });
    this.defaults.set('Heartbeat', () => ({ throttleTimeMs: 0, errorCode: 0 }));
    this.defaults.set('LeaveGroup', () => ({ throttleTimeMs: 0, errorCode: 0, members: [] }));
    this.defaults.set('OffsetCommit', (body) => ({
      throttleTimeMs: 0,
      topics: body.topics.map((t: any) => ({ name: t.name, partitions: t.partitions.map((p: any) => ({ partitionIndex: p.partitionIndex, errorCode: 0 })) })),
    }));
  }

  addTopic(name: string, partitions: number, id = name.padEnd(22, 'A').slice(0, 22)): void {
    this.topics.set(name, { id, partitions });
  }

  script(api: string, ...responses: unknown[]): void {
    let q = this.scripts.get(api);
    if (!q) this.scripts.set(api, (q = []));
    q.push(...responses);
  }

  sent(api: string): SentRequest[] {
    return this.requests.filter((r) => r.api === api);
  }

  /** The ConnectionPool the membership talks to. */
  pool(): ConnectionPool {
    const fake = {
      request: async (node: number | 'any', api: string, body: unknown, opts?: { maxVersion?: number }) => {
        this.requests.push({ api, node, body, opts });
        const q = this.scripts.get(api);
        const next = q && q.length > 0 ? q.shift() : this.defaults.get(api);
        if (next === undefined) throw new Error(`fake coordinator: no answer scripted for ${api}`);
        if (next instanceof Error) throw next;
        return typeof next === 'function' ? (next as Responder)(body, node) : next;
      },
      knownBrokers: () => this.brokers,
      updateBrokers: () => undefined,
    };
    return fake as unknown as ConnectionPool;
  }
}

/** A host that records every call, in order. */
export class RecordingHost implements GroupHost {
  calls: Array<{ what: 'assign' | 'revoke' | 'lost'; partitions: string[] }> = [];
  fatals: Error[] = [];
  /** Runs inside revoke() (e.g. a commit), before it resolves. */
  onRevoke?: (partitions: TopicPartition[]) => Promise<void>;
  async revoke(partitions: TopicPartition[]): Promise<void> {
    this.calls.push({ what: 'revoke', partitions: names(partitions) });
    await this.onRevoke?.(partitions);
  }
  async assign(partitions: TopicPartition[]): Promise<void> {
    this.calls.push({ what: 'assign', partitions: names(partitions) });
  }
  async lost(partitions: TopicPartition[]): Promise<void> {
    this.calls.push({ what: 'lost', partitions: names(partitions) });
  }
  fatal(err: Error): void {
    this.fatals.push(err);
  }
}

export const names = (ps: TopicPartition[]) => ps.map((p) => `${p.topic}-${p.partition}`).sort();

export function groupOptions(over: Partial<GroupOptions> = {}): GroupOptions {
  return {
    groupId: 'g',
    groupInstanceId: null,
    clientId: 'test',
    groupProtocol: 'classic',
    sessionTimeoutMs: 45_000,
    heartbeatIntervalMs: 3000,
    maxPollIntervalMs: 300_000,
    rebalanceTimeoutMs: 300_000,
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

export function setup(over: Partial<GroupOptions> = {}) {
  const cluster = new FakeCluster();
  const clock = new FakeClock();
  const host = new RecordingHost();
  const pool = cluster.pool();
  const metadata = new Metadata(pool);
  const deps: GroupDeps = { pool, metadata, clock, host, options: groupOptions(over) };
  return { cluster, clock, host, deps, metadata };
}
