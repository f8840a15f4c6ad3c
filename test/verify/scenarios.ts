// The producer scenarios of the delivery verifier: each runs the producer load
// against a fresh 6-partition topic (RF 3, min.insync.replicas 2), injects one
// kind of fault, lets the load carry on past it, then reads the topic back and
// works out the report. A consumer group of three (members.ts) consumes the
// topic through the same bootstrap all along, so it goes through the same
// fault; once the producer stops it drains to the end offsets, and its own
// report says what was skipped or processed twice. `seconds` scales the fault
// (the CLI's --seconds; the CI form passes short ones).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { coordinatorOf, createVerifyTopic, leaders, sleep, waitFor, waitHealthy, type VerifyEnv } from './env.js';
import { ProducerLoad } from './load.js';
import { GroupLoad, mustProcess } from './members.js';
import { endOffsets, readBack } from './read-back.js';
import { producerReport, type GroupReport, type ProducerReport } from './report.js';

export interface ScenarioOptions {
  /** How long the fault lasts (or the load runs, where the fault is the load). */
  seconds?: number;
  /** Records per second. */
  rate?: number;
  topic?: string;
  /** Run the consumer group beside the producer (default true). */
  group?: boolean;
}

export interface ScenarioReports {
  producer: ProducerReport;
  /** The consumer group's report; null when the group was left out. */
  group: GroupReport | null;
}

interface Ctx {
  env: VerifyEnv;
  load: ProducerLoad;
  topic: string;
  seconds: number;
  log: (m: string) => void;
}

interface Scenario {
  what: string;
  needs: 'cluster' | 'chaos' | null;
  /** Fault length when --seconds is not given (the issue's numbers). */
  seconds: number;
  transactional?: boolean;
  fault(c: Ctx): Promise<void>;
}

function nodes(c: Ctx) {
  if (!c.env.cluster) throw new Error('this scenario needs node control: run it against a cluster the verifier starts');
  return c.env.cluster;
}

function proxies(c: Ctx) {
  if (!c.env.chaos) throw new Error('this scenario needs the chaos proxies: run it against a cluster the verifier starts');
  return c.env.chaos;
}

async function busiestLeader(c: Ctx): Promise<{ partition: number; node: number }> {
  const partition = c.load.busiestPartition();
  const node = (await leaders(c.env, c.topic)).get(partition);
  if (node === undefined || node < 0) throw new Error(`partition ${partition} of ${c.topic} has no leader`);
  return { partition, node };
}

export const PRODUCER_SCENARIOS: Record<string, Scenario> = {
  'leader-kill': {
    what: 'the leader of the busiest partition SIGKILLed, then restarted',
    needs: 'cluster',
    seconds: 10,
    async fault(c) {
      const { partition, node } = await busiestLeader(c);
      c.log(`SIGKILL node ${node} (leader of partition ${partition})`);
      await nodes(c).killNode(node);
      await sleep(c.seconds * 1000);
      c.log(`restarting node ${node}`);
      nodes(c).startNode(node);
      await nodes(c).waitReady({ nodes: [node] });
    },
  },
  'rolling-restart': {
    what: 'a rolling restart of all three nodes (each back in every ISR before the next)',
    needs: 'cluster',
    seconds: 0,
    async fault(c) {
      for (const n of nodes(c).state.nodes) {
        c.log(`restarting node ${n.id}`);
        await nodes(c).restartNode(n.id);
        await waitHealthy(c.env);
        if (c.seconds > 0) await sleep(c.seconds * 1000);
      }
    },
  },
  'pause-node': {
    what: 'the leader of the busiest partition SIGSTOPped, then resumed',
    needs: 'cluster',
    seconds: 20,
    async fault(c) {
      const { partition, node } = await busiestLeader(c);
      c.log(`SIGSTOP node ${node} (leader of partition ${partition}) for ${c.seconds} s`);
      nodes(c).pauseNode(node);
      try {
        await sleep(c.seconds * 1000);
      } finally {
        nodes(c).resumeNode(node);
      }
    },
  },
  'cut-connections': {
    what: 'the proxies cut every connection every 2 s',
    needs: 'chaos',
    seconds: 30,
    async fault(c) {
      const until = Date.now() + c.seconds * 1000;
      let cuts = 0;
      while (Date.now() < until) {
        await sleep(2000);
        cuts += await proxies(c).cut('all');
      }
      c.log(`${cuts} connections cut`);
    },
  },
  'blackhole-broker': {
    what: 'the proxy of the busiest partition\'s leader black-holes its traffic both ways',
    needs: 'chaos',
    seconds: 30,
    async fault(c) {
      const { partition, node } = await busiestLeader(c);
      c.log(`black-holing node ${node} (leader of partition ${partition}) for ${c.seconds} s`);
      await proxies(c).blackhole(node, 'both');
      try {
        await sleep(c.seconds * 1000);
      } finally {
        await proxies(c).heal(node);
      }
    },
  },
  transactions: {
    what: 'a transactional producer, every third transaction aborted, read back read_committed',
    needs: null,
    seconds: 30,
    transactional: true,
    async fault(c) {
      // Midway, the transaction coordinator's connections are cut once: commits must survive it.
      await sleep((c.seconds * 1000) / 2);
      if (c.env.chaos) {
        const coord = await coordinatorOf(c.env, `${c.topic}-txn`, 1);
        c.log(`cutting the connections of transaction coordinator ${coord}: ${await c.env.chaos.cut(coord)}`);
      }
      await sleep((c.seconds * 1000) / 2);
    },
  },
};

const PARTITIONS = 6;

/** Runs one producer scenario end to end, with its consumer group, and returns both reports. */
export async function runProducerScenario(env: VerifyEnv, name: string, o: ScenarioOptions = {}): Promise<ScenarioReports> {
  const s = PRODUCER_SCENARIOS[name];
  if (!s) throw new Error(`no producer scenario ${name}; there are ${Object.keys(PRODUCER_SCENARIOS).join(', ')}`);
  if (s.needs === 'cluster' && !env.cluster) throw new Error(`scenario ${name} needs node control (a cluster the verifier starts)`);
  if (s.needs === 'chaos' && !env.chaos) throw new Error(`scenario ${name} needs the chaos proxies (a cluster the verifier starts)`);
  const log = (m: string) => env.log?.(`[${name}] ${m}`);
  const topic = o.topic ?? `verify-${name}-${Date.now().toString(36)}`;
  const readCommitted = s.transactional === true;
  const t0 = Date.now();
  await createVerifyTopic(env, topic, PARTITIONS);
  const load = new ProducerLoad({
    bootstrap: env.bootstrap,
    topic,
    rate: o.rate ?? 400,
    log,
    ...(s.transactional ? { transactions: { transactionalId: `${topic}-txn`, size: 20, abortEvery: 3 } } : {}),
  });
  const group = o.group === false
    ? null
    : new GroupLoad({ bootstrap: env.bootstrap, topic, group: `${topic}-g`, isolationLevel: readCommitted ? 'read_committed' : 'read_uncommitted', log });
  const c: Ctx = { env, load, topic, seconds: o.seconds ?? s.seconds, log };
  // The group forms while the producer starts, so it adds little to the run.
  group?.start();
  let faultError: unknown = null;
  /** What the group added to the run's wall time, for the log. */
  const overhead: string[] = [];
  let lag: ReturnType<typeof monitorEventLoopDelay> | null = null;
  let ticker: NodeJS.Timeout | undefined;
  try {
    await load.start();
    // Progress every 5 s, with the event loop's worst delay: a stalled load shows here first.
    lag = monitorEventLoopDelay({ resolution: 20 });
    lag.enable();
    ticker = setInterval(() => {
      log(`${load.progress()}; ${group?.describe() ?? 'no group'}; event loop delay max ${(lag!.max / 1e6).toFixed(0)} ms`);
      lag!.reset();
    }, 5000);
    await waitFor('the first acknowledgements', () => load.acknowledged >= 50, 60_000);
    // The fault must meet a formed group, every member consuming.
    const formed = Date.now();
    await group?.waitStable(PARTITIONS);
    overhead.push(`forming ${Date.now() - formed} ms`);
    log(`load running (${load.acknowledged} acknowledged${group ? `, ${group.describe()}` : ''}); fault: ${s.what}`);
    await s.fault(c);
    // The load must get going again after the fault before the run ends.
    const after = load.acknowledged;
    await waitFor('acknowledgements after the fault', () => load.acknowledged >= after + 100, 120_000);
  } catch (e) {
    faultError = e;
  } finally {
    clearInterval(ticker);
    lag?.disable();
    await env.chaos?.heal().catch(() => undefined);
    await load.stop();
    log(`load stopped: ${load.sends.length} sent, ${load.acknowledged} acknowledged, ${load.neverSettled} never settled`);
  }
  let back: Awaited<ReturnType<typeof readBack>>;
  try {
    if (faultError) throw faultError;
    // The read-back and the group's drain run side by side: the drain adds (almost) nothing to the run.
    const t = Date.now();
    const reading = (async () => {
      if (s.needs === 'cluster') await waitHealthy(env);
      return readBack(env.direct, topic, PARTITIONS, { readCommitted });
    })().finally(() => overhead.push(`read-back ${Date.now() - t} ms`));
    const draining = group
      ? endOffsets(env.direct, topic, PARTITIONS, readCommitted).then((ends) => group.drain(ends, mustProcess(load.sends))).finally(() => overhead.push(`drain ${Date.now() - t} ms`))
      : Promise.resolve(true);
    const [r, d] = await Promise.allSettled([reading, draining]);
    if (r.status === 'rejected') throw r.reason;
    if (d.status === 'rejected') throw d.reason;
    back = r.value;
  } finally {
    const closing = Date.now();
    await group?.stop();
    if (group) log(`group overhead: ${[...overhead, `close ${Date.now() - closing} ms`].join(', ')}`);
    // A failed fault leaves the cluster healthy for the next scenario all the same.
    if (faultError && s.needs === 'cluster') await waitHealthy(env);
  }
  return {
    producer: producerReport(name, load.sends, back, Date.now() - t0),
    group: group?.report(name, load.sends) ?? null,
  };
}
