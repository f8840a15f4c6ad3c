// The verifier's consumer-group scenario: three member processes consume the
// topic the producer load writes, committing after each poll; one member is
// SIGKILLed (a fresh one takes its place), then the group coordinator's node
// is restarted. At the end every acknowledged record must have been processed,
// and any record processed twice must lie in some member's uncommitted window.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { coordinatorOf, createVerifyTopic, sleep, waitFor, waitHealthy, type VerifyEnv } from './env.js';
import { ProducerLoad } from './load.js';
import { groupReport, type GroupReport, type MemberHistory } from './report.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface GroupScenarioOptions {
  protocol?: 'classic' | 'consumer';
  /** Records per second. */
  rate?: number;
  /** Pause between the faults, in seconds. */
  seconds?: number;
  /** Kill a member (default true). */
  killMember?: boolean;
  /** Restart the coordinator's node (default true; needs node control). */
  restartCoordinator?: boolean;
}

export interface Member {
  name: string;
  proc: ChildProcess;
  out: string;
  err: string;
  exited: Promise<number | null>;
}

export function startMember(name: string, env: Record<string, string>): Member {
  const proc = spawn(
    process.execPath,
    ['--import', pathToFileURL(path.join(repoRoot, 'test/api/ts-hooks.mjs')).href, path.join(repoRoot, 'test/verify/group-worker.ts')],
    { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const m: Member = { name, proc, out: '', err: '', exited: new Promise((resolve) => proc.on('close', (code) => resolve(code))) };
  proc.stdout!.on('data', (c: Buffer) => (m.out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (m.err = (m.err + c.toString()).slice(-4000)));
  return m;
}

export function history(m: Member): MemberHistory {
  return {
    name: m.name,
    processed: [...m.out.matchAll(/^R (\d+) (\d+)$/gm)].map((x) => ({ partition: Number(x[1]), offset: BigInt(x[2]!) })),
    commits: [...m.out.matchAll(/^C (\d+) (\d+)$/gm)].map((x) => ({ partition: Number(x[1]), offset: BigInt(x[2]!) })),
    failedCommits: [...m.out.matchAll(/^E /gm)].length,
  };
}

const assigned = (m: Member) => /^A \d/m.test(m.out);

export async function runGroupScenario(env: VerifyEnv, name: string, o: GroupScenarioOptions = {}): Promise<GroupReport> {
  const log = (m: string) => env.log?.(`[${name}] ${m}`);
  const protocol = o.protocol ?? 'classic';
  const topic = `verify-${name}-${Date.now().toString(36)}`;
  const group = `${topic}-g`;
  const t0 = Date.now();
  const members: Member[] = [];
  const memberEnv = { BOOTSTRAP: env.bootstrap, GROUP: group, TOPIC: topic, PROTOCOL: protocol };
  const gap = (o.seconds ?? 10) * 1000;
  await createVerifyTopic(env, topic);
  const load = new ProducerLoad({ bootstrap: env.bootstrap, topic, rate: o.rate ?? 300, log });
  const processedKeys = () => {
    const s = new Set<string>();
    for (const m of members) for (const x of m.out.matchAll(/^R (\d+) (\d+)$/gm)) s.add(`${x[1]}:${x[2]}`);
    return s;
  };
  const dump = () => members.map((m) => `--- ${m.name}\n${m.out.slice(-1500)}\n${m.err.slice(-1500)}`).join('\n');
  let restarted = false;
  try {
    for (const n of ['a', 'b', 'c']) members.push(startMember(n, memberEnv));
    await waitFor('three members with partitions', () => members.every(assigned), 120_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${dump()}`);
    });
    await load.start();
    await waitFor('records processed', () => processedKeys().size >= 200, 120_000);
    if (o.killMember !== false) {
      const victim = members.find((m) => m.proc.exitCode === null && /^R /m.test(m.out)) ?? members[0]!;
      log(`SIGKILL member ${victim.name}`);
      victim.proc.kill('SIGKILL');
      await victim.exited;
      members.push(startMember('d', memberEnv));
      await sleep(gap);
    }
    if (o.restartCoordinator !== false && env.cluster) {
      const node = await coordinatorOf(env, group);
      log(`restarting node ${node}, the coordinator of ${group}`);
      restarted = true;
      await env.cluster.restartNode(node);
      await sleep(gap);
    }
  } finally {
    await load.stop();
    log(`load stopped: ${load.sends.length} sent, ${load.acknowledged} acknowledged`);
  }
  const acked = load.sends.flatMap((s) => (s.acked ? [s.acked] : []));
  try {
    if (restarted) await waitHealthy(env);
    // Every acknowledged record processed, or the deadline: the report then counts what was skipped.
    await waitFor('every acknowledged record processed', () => {
      const seen = processedKeys();
      return acked.every((a) => seen.has(`${a.partition}:${a.offset}`));
    }, 150_000).catch((e: Error) => log(`${e.message}\n${dump()}`));
  } finally {
    const alive = members.filter((m) => m.proc.exitCode === null && m.proc.signalCode === null);
    for (const m of alive) m.proc.kill('SIGTERM');
    const closed = await Promise.race([Promise.all(alive.map((m) => m.exited)), sleep(60_000).then(() => null)]);
    if (closed === null) {
      log(`members did not close within 60 s after SIGTERM\n${dump()}`);
      for (const m of alive) m.proc.kill('SIGKILL');
      await Promise.all(alive.map((m) => m.exited));
    }
  }
  return groupReport(name, acked, members.map(history), Date.now() - t0);
}
