// A group of three kafkawire consumers, each in its own process, over six
// partitions: one member is SIGKILLed mid-stream and a fourth joins. Every
// produced record must be processed at least once, and a record may be
// processed twice only if the killed member processed it after its last
// successful commit on that partition (the at-least-once window). Members
// commit after each poll and in onPartitionsRevoked, so graceful rebalances
// give no duplicates. Once with the classic protocol (cooperative-sticky),
// once with KIP-848.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { Producer } from '../../../src/index.js';
import { repoRoot } from '../../api/child.js';
import { createTopic, describeKafka, kafka, uniqueTopic } from '../kafka.js';

interface Worker {
  name: string;
  proc: ChildProcess;
  out: string;
  exited: Promise<number | null>;
}

const workers: Worker[] = [];

function startWorker(name: string, env: Record<string, string>): Worker {
  const proc = spawn(
    process.execPath,
    ['--import', pathToFileURL(path.join(repoRoot, 'test/api/ts-hooks.mjs')).href, path.join(repoRoot, 'test/integration/e2e/group-worker.ts')],
    { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const w: Worker = { name, proc, out: '', exited: new Promise((resolve) => proc.on('close', (code) => resolve(code))) };
  proc.stdout!.on('data', (c: Buffer) => (w.out += c.toString()));
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  proc.on('close', (code, signal) => {
    if (code !== 0 && signal !== 'SIGKILL') w.out += `\nexit ${code} ${signal}: ${err}`;
  });
  workers.push(w);
  return w;
}

/** Waits for a condition checked every 100 ms, failing with `what` after `ms`. */
async function until(what: string, cond: () => boolean, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${workers.map((w) => `--- ${w.name}\n${w.out.slice(-3000)}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const processed = (w: Worker) => [...w.out.matchAll(/^R (\d+) (\d+) /gm)].map((m) => `${m[1]}:${m[2]}`);
const assigned = (w: Worker) => /^A \d/m.test(w.out);
/** The killed member's last commit per partition (next offset to read). */
function lastCommits(w: Worker): Map<number, bigint> {
  const m = new Map<number, bigint>();
  for (const c of w.out.matchAll(/^C (\d+) (\d+)$/gm)) m.set(Number(c[1]), BigInt(c[2]!));
  return m;
}

afterEach(async () => {
  for (const w of workers.splice(0)) {
    w.proc.kill('SIGKILL');
    await w.exited;
  }
});

describeKafka('a consumer group of separate processes, one SIGKILLed and one added', () => {
  for (const protocol of ['classic', 'consumer'] as const) {
    it(`${protocol} protocol: every record processed at least once; duplicates only in the killed member's uncommitted window`, async () => {
      const topic = uniqueTopic(`group-e2e-${protocol}`);
      await createTopic(topic, 6);
      const env = { BOOTSTRAP: kafka.bootstrap, GROUP: `${topic}-g`, PROTOCOL: protocol, TOPIC: topic };
      const [a, b, c] = [startWorker('a', env), startWorker('b', env), startWorker('c', env)];
      await until('three members with partitions', () => assigned(a) && assigned(b) && assigned(c), 120_000);

      const producer = new Producer({ bootstrapServers: kafka.bootstrap });
      const produced: string[] = [];
      const sendPhase = async (from: number, n: number) => {
        const sent = await Promise.all(Array.from({ length: n }, (_, i) => producer.send({ topic, key: `k${from + i}`, value: `v${from + i}` })));
        for (const r of sent) produced.push(`${r.partition}:${r.offset}`);
      };
      const seen = () => new Set(workers.flatMap(processed));
      try {
        await sendPhase(0, 300);
        await until('the first 300 records processed', () => produced.every((k) => seen().has(k)));

        // Kill the member that owns partitions now, while records keep coming.
        const victim = [a, b, c].find((w) => processed(w).length > 0) ?? a;
        const sending = sendPhase(300, 300);
        victim.proc.kill('SIGKILL');
        await victim.exited;
        startWorker('d', env);
        await sending;
        await until('all 600 records processed', () => produced.every((k) => seen().has(k)), 150_000);

        // Everything produced was processed; duplicates only where the killed member had not committed.
        const counts = new Map<string, number>();
        for (const k of workers.flatMap(processed)) counts.set(k, (counts.get(k) ?? 0) + 1);
        const victimSaw = new Set(processed(victim));
        const committed = lastCommits(victim);
        const unexplained = [...counts]
          .filter(([, n]) => n > 1)
          .map(([k]) => k)
          .filter((k) => {
            const [p, o] = k.split(':');
            return !(victimSaw.has(k) && BigInt(o!) >= (committed.get(Number(p)) ?? 0n));
          });
        expect(unexplained, `duplicates outside the killed member's uncommitted window (${victim.name})`).toEqual([]);
        expect(produced).toHaveLength(600);
        // The survivors leave cleanly when told to stop: close() commits and leaves the group.
        const survivors = workers.filter((w) => w !== victim);
        for (const w of survivors) w.proc.kill('SIGTERM');
        const codes = await Promise.all(survivors.map((w) => w.exited));
        expect(codes, survivors.map((w) => `--- ${w.name}\n${w.out.slice(-2000)}`).join('\n')).toEqual(survivors.map(() => 0));
        for (const w of survivors) expect(w.out).toMatch(/^closed$/m);
      } finally {
        await producer.close();
      }
    });
  }
});
