// A consumer group of in-process kafkawire consumers that runs beside the
// producer load of a verifier scenario: each member polls, writes down what it
// processed, and commits after every poll and before giving partitions up (as
// a Java application with manual commits does). They connect through the same
// bootstrap as the producer, so the chaos proxies' faults reach them too.
//
// What a member processed and committed is kept per ownership stint (one
// member holding one partition from assignment to revocation or loss): the
// at-least-once window is "processed in a stint that never committed past it",
// and a member that gets a partition back later starts a new stint.
import { Consumer } from '../../src/consumer/consumer.js';
import type { ConsumerOptions, IsolationLevel } from '../../src/consumer/options.js';
import { sleep, waitFor } from './env.js';
import { groupReport, type GroupReport, type MemberHistory, type SendOutcome } from './report.js';

export interface GroupLoadOptions {
  bootstrap: string;
  topic: string;
  group: string;
  /** Members (default 3). */
  members?: number;
  isolationLevel?: IsolationLevel;
  log?: (m: string) => void;
}

/** Consumer settings of every member: short timeouts, so a fault is noticed and recovered from within a CI budget. */
const MEMBER_OPTIONS: Partial<ConsumerOptions> = {
  groupProtocol: 'classic',
  partitionAssignmentStrategy: ['cooperative-sticky'],
  autoOffsetReset: 'earliest',
  enableAutoCommit: false,
  sessionTimeoutMs: 6000,
  heartbeatIntervalMs: 500,
  requestTimeoutMs: 10_000,
  reconnectBackoffMaxMs: 500,
};

class Member {
  readonly consumer: Consumer;
  /** Histories by stint ("partition#n"); n grows each time this member gives the partition up. */
  readonly stints = new Map<string, MemberHistory>();
  private readonly stintNo = new Map<number, number>();
  /** Next offset to commit per partition, with the stint the records came from. */
  private readonly pending = new Map<number, { offset: bigint; stint: string }>();
  failedCommits = 0;
  pollErrors = 0;
  processed = 0;
  private stopping = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(readonly name: string, private readonly o: GroupLoadOptions) {
    this.consumer = new Consumer({ ...MEMBER_OPTIONS, bootstrapServers: o.bootstrap, groupId: o.group, isolationLevel: o.isolationLevel ?? 'read_uncommitted' });
  }

  private stint(partition: number): MemberHistory {
    const key = `${partition}#${this.stintNo.get(partition) ?? 0}`;
    let h = this.stints.get(key);
    if (!h) this.stints.set(key, (h = { name: `${this.name}/${key}`, processed: [], commits: [], failedCommits: 0 }));
    return h;
  }

  /** The partition leaves this member: whatever comes next for it belongs to a new stint. */
  private endStint(partition: number): void {
    this.stintNo.set(partition, (this.stintNo.get(partition) ?? 0) + 1);
  }

  private async commit(partitions: number[]): Promise<void> {
    const due = partitions.flatMap((partition) => {
      const p = this.pending.get(partition);
      return p ? [{ partition, ...p }] : [];
    });
    if (due.length === 0) return;
    try {
      await this.consumer.commitSync(due.map((d) => ({ topic: this.o.topic, partition: d.partition, offset: d.offset })));
      for (const d of due) {
        if (this.pending.get(d.partition)?.offset === d.offset) this.pending.delete(d.partition);
        // Credited to the stint whose records it covers, even when the partition moved on meanwhile.
        this.stints.get(d.stint)?.commits.push({ partition: d.partition, offset: d.offset });
      }
    } catch (e) {
      this.failedCommits++;
      if (this.failedCommits <= 3) this.o.log?.(`member ${this.name}: commit failed: ${(e as Error).message}`);
    }
  }

  start(): void {
    this.consumer.subscribe([this.o.topic], {
      onPartitionsRevoked: async (tps) => {
        const ps = tps.map((t) => t.partition);
        await this.commit(ps);
        for (const p of ps) {
          this.pending.delete(p);
          this.endStint(p);
        }
      },
      onPartitionsLost: (tps) => {
        // Lost partitions cannot be committed any more: what was pending is the next owner's to process again.
        for (const t of tps) {
          this.pending.delete(t.partition);
          this.endStint(t.partition);
        }
      },
    });
    this.loop = (async () => {
      while (!this.stopping) {
        let records;
        try {
          records = await this.consumer.poll(500);
        } catch (e) {
          this.pollErrors++;
          if (this.pollErrors <= 3) this.o.log?.(`member ${this.name}: poll failed: ${(e as Error).message}`);
          // A poll that fails at once must not spin the loop (and starve the producer in this process).
          await sleep(200);
          continue;
        }
        if (records.length === 0) continue;
        for (const r of records) {
          const h = this.stint(r.partition);
          h.processed.push({ partition: r.partition, offset: r.offset });
          this.pending.set(r.partition, { offset: r.offset + 1n, stint: `${r.partition}#${this.stintNo.get(r.partition) ?? 0}` });
        }
        this.processed += records.length;
        await this.commit([...this.pending.keys()]);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    await this.consumer.close({ timeoutMs: 15_000 });
  }
}

/** Where the group has got to, for progress logs and for the drain. */
export interface GroupProgress {
  processed: number;
  /** Members holding at least one partition. */
  withPartitions: number;
  /** Distinct partitions assigned across the members. */
  partitions: number;
}

export class GroupLoad {
  private readonly members: Member[];
  private readonly t0 = Date.now();

  constructor(readonly o: GroupLoadOptions) {
    this.members = Array.from({ length: o.members ?? 3 }, (_, i) => new Member(String.fromCharCode(97 + i), o));
  }

  start(): void {
    for (const m of this.members) m.start();
  }

  progress(): GroupProgress {
    const owned = this.members.map((m) => m.consumer.assignment().filter((tp) => tp.topic === this.o.topic).map((tp) => tp.partition));
    return {
      processed: this.members.reduce((n, m) => n + m.processed, 0),
      withPartitions: owned.filter((ps) => ps.length > 0).length,
      partitions: new Set(owned.flat()).size,
    };
  }

  describe(): string {
    const p = this.progress();
    const failed = this.members.reduce((n, m) => n + m.failedCommits, 0);
    return `group: processed ${p.processed}, ${p.withPartitions} members with partitions, ${p.partitions} partitions assigned, ${failed} failed commits`;
  }

  /** Every member holds partitions, together all of them, and records are being processed. */
  async waitStable(partitions: number, ms = 120_000): Promise<void> {
    await waitFor(`${this.members.length} group members sharing all ${partitions} partitions`, () => {
      const p = this.progress();
      return p.withPartitions === this.members.length && p.partitions === partitions && p.processed > 0;
    }, ms).catch((e: Error) => {
      throw new Error(`${e.message} (${this.describe()})`);
    });
  }

  /**
   * Waits until, for every partition, the member that owns it has read up to
   * `ends` (the end offsets once the producer stopped) and every record in
   * `mustProcess` (partition:offset) was processed. Resolves false after ms:
   * the report then counts what was skipped.
   */
  async drain(ends: Map<number, bigint>, mustProcess: Set<string>, ms = 120_000): Promise<boolean> {
    const missing = () => {
      const seen = this.processedKeys();
      let n = 0;
      for (const k of mustProcess) if (!seen.has(k)) n++;
      return n;
    };
    const behind = async () => {
      const left: string[] = [];
      for (const [partition, end] of ends) {
        const owner = this.members.find((m) => m.consumer.assignment().some((tp) => tp.topic === this.o.topic && tp.partition === partition));
        const at = owner ? await owner.consumer.position({ topic: this.o.topic, partition }, { timeoutMs: 2000 }).catch(() => null) : null;
        if (at === null || at < end) left.push(`${partition}: ${owner ? `${owner.name} at ${at}` : 'no owner'} of ${end}`);
      }
      return left;
    };
    let last = '';
    try {
      await waitFor('the group to drain to the end offsets', async () => {
        const left = await behind();
        const n = missing();
        last = `${left.join(', ') || 'every partition at its end'}; ${n} acknowledged records not processed`;
        return left.length === 0 && n === 0;
      }, ms);
      return true;
    } catch {
      this.o.log?.(`group did not drain within ${ms} ms: ${last} (${this.describe()})`);
      return false;
    }
  }

  private processedKeys(): Set<string> {
    const seen = new Set<string>();
    for (const m of this.members) for (const h of m.stints.values()) for (const r of h.processed) seen.add(`${r.partition}:${r.offset}`);
    return seen;
  }

  /** Closes every member at once (one by one would set off a rebalance per close). */
  async stop(): Promise<void> {
    const closed = await Promise.allSettled(this.members.map((m) => m.stop()));
    for (const c of closed) if (c.status === 'rejected') this.o.log?.(`closing a group member: ${String(c.reason)}`);
  }

  /**
   * The group's report: every acknowledged record that is not part of an
   * aborted transaction must have been processed; records of aborted
   * transactions processed by a read_committed group are counted apart.
   */
  report(scenario: string, sends: SendOutcome[]): GroupReport {
    const acked = sends.flatMap((s) => (s.acked && !s.aborted ? [s.acked] : []));
    const stints = this.members.flatMap((m) => [...m.stints.values()]);
    const r = groupReport(scenario, acked, stints, Date.now() - this.t0);
    r.members = this.members.length;
    r.failedCommits = this.members.reduce((n, m) => n + m.failedCommits, 0);
    if (this.o.isolationLevel === 'read_committed') {
      const aborted = new Set(sends.flatMap((s) => (s.acked && s.aborted ? [`${s.acked.partition}:${s.acked.offset}`] : [])));
      const seen = this.processedKeys();
      r.abortedProcessed = [...aborted].filter((k) => seen.has(k)).length;
      if (r.abortedProcessed > 0) r.examples.push(`${r.abortedProcessed} records of aborted transactions processed read_committed, e.g. ${[...aborted].find((k) => seen.has(k))}`);
    }
    return r;
  }
}

/** partition:offset of every acknowledged record outside an aborted transaction. */
export function mustProcess(sends: SendOutcome[]): Set<string> {
  return new Set(sends.flatMap((s) => (s.acked && !s.aborted ? [`${s.acked.partition}:${s.acked.offset}`] : [])));
}
