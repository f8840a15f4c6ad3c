// Model-based test of the idempotent producer: fast-check generates sequences of
// sends and broker faults (dropped, delayed and cut responses, leader moves, and
// the errors a broker answers), runs them against the real Producer and a fake
// cluster that applies the broker's idempotence rules (rule-broker.ts), then
// checks what ended up in the log:
// - every acknowledged record is in its partition's log exactly once, at the
//   offset its send() resolved to;
// - no record is in the log twice, acknowledged or not (a failed send may or may
//   not have been written, but never twice);
// - each partition's log holds its records in send order;
// - every send settles (resolves, or rejects with a KafkaError) within
//   deliveryTimeoutMs plus slack for a loaded machine;
// - once the faults end, a new record to each partition is acknowledged (a
//   producer that gives up for good would pass the checks above by failing all);
// - no unhandled promise rejection.
//
// Replay: MODEL_SEED=<seed> [MODEL_PATH=<path>]; shrink a failure to a minimal
// sequence: MODEL_SHRINK=1 (slow: every attempt is a real run). MODEL_RUNS sets the run count;
// MODEL_DUMP=1 prints every run's sends, logs and broker trace.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaError, Producer, type RecordMetadata } from '../../../src/index.js';
import { ErrorCode } from '../../../src/messages/error-codes.js';
import { describeFault, RuleBroker, type ProduceFault } from './rule-broker.js';

const TOPIC = 'model';
const PARTITIONS = 3;
const REQUEST_TIMEOUT_MS = 200;
const DELIVERY_TIMEOUT_MS = 800;
/** Scheduling slack on a loaded 2-core machine; the bound checked is deliveryTimeoutMs + this. */
const SLACK_MS = 1500;
const RUNS = Number(process.env.MODEL_RUNS ?? 40);
const RECOVERY_ROUNDS = 3;

interface SentRecord {
  index: number;
  partition: number;
  value: string;
  at: number;
  result?: { ok: true; meta: RecordMetadata } | { ok: false; err: unknown };
  settled: Promise<void>;
}

interface Real {
  broker: RuleBroker;
  producer: Producer<string, string>;
  sent: SentRecord[];
}

interface Model {
  brokers: 1 | 2;
}

type Cmd = fc.AsyncCommand<Model, Real>;

class SendCmd implements Cmd {
  constructor(
    readonly partition: number,
    readonly count: number,
  ) {}
  check(): boolean {
    return true;
  }
  async run(_m: Model, r: Real): Promise<void> {
    for (let i = 0; i < this.count; i++) {
      const index = r.sent.length;
      const rec = { index, partition: this.partition, value: `r${index}`, at: Date.now() } as SentRecord;
      rec.settled = r.producer.send({ topic: TOPIC, partition: this.partition, value: rec.value }).then(
        (meta) => void (rec.result = { ok: true, meta }),
        (err: unknown) => void (rec.result = { ok: false, err }),
      );
      r.sent.push(rec);
    }
  }
  toString(): string {
    return `send(p${this.partition}×${this.count})`;
  }
}

class WaitCmd implements Cmd {
  constructor(readonly ms: number) {}
  check(): boolean {
    return true;
  }
  async run(): Promise<void> {
    await new Promise((r) => setTimeout(r, this.ms));
  }
  toString(): string {
    return `wait(${this.ms})`;
  }
}

class FaultCmd implements Cmd {
  constructor(readonly fault: ProduceFault) {}
  check(): boolean {
    return true;
  }
  async run(_m: Model, r: Real): Promise<void> {
    r.broker.inject(this.fault);
  }
  toString(): string {
    return `fault(${describeFault(this.fault)})`;
  }
}

/** Several lost answers in a row for a partition (or any): long enough for batches to expire with an unknown outcome. */
class StallCmd implements Cmd {
  constructor(
    readonly partition: number | undefined,
    readonly times: number,
  ) {}
  check(): boolean {
    return true;
  }
  async run(_m: Model, r: Real): Promise<void> {
    for (let i = 0; i < this.times; i++) r.broker.inject({ kind: 'drop', partition: this.partition, later: 'apply' });
  }
  toString(): string {
    return `stall(${this.partition === undefined ? 'any' : `p${this.partition}`}×${this.times})`;
  }
}

class CutCmd implements Cmd {
  check(): boolean {
    return true;
  }
  async run(_m: Model, r: Real): Promise<void> {
    r.broker.cutAll();
  }
  toString(): string {
    return 'cutAll';
  }
}

class MoveLeaderCmd implements Cmd {
  constructor(readonly partition: number) {}
  check(m: Readonly<Model>): boolean {
    return m.brokers === 2;
  }
  async run(_m: Model, r: Real): Promise<void> {
    r.broker.moveLeader(this.partition);
  }
  toString(): string {
    return `moveLeader(p${this.partition})`;
  }
}

const partitionArb = fc.integer({ min: 0, max: PARTITIONS - 1 });
const targetArb = fc.option(partitionArb, { nil: undefined, freq: 3 });
const faultArb: fc.Arbitrary<ProduceFault> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), partition: targetArb, later: fc.constantFrom('apply' as const, 'ignore' as const) }),
  fc.record({ kind: fc.constant('delay' as const), partition: targetArb, ms: fc.integer({ min: 5, max: REQUEST_TIMEOUT_MS + 100 }) }),
  fc.record({ kind: fc.constant('cut-before' as const), partition: targetArb }),
  fc.record({ kind: fc.constant('cut-after' as const), partition: targetArb }),
  fc.record({ kind: fc.constant('timeout-after-append' as const), partition: targetArb }),
  fc.record({
    kind: fc.constant('error' as const),
    partition: targetArb,
    code: fc.constantFrom(ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, ErrorCode.UNKNOWN_PRODUCER_ID, ErrorCode.REQUEST_TIMED_OUT),
  }),
);

const sendArb = fc.tuple(partitionArb, fc.integer({ min: 1, max: 3 })).map(([p, n]) => new SendCmd(p, n));
// fc.commands picks among these evenly: sends are listed three times, faults twice.
const commandArbs: Array<fc.Arbitrary<Cmd>> = [
  sendArb,
  sendArb,
  sendArb,
  fc.integer({ min: 0, max: 60 }).map((ms) => new WaitCmd(ms)),
  faultArb.map((f) => new FaultCmd(f)),
  faultArb.map((f) => new FaultCmd(f)),
  fc.tuple(targetArb, fc.integer({ min: 2, max: 4 })).map(([p, n]) => new StallCmd(p, n)),
  fc.constant(new CutCmd()),
  partitionArb.map((p) => new MoveLeaderCmd(p)),
];
const commandsArb = fc.commands(commandArbs, { maxCommands: 50, size: 'max' });

/** Rejections nobody handled, from anywhere in this file's runs. */
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
beforeAll(() => void process.on('unhandledRejection', onUnhandled));
afterAll(() => void process.off('unhandledRejection', onUnhandled));

async function settleAll(sent: SentRecord[]): Promise<SentRecord[]> {
  const late: SentRecord[] = [];
  for (const s of sent) {
    const left = s.at + DELIVERY_TIMEOUT_MS + SLACK_MS - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), Math.max(0, left))));
    const outcome = await Promise.race([s.settled.then(() => 'settled' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'late' && s.result === undefined) late.push(s);
  }
  return late;
}

/** Checks the log against what the sends said; returns the problems found. */
function verify(r: Real, late: SentRecord[]): string[] {
  const problems: string[] = [];
  for (const s of late) problems.push(`${s.value} (p${s.partition}) did not settle within deliveryTimeoutMs ${DELIVERY_TIMEOUT_MS} + ${SLACK_MS} ms`);
  const byValue = new Map(r.sent.map((s) => [s.value, s]));
  for (let p = 0; p < PARTITIONS; p++) {
    const log = r.broker.log(p);
    const seen = new Map<string, bigint>();
    let lastIndex = -1;
    for (const e of log) {
      const s = e.value === null ? undefined : byValue.get(e.value);
      if (!s || s.partition !== p) {
        problems.push(`p${p}@${e.offset}: ${e.value} was never sent to this partition`);
        continue;
      }
      const first = seen.get(s.value);
      if (first !== undefined) problems.push(`p${p}: ${s.value} is in the log twice, at ${first} and ${e.offset} (pid ${e.producerId} e${e.epoch} seq ${e.sequence})`);
      else seen.set(s.value, e.offset);
      if (s.index < lastIndex) problems.push(`p${p}@${e.offset}: ${s.value} was written after r${lastIndex}, which was sent later`);
      lastIndex = Math.max(lastIndex, s.index);
    }
    for (const s of r.sent) {
      if (s.partition !== p || !s.result) continue;
      if (s.result.ok) {
        const at = seen.get(s.value);
        if (at === undefined) problems.push(`p${p}: ${s.value} was acknowledged at offset ${s.result.meta.offset} but is not in the log`);
        else if (at !== s.result.meta.offset) problems.push(`p${p}: ${s.value} was acknowledged at offset ${s.result.meta.offset} but is at ${at}`);
        if (s.result.meta.partition !== p) problems.push(`${s.value}: acknowledged for partition ${s.result.meta.partition}, sent to ${p}`);
      } else if (!(s.result.err instanceof KafkaError)) {
        problems.push(`${s.value}: rejected with an untyped error: ${String(s.result.err)}`);
      } else if (s.result.err.message.includes('was written first')) {
        // The fake loses no state, so a later batch can only get in first if the producer let it overtake.
        problems.push(`${s.value}: lost because a later batch of p${p} overtook it: ${s.result.err.message}`);
      }
    }
  }
  problems.push(...r.broker.problems.map((x) => `broker: ${x}`));
  return problems;
}

function lastError(r: Real, partition: number, from: number): string {
  const failed = r.sent.slice(from).filter((s) => s.partition === partition && s.result && !s.result.ok);
  const last = failed[failed.length - 1]?.result;
  return last && !last.ok ? String((last.err as Error).message) : 'none settled';
}

function summary(r: Real): string {
  const outcomes = r.sent.map((s) => `${s.value}@p${s.partition}:${!s.result ? 'pending' : s.result.ok ? `ok@${s.result.meta.offset}` : `failed(${(s.result.err as Error).message.slice(0, 120)})`}`);
  const logs = Array.from({ length: PARTITIONS }, (_, p) => `p${p}: ${r.broker.log(p).map((e) => `${e.value}(e${e.epoch}s${e.sequence})`).join(' ')}`);
  return ['sends:', ...outcomes, 'logs:', ...logs, 'broker trace:', ...r.broker.trace].join('\n  ');
}

describe('idempotent producer against a broker that applies the idempotence rules', () => {
  it(
    'writes every acknowledged record exactly once, in send order, and settles every send in time',
    async () => {
      const started = Date.now();
      let runs = 0;
      const stats = { commands: 0, sends: 0, acked: 0, failed: 0, written: 0 };
      const reasons = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(fc.constantFrom<1 | 2>(1, 2), fc.boolean(), commandsArb, async (brokers, acceptUnknownProducer, cmds) => {
          runs++;
          const broker = await RuleBroker.start({ topic: TOPIC, partitions: PARTITIONS, brokers, acceptUnknownProducer });
          const producer = new Producer<string, string>({
            bootstrapServers: broker.bootstrap,
            lingerMs: 0,
            requestTimeoutMs: REQUEST_TIMEOUT_MS,
            deliveryTimeoutMs: DELIVERY_TIMEOUT_MS,
            maxBlockMs: 500,
            retryBackoffMs: 10,
            retryBackoffMaxMs: 40,
            reconnectBackoffMs: 10,
            reconnectBackoffMaxMs: 50,
          });
          const real: Real = { broker, producer, sent: [] };
          const unhandledBefore = unhandled.length;
          try {
            await fc.asyncModelRun(() => ({ model: { brokers }, real }), cmds);
            const late = await settleAll(real.sent);
            // Then the broker behaves again (faults no request used are dropped): every partition must take a new record.
            broker.clearFaults();
            // Up to three rounds, so that a record expiring on a loaded machine is not taken for a stuck producer.
            const recoveryFrom = real.sent.length;
            const recovered = new Set<number>();
            for (let round = 0; round < RECOVERY_ROUNDS && recovered.size < PARTITIONS; round++) {
              const from = real.sent.length;
              for (let p = 0; p < PARTITIONS; p++) if (!recovered.has(p)) await new SendCmd(p, 1).run({ brokers }, real);
              late.push(...(await settleAll(real.sent.slice(from))));
              for (const x of real.sent.slice(from)) if (x.result?.ok) recovered.add(x.partition);
            }
            await producer.close({ timeoutMs: 2000 });
            // A rejection nobody handled surfaces after a turn of the event loop.
            await new Promise((r) => setImmediate(r));
            const problems = verify(real, late);
            for (let p = 0; p < PARTITIONS; p++) {
              if (!recovered.has(p)) problems.push(`p${p}: no record sent after the faults ended was acknowledged in ${RECOVERY_ROUNDS} tries: ${lastError(real, p, recoveryFrom)}`);
            }
            stats.sends += real.sent.length;
            stats.acked += real.sent.filter((x) => x.result?.ok).length;
            stats.commands += [...cmds].length;
            for (const x of real.sent) {
              if (!x.result || x.result.ok) continue;
              stats.failed++;
              const why = String((x.result.err as Error).message).replace(/\d+/g, 'N').slice(0, 90);
              reasons.set(why, (reasons.get(why) ?? 0) + 1);
            }
            stats.written += Array.from({ length: PARTITIONS }, (_, p) => broker.log(p).length).reduce((a, b) => a + b, 0);
            for (const u of unhandled.slice(unhandledBefore)) problems.push(`unhandled rejection: ${String(u)}`);
            if (process.env.MODEL_DUMP === '1') console.log(`commands: ${cmds.toString()}\n  ${summary(real)}`);
            if (problems.length > 0) {
              throw new Error(`${problems.join('\n')}\n\ncommands: ${cmds.toString()}\n  ${summary(real)}`);
            }
          } finally {
            await producer.close({ timeoutMs: 100 }).catch(() => undefined);
            await broker.close();
          }
        }),
        {
          numRuns: RUNS,
          seed: process.env.MODEL_SEED === undefined ? undefined : Number(process.env.MODEL_SEED),
          path: process.env.MODEL_PATH,
          endOnFailure: process.env.MODEL_SHRINK !== '1',
        },
      );
      // The check is only as good as the runs it made.
      expect(runs).toBeGreaterThanOrEqual(Math.min(RUNS, 1));
      console.log(
        `idempotence model: ${runs} runs in ${Date.now() - started} ms; ${stats.commands} commands, ${stats.sends} records sent, ${stats.acked} acknowledged, ${stats.failed} failed, ${stats.written} written` +
          [...reasons].map(([why, n]) => `\n  ${n}× ${why}`).join(''),
      );
    },
    RUNS * 15_000,
  );
});
