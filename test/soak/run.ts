// `npm run soak -- --minutes 10 [--rate 200]`: a producer and a consumer group
// of three run in this process at a steady rate for that long, while one
// broker restarts every minute (in turn). Each minute it prints heap, RSS,
// external + array buffers and the open handles
// (process.getActiveResourcesInfo()), after a GC when --expose-gc is on; at the
// end the verifier's counts for the producer (lost, duplicated, reordered,
// never settled) and for the group (skipped, processed twice). Runs against a
// cluster it starts (KAFKA_BASE_PORT, default 24092), or KAFKA_BOOTSTRAP
// without the restarts. Exits 1 when a count shows a loss.
import { parseArgs } from 'node:util';
import { Consumer } from '../../src/consumer/consumer.js';
import { createVerifyTopic, sleep, waitFor, waitHealthy } from '../verify/env.js';
import { ProducerLoad } from '../verify/load.js';
import { readBack } from '../verify/read-back.js';
import { formatGroupTable, formatProducerTable, groupReport, producerReport, table, type MemberHistory } from '../verify/report.js';
import { startVerifyEnv } from '../verify/start.js';

const { values } = parseArgs({ options: { minutes: { type: 'string' }, rate: { type: 'string' }, 'restart-every': { type: 'string' } } });
const minutes = Number(values.minutes ?? 10);
const rate = Number(values.rate ?? 200);
const restartEveryMs = Number(values['restart-every'] ?? 60) * 1000;
const log = (m: string) => console.error(`${new Date().toISOString().slice(11, 19)} ${m}`);

/** One in-process group member: polls, commits after each poll and before giving partitions up. */
class Member {
  readonly history: MemberHistory;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private pending = new Map<number, bigint>();
  readonly consumer: Consumer;

  constructor(name: string, bootstrap: string, private readonly topic: string, group: string) {
    this.history = { name, processed: [], commits: [], failedCommits: 0 };
    this.consumer = new Consumer({
      bootstrapServers: bootstrap, groupId: group, autoOffsetReset: 'earliest', enableAutoCommit: false,
      partitionAssignmentStrategy: ['cooperative-sticky'], sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000, reconnectBackoffMaxMs: 500,
    });
  }

  private async commit(partitions: number[]): Promise<void> {
    const offsets = partitions.filter((p) => this.pending.has(p)).map((partition) => ({ topic: this.topic, partition, offset: this.pending.get(partition)! }));
    if (!offsets.length) return;
    try {
      await this.consumer.commitSync(offsets);
      for (const o of offsets) {
        if (this.pending.get(o.partition) === o.offset) this.pending.delete(o.partition);
        this.history.commits.push({ partition: o.partition, offset: o.offset });
      }
    } catch {
      this.history.failedCommits++;
    }
  }

  start(): void {
    this.consumer.subscribe([this.topic], {
      onPartitionsRevoked: (tps) => this.commit(tps.map((t) => t.partition)),
      onPartitionsLost: (tps) => {
        for (const t of tps) this.pending.delete(t.partition);
      },
    });
    this.loop = (async () => {
      while (!this.stopping) {
        try {
          const records = await this.consumer.poll(500);
          for (const r of records) {
            this.history.processed.push({ partition: r.partition, offset: r.offset });
            this.pending.set(r.partition, r.offset + 1n);
          }
          if (records.length) await this.commit([...this.pending.keys()]);
        } catch (e) {
          log(`${this.history.name}: poll failed: ${(e as Error).message}`);
          await sleep(200);
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    await this.consumer.close();
  }
}

function sample(minute: number, extra: Record<string, string | number>): Record<string, string | number> {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const handles = process.getActiveResourcesInfo();
  const kinds = new Map<string, number>();
  for (const h of handles) kinds.set(h, (kinds.get(h) ?? 0) + 1);
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  return {
    minute, heapMB: mb(m.heapUsed), rssMB: mb(m.rss), externalMB: mb(m.external + m.arrayBuffers), handles: handles.length,
    kinds: [...kinds].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}:${n}`).join(' '), ...extra,
  };
}

const { env, stop } = await startVerifyEnv(log);
process.once('SIGINT', () => void stop().finally(() => process.exit(130)));
let failed = false;
try {
  const topic = `soak-${Date.now().toString(36)}`;
  await createVerifyTopic(env, topic);
  // Straight to the brokers: the chaos proxies run in this process, and their sockets and buffers would count as the client's.
  const load = new ProducerLoad({ bootstrap: env.direct, topic, rate, log });
  const members = ['a', 'b', 'c'].map((n) => new Member(n, env.direct, topic, `${topic}-g`));
  for (const m of members) m.start();
  await load.start();
  const processed = () => members.reduce((n, m) => n + m.history.processed.length, 0);
  await waitFor('the group to process records', () => processed() > 0, 120_000);
  const rows: Array<Record<string, string | number>> = [sample(0, { acked: 0, processed: 0, restarted: '-' })];
  log(JSON.stringify(rows[0]));
  const t0 = Date.now();
  for (let minute = 1; minute <= minutes; minute++) {
    let restarted = '-';
    const due = t0 + minute * restartEveryMs;
    // Restart one broker (in turn) early in each minute, then let the minute run out.
    if (env.cluster) {
      const node = env.cluster.state.nodes[(minute - 1) % env.cluster.state.nodes.length]!.id;
      restarted = String(node);
      await env.cluster.restartNode(node);
    }
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    rows.push(sample(minute, { acked: load.acknowledged, processed: processed(), restarted }));
    log(JSON.stringify(rows[rows.length - 1]));
  }
  await load.stop();
  if (env.cluster) await waitHealthy(env);
  const acked = load.sends.flatMap((s) => (s.acked ? [s.acked] : []));
  await waitFor('the group to process every acknowledged record', () => {
    const seen = new Set(members.flatMap((m) => m.history.processed.map((r) => `${r.partition}:${r.offset}`)));
    return acked.every((a) => seen.has(`${a.partition}:${a.offset}`));
  }, 180_000).catch((e: Error) => log(e.message));
  for (const m of members) await m.stop();
  rows.push(sample(minutes + 1, { acked: load.acknowledged, processed: processed(), restarted: 'end (clients closed)' }));
  const back = await readBack(env.direct, topic, 6);
  const pr = producerReport('soak', load.sends, back, Date.now() - t0);
  const gr = groupReport('soak', acked, members.map((m) => m.history), Date.now() - t0);
  const head = Object.keys(rows[0]!);
  console.log(`\n${table(head, rows.map((r) => head.map((h) => String(r[h] ?? ''))))}`);
  console.log(`\n${formatProducerTable([pr])}`);
  if (Object.keys(pr.errors).length) console.log(`errors: ${JSON.stringify(pr.errors)}`);
  console.log(`\n${formatGroupTable([gr])}`);
  for (const e of [...pr.examples, ...gr.examples]) console.log(e);
  // Control: drop the verifier's own bookkeeping (every send and every processed record) and sample again;
  // what the heap gives back is what the table's growth owed to the bookkeeping rather than to the clients.
  const heapBefore = process.memoryUsage().heapUsed;
  load.sends.length = 0;
  for (const m of members) m.history.processed.length = m.history.commits.length = 0;
  back.length = 0;
  acked.length = 0;
  (globalThis as { gc?: () => void }).gc?.();
  console.log(`\nverifier bookkeeping released: heap ${(heapBefore / 1048576).toFixed(1)} MB -> ${(process.memoryUsage().heapUsed / 1048576).toFixed(1)} MB`);
  failed = pr.lost + pr.duplicates + pr.reorderedTotal + pr.neverSettled + gr.skipped + gr.unexplainedDuplicates > 0;
} finally {
  await stop();
}
process.exit(failed ? 1 : 0);
