// The verifier's producer: sends sequence-numbered keyed records at a steady
// rate while a scenario runs, and writes down what every send() came to.
// Idempotent by default; with `transactions`, every few records form a
// transaction, and some of those are aborted on purpose.
import { Producer, type ProducerOptions } from '../../src/index.js';
import type { SendOutcome } from './report.js';
import { sleep } from './env.js';

export interface LoadOptions {
  bootstrap: string;
  topic: string;
  /** Records per second (default 400). */
  rate?: number;
  /** Distinct keys (default 64): records with a key land on one partition, in order. */
  keys?: number;
  /** At most this many sends unsettled at once; the load waits beyond it (default 4000). */
  maxOutstanding?: number;
  /** Transactional mode: records per transaction, and every abortEvery-th transaction is aborted. */
  transactions?: { transactionalId: string; size?: number; abortEvery?: number };
  producer?: Partial<ProducerOptions<string, string>>;
  /** How long past deliveryTimeoutMs stop() still waits for a send to settle (default 15000). */
  stopMarginMs?: number;
  log?: (m: string) => void;
}

/** Options every verifier producer uses: short request timeouts so a run sees faults and recovers within a CI budget. */
export const VERIFY_PRODUCER: Partial<ProducerOptions<string, string>> = {
  requestTimeoutMs: 5000,
  deliveryTimeoutMs: 60_000,
  lingerMs: 5,
  reconnectBackoffMs: 50,
  reconnectBackoffMaxMs: 500,
  maxBlockMs: 60_000,
};

/** How long past deliveryTimeoutMs stop() still waits for a send to settle. */
const STOP_MARGIN_MS = 15_000;

export class ProducerLoad {
  readonly sends: SendOutcome[] = [];
  readonly run = Math.random().toString(36).slice(2, 8);
  private producer: Producer<string, string>;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private outstanding = 0;
  /** Called when the last outstanding send settles (stop() waits on it). */
  private onIdle: (() => void) | null = null;
  /** Sends still open when stop() gave up on them. */
  neverSettled = 0;
  /** Acknowledged records per partition, to find the busiest one. */
  readonly perPartition = new Map<number, number>();
  transactionsCommitted = 0;
  transactionsAborted = 0;
  transactionsFailed = 0;

  constructor(readonly o: LoadOptions) {
    this.producer = this.newProducer();
  }

  private newProducer(): Producer<string, string> {
    const t = this.o.transactions;
    return new Producer<string, string>({
      bootstrapServers: this.o.bootstrap,
      ...VERIFY_PRODUCER,
      ...(t ? { transactionalId: t.transactionalId, transactionTimeoutMs: 30_000 } : {}),
      ...this.o.producer,
    });
  }

  /**
   * Diagnostics for a stuck send: the producer's per-partition state, read
   * through private fields (best effort; for the log only, nothing relies on it).
   */
  internals(): string {
    try {
      const p = this.producer as unknown as {
        acc: { states(): Iterable<{ topic: string; partition: number; queue: Array<{ baseSequence: number; count: number; retryAt: number; attempts: number; closed: boolean; lastError?: Error }>; inFlight: number; retrying: boolean; unacked: Array<{ baseSequence: number; count: number; inRequest: boolean; done: boolean }>; epoch: number; nextSequence: number; lastAckedSequence: number; unresolved: boolean; wantsNewEpoch: boolean }> };
        ids: { ready: boolean; pending: unknown; epoch: number } | null;
        pool: { inFlightTo(n: number): number };
      };
      const parts = [...p.acc.states()].map((ps) => {
        const q = ps.queue.map((b) => `seq ${b.baseSequence}+${b.count} try ${b.attempts}${b.closed ? ' closed' : ''}${b.lastError ? ` last error: ${b.lastError.message}` : ''}`).join(',');
        const u = ps.unacked.map((b) => `seq ${b.baseSequence}+${b.count}${b.inRequest ? ' inReq' : ''}${b.done ? ' done' : ''}`).join(',');
        return `${ps.topic}-${ps.partition}: epoch ${ps.epoch} next ${ps.nextSequence} acked ${ps.lastAckedSequence} inFlight ${ps.inFlight} retrying ${ps.retrying} unresolved ${ps.unresolved} wantsNewEpoch ${ps.wantsNewEpoch} queue [${q}] unacked [${u}]`;
      });
      const pool = [1, 2, 3].map((n) => `${n}:${p.pool.inFlightTo(n)}`).join(' ');
      return `ids ready ${p.ids?.ready} pending ${!!p.ids?.pending} epoch ${p.ids?.epoch}; pool in flight ${pool}\n  ${parts.join('\n  ')}`;
    } catch (e) {
      return `(internals unavailable: ${(e as Error).message})`;
    }
  }

  /** Sends unsettled for longer than ms: "value (seq) for N ms". */
  stuck(ms: number): string[] {
    const now = performance.now();
    return this.sends.filter((s) => s.ms === undefined && s.startedAt !== undefined && now - s.startedAt > ms).map((s) => `${s.value} for ${Math.round(now - s.startedAt!)} ms`);
  }

  /** A one-line summary for progress logs. */
  progress(): string {
    const failed = this.sends.filter((s) => s.error !== undefined).length;
    return `sent ${this.sends.length}, acknowledged ${this.acknowledged}, failed ${failed}, unsettled ${this.outstanding}`;
  }

  get acknowledged(): number {
    return this.sends.filter((s) => s.acked).length;
  }

  /** The partition with the most acknowledged records so far. */
  busiestPartition(): number {
    let best = 0;
    let most = -1;
    for (const [p, n] of this.perPartition) if (n > most) [best, most] = [p, n];
    return best;
  }

  private send(): Promise<void> {
    const seq = this.sends.length;
    const s: SendOutcome = { value: `${this.run}:${seq}`, seq };
    this.sends.push(s);
    const started = performance.now();
    s.startedAt = started;
    this.outstanding++;
    return this.producer.send({ topic: this.o.topic, key: `k${seq % (this.o.keys ?? 64)}`, value: s.value }).then(
      (meta) => {
        s.acked = { partition: meta.partition, offset: meta.offset };
        this.perPartition.set(meta.partition, (this.perPartition.get(meta.partition) ?? 0) + 1);
      },
      (e: unknown) => {
        s.error = `${(e as Error)?.constructor?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}`;
      },
    ).finally(() => {
      s.ms = Math.round(performance.now() - started);
      this.outstanding--;
      if (this.outstanding === 0) this.onIdle?.();
    });
  }

  /** Starts sending; resolves once the producer is connected (transactional: initialised). */
  async start(): Promise<void> {
    if (this.o.transactions) await this.producer.initTransactions();
    else await this.producer.connect();
    this.loop = (this.o.transactions ? this.transactional() : this.steady()).catch((e: unknown) => {
      this.o.log?.(`producer load stopped by ${String(e)}`);
    });
  }

  private async steady(): Promise<void> {
    const rate = this.o.rate ?? 400;
    const t0 = performance.now();
    while (!this.stopping) {
      // Catch up to where the rate says we should be, within the outstanding bound.
      const due = Math.floor(((performance.now() - t0) / 1000) * rate);
      while (this.sends.length < due && this.outstanding < (this.o.maxOutstanding ?? 4000) && !this.stopping) {
        this.send().catch(() => undefined);
      }
      await sleep(20);
    }
  }

  private async transactional(): Promise<void> {
    const t = this.o.transactions!;
    const size = t.size ?? 20;
    const rate = this.o.rate ?? 400;
    for (let n = 1; !this.stopping; n++) {
      const started = performance.now();
      this.producer.beginTransaction();
      const first = this.sends.length;
      await Promise.all(Array.from({ length: size }, () => this.send()));
      const mine = this.sends.slice(first);
      const abort = n % (t.abortEvery ?? 3) === 0;
      try {
        if (abort) {
          await this.producer.abortTransaction();
          for (const s of mine) s.aborted = true;
          this.transactionsAborted++;
        } else {
          await this.producer.commitTransaction();
          this.transactionsCommitted++;
        }
      } catch (e) {
        // The outcome is unknown: the records count as failed (they may or may not be visible).
        this.transactionsFailed++;
        for (const s of mine) {
          s.acked = undefined;
          s.error = `${abort ? 'abort' : 'commit'} failed: ${(e as Error).message}`;
        }
        this.o.log?.(`transaction ${n} ${abort ? 'abort' : 'commit'} failed: ${(e as Error).message}`);
        await this.recoverTransactions();
      }
      const spare = (size / rate) * 1000 - (performance.now() - started);
      if (spare > 0) await sleep(spare);
    }
  }

  /** As a Java application does after a failed commit: abort, or start over with a new producer when that fails too. */
  private async recoverTransactions(): Promise<void> {
    try {
      await this.producer.abortTransaction();
      return;
    } catch (e) {
      this.o.log?.(`abort after a failed commit failed too (${(e as Error).message}); a new producer takes over`);
    }
    await this.producer.close({ timeoutMs: 5000 }).catch(() => undefined);
    // stop() may already be closing the producer: a new one would never be closed.
    if (this.stopping) return;
    this.producer = this.newProducer();
    for (let i = 0; i < 20 && !this.stopping; i++) {
      try {
        await this.producer.initTransactions();
        return;
      } catch (e) {
        this.o.log?.(`initTransactions failed: ${(e as Error).message}`);
        await sleep(1000);
      }
    }
  }

  /** The producer's delivery timeout: no send may take longer to settle. */
  get deliveryTimeoutMs(): number {
    return this.o.producer?.deliveryTimeoutMs ?? VERIFY_PRODUCER.deliveryTimeoutMs ?? 120_000;
  }

  /**
   * Stops sending, then waits for every send to settle, up to the delivery
   * timeout and a margin: past that, a send that has not settled never will.
   * Those are marked never settled BEFORE the producer is closed, because
   * close() fails whatever is still queued and they would look merely failed.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    const limit = this.deliveryTimeoutMs + (this.o.stopMarginMs ?? STOP_MARGIN_MS);
    let expire: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => (expire = setTimeout(resolve, limit)));
    // A send still open 15 s after the load stopped, with the cluster healthy again, is worth a look inside.
    const look = setTimeout(() => {
      const stuck = this.stuck(15_000);
      if (stuck.length) this.o.log?.(`stuck sends: ${stuck.slice(0, 5).join('; ')}\n  ${this.internals()}`);
    }, 15_000);
    const idle = new Promise<void>((resolve) => {
      this.onIdle = resolve;
    });
    try {
      // A transactional loop ends after its current commit or abort; that too is bounded by the limit.
      await Promise.race([this.loop, expired]);
      if (this.outstanding > 0) await Promise.race([idle, expired]);
    } finally {
      clearTimeout(expire);
      clearTimeout(look);
      this.onIdle = null;
    }
    for (const s of this.sends) {
      if (s.ms === undefined) {
        s.neverSettled = true;
        this.neverSettled++;
      }
    }
    if (this.neverSettled) this.o.log?.(`${this.neverSettled} sends never settled, e.g. ${this.stuck(0).slice(0, 3).join('; ')}\n  ${this.internals()}`);
    await this.producer.close({ timeoutMs: 10_000 }).catch((e: unknown) => this.o.log?.(`producer close: ${String(e)}`));
    // A loop still waiting on its producer ends now that it is closed; do not leave it running.
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([this.loop, new Promise<void>((resolve) => (bound = setTimeout(resolve, 10_000)))]);
    clearTimeout(bound);
  }
}
