// What every group of Admin calls shares: the connections, the options, a
// view of the brokers, and the retry loop that runs a call item by item until
// each item has an answer or the call's time is up.
import createDebug from 'debug';
import { throwMetadataError } from '../cluster/metadata.js';
import { callTimeoutMs } from '../config-checks.js';
import { KafkaError, KafkaTimeoutError } from '../errors.js';
import { ErrorCode, errorFor } from '../messages/error-codes.js';
import type { FindCoordinatorResponse, MetadataResponse } from '../messages/generated/index.js';
import { backoffMs } from '../network/backoff.js';
import type { Clock } from '../network/clock.js';
import type { ConnectionPool } from '../network/pool.js';
import { fail, type CallOptions, type Node, type Result } from './types.js';

const log = createDebug('kafkawire:admin');

export interface AdminSettings {
  requestTimeoutMs: number;
  defaultApiTimeoutMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
}

export type CoordinatorKind = 'group' | 'transaction';

export class AdminContext {
  /** Controller id from the last metadata (in KRaft, a broker that forwards to the controller). */
  controllerId = -1;
  clusterId: string | null = null;
  brokers: Node[] = [];
  /** Set when a call retries: routing (controller, leaders, coordinators) is looked up afresh. */
  private stale = true;

  constructor(
    readonly pool: ConnectionPool,
    readonly settings: AdminSettings,
    readonly clock: Clock,
    private readonly start: () => Promise<void>,
  ) {}

  /** Connects on first use. */
  ready(): Promise<void> {
    return this.start();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((r) => this.clock.setTimeout(r, ms));
  }

  /** Metadata for those topics (null: all, []: none); refreshes the broker list the pool dials. */
  async metadata(topics: string[] | null, includeTopicAuthorizedOperations = false): Promise<MetadataResponse> {
    await this.ready();
    const res = await this.pool.request<MetadataResponse>('any', 'Metadata', {
      topics: topics === null ? null : topics.map((name) => ({ name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' })),
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations,
    });
    throwMetadataError(res);
    this.apply(res);
    return res;
  }

  apply(res: MetadataResponse): void {
    this.stale = false;
    this.controllerId = res.controllerId;
    this.clusterId = res.clusterId;
    this.brokers = res.brokers.map((b) => ({ id: b.nodeId, host: b.host, port: b.port, rack: b.rack })).sort((a, b) => a.id - b.id);
    this.pool.updateBrokers(res.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })));
  }

  /** The broker list, loading it if none is known yet. */
  async knownBrokers(): Promise<Node[]> {
    if (this.stale || this.brokers.length === 0) await this.metadata([]);
    return this.brokers;
  }

  /** Where an API that goes to the controller is sent: the controller the metadata named, else any broker. */
  async controller(): Promise<number | 'any'> {
    await this.knownBrokers();
    return this.brokers.some((b) => b.id === this.controllerId) ? this.controllerId : 'any';
  }

  /**
   * Finds the coordinator of each key (group id or transactional id), in one
   * FindCoordinator request where the broker batches (v4+). Keys whose lookup
   * failed get their error.
   */
  async coordinators(kind: CoordinatorKind, keys: string[]): Promise<Map<string, Result<number>>> {
    await this.ready();
    const keyType = kind === 'group' ? 0 : 1;
    const out = new Map<string, Result<number>>();
    const res = await this.pool.request<FindCoordinatorResponse>('any', 'FindCoordinator', { key: keys[0] ?? '', keyType, coordinatorKeys: keys });
    const lookups: Array<{ key: string; nodeId: number; errorCode: number; errorMessage: string | null }> =
      res.coordinators.length > 0 ? res.coordinators : [{ key: keys[0] ?? '', nodeId: res.nodeId, errorCode: res.errorCode, errorMessage: res.errorMessage }];
    for (const c of lookups) {
      out.set(c.key, c.errorCode === 0 ? { ok: true, value: c.nodeId } : fail(errorFor(c.errorCode, { api: 'FindCoordinator' }, `${kind} ${c.key}${c.errorMessage ? `: ${c.errorMessage}` : ''}`)));
    }
    // An old broker answers one key per request: ask for the rest one by one.
    const rest = keys.filter((k) => !out.has(k));
    if (rest.length > 0 && res.coordinators.length === 0) {
      for (const [k, v] of await Promise.all(rest.map(async (k) => [k, (await this.coordinators(kind, [k])).get(k)] as const))) {
        if (v) out.set(k, v);
      }
    }
    // The pool must know the coordinator's address before a request can go to it.
    const unknown = [...out.values()].some((r) => r.ok && !this.brokers.some((b) => b.id === r.value));
    if (unknown) await this.metadata([]);
    return out;
  }


  /**
   * Runs `attempt` for the items still pending until each has a final answer:
   * items that failed with a retriable error are tried again after a backoff
   * (retryBackoffMs doubling to retryBackoffMaxMs) until the call's deadline;
   * then they fail with a KafkaTimeoutError that carries the last error.
   * An error thrown by `attempt` as a whole counts for every pending item.
   */
  async perItem<V>(what: string, keys: string[], attempt: (pending: string[]) => Promise<Map<string, Result<V>>>, opts?: CallOptions): Promise<Map<string, Result<V>>> {
    const timeoutMs = callTimeoutMs(what, opts, this.settings.defaultApiTimeoutMs);
    const deadline = this.clock.now() + timeoutMs;
    const done = new Map<string, Result<V>>();
    /** The last error each item got from a broker: what a timeout names, rather than the cut-off attempt. */
    const lastErrors = new Map<string, KafkaError>();
    let pending = [...new Set(keys)];
    for (let round = 1; pending.length > 0; round++) {
      let answers: Map<string, Result<V>>;
      try {
        answers = await this.withTimeout(attempt(pending), deadline, what);
      } catch (e) {
        const err = asKafkaError(e);
        answers = new Map(pending.map((k) => [k, fail<V>(err)]));
      }
      const wait = backoffMs(round, { initialMs: this.settings.retryBackoffMs, maxMs: this.settings.retryBackoffMaxMs });
      const again: string[] = [];
      for (const k of pending) {
        const r = answers.get(k) ?? fail<V>(new KafkaError(`${what}: the broker's answer did not include ${printable(k)}`, true));
        if (!r.ok && !(r.error instanceof DeadlineReached)) lastErrors.set(k, r.error);
        if (r.ok || !r.error.retriable) {
          done.set(k, r);
        } else if (this.clock.now() + wait >= deadline) {
          const last = lastErrors.get(k) ?? r.error;
          done.set(k, fail(new KafkaTimeoutError(`${what} for ${printable(k)} did not succeed within ${timeoutMs} ms (defaultApiTimeoutMs); last error: ${last.message}`, { ...last.context, cause: last })));
        } else {
          again.push(k);
        }
      }
      if (again.length > 0) {
        this.stale = true;
        log('%s: retrying %d item(s) in %d ms (round %d): %s', what, again.length, wait, round, (answers.get(again[0]!) as { error?: Error })?.error?.message);
        await this.sleep(wait);
      }
      pending = again;
    }
    return done;
  }

  /** perItem for a call with one answer: resolves to it or rejects with its error. */
  async once<V>(what: string, attempt: () => Promise<V>, opts?: CallOptions): Promise<V> {
    const r = await this.perItem<V>(what, [what], async () => new Map([[what, { ok: true, value: await attempt() } as Result<V>]]), opts);
    const only = r.get(what)!;
    if (!only.ok) throw only.error;
    return only.value;
  }

  private withTimeout<T>(p: Promise<T>, deadline: number, what: string): Promise<T> {
    const left = deadline - this.clock.now();
    return new Promise<T>((resolve, reject) => {
      const t = this.clock.setTimeout(() => reject(new DeadlineReached(`${what} got no answer before its deadline`)), Math.max(0, left));
      p.then(
        (v) => (this.clock.clearTimeout(t), resolve(v)),
        (e: unknown) => (this.clock.clearTimeout(t), reject(e)),
      );
    });
  }
}

/** The call's deadline passed while an attempt was still waiting for its answer. */
class DeadlineReached extends KafkaTimeoutError {}

export function asKafkaError(e: unknown): KafkaError {
  return e instanceof KafkaError ? e : new KafkaError(e instanceof Error ? e.message : String(e), false, { cause: e });
}

/** Item keys join parts with NUL; show them as topic-partition. */
function printable(k: string): string {
  return k.replace('\u0000', '-');
}

/** Groups items by the node they go to. */
export function byNode<T>(items: Iterable<[number, T]>): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const [n, t] of items) {
    const list = m.get(n);
    if (list) list.push(t);
    else m.set(n, [t]);
  }
  return m;
}

/**
 * Sends one request per node in parallel; a node whose request fails as a
 * whole (connection lost, timeout) fails only its own items.
 */
export async function fanOut<T, V>(out: Map<string, Result<V>>, groups: Map<number, T[]>, keyOf: (t: T) => string, send: (node: number, items: T[]) => Promise<void>): Promise<void> {
  await Promise.all(
    [...groups].map(([node, items]) =>
      send(node, items).catch((e: unknown) => {
        const err = asKafkaError(e);
        for (const t of items) if (!out.has(keyOf(t))) out.set(keyOf(t), fail(err));
      }),
    ),
  );
}

/** Errors whose cure is to ask the coordinator lookup again. */
export function coordinatorMoved(code: number): boolean {
  return code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || code === ErrorCode.COORDINATOR_NOT_AVAILABLE || code === ErrorCode.NOT_COORDINATOR;
}
