// The long fuzzer: `npm run fuzz -- --runs 1000000 [--seed N] [--only text]
// [--slow-ms 250] [--hang-ms 30000] [--heap-mb 1024]`; `--self-test hang|oom` runs one
// deliberately broken target to show the watchdog and the heap cap catch it (exit 2 and 3).
//
// The loop runs in a worker thread so that this thread can watch it: a decode
// that never returns (a loop a forged count cannot end) stops the heartbeat,
// and this thread prints the input it was given and fails. The worker's heap
// is capped (--heap-mb), so an unbounded allocation ends it with the input
// named too. Exits 0 when every input gave a value or a KafkaError in time.
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { fuzz, type FuzzProgress, type FuzzResult } from './engine.js';
import { allTargets, type TargetSet } from './targets.js';

/** Largest input mirrored to the watchdog. */
const MIRROR_BYTES = 1 << 20;

interface Job {
  runs: number;
  seed: number;
  slowMs: number;
  only: string | undefined;
  selfTest: 'hang' | 'oom' | undefined;
  shared: SharedArrayBuffer;
}

/** A target that hangs or allocates without bound on its 100th input: what the watchdog and heap cap must catch. */
function brokenSet(kind: 'hang' | 'oom'): TargetSet {
  let calls = 0;
  const hoard: Buffer[][] = [];
  return {
    targets: [{
      name: `self-test ${kind}`,
      group: 'body',
      proportional: false,
      seeds: () => [Buffer.from('self-test')],
      decode: () => {
        if (++calls < 100) return null;
        if (kind === 'hang') for (;;);
        // Small objects on the V8 heap, so the worker's old-generation cap is what stops it.
        for (;;) hoard.push(new Array(1024).fill(calls));
      },
    }],
    weights: { body: 1, frame: 0, records: 0, codec: 0, sasl: 0 },
  };
}

type WorkerMessage = { kind: 'progress'; p: FuzzProgress } | { kind: 'done'; r: FuzzResult } | { kind: 'targets'; names: string[] };

const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;

function line(p: FuzzProgress): string {
  const rate = p.inputs / Math.max(p.elapsedMs / 1000, 0.001);
  return `${p.inputs} inputs in ${(p.elapsedMs / 1000).toFixed(1)} s (${rate.toFixed(0)}/s): ${p.valuesReturned} values, ${p.typedErrors} KafkaErrors; ` +
    `peak heap ${mb(p.peakHeapUsed)}, external ${mb(p.peakExternal)}, rss ${mb(p.peakRss)}; slowest ${p.slowestMs.toFixed(1)} ms (${p.slowestTarget})`;
}

async function worker(job: Job): Promise<void> {
  // [0] inputs started, [1] target index, [2] input length; then the input bytes.
  const head = new Int32Array(job.shared, 0, 3);
  const bytes = new Uint8Array(job.shared, 12);
  const set = job.selfTest ? brokenSet(job.selfTest) : allTargets();
  parentPort!.postMessage({ kind: 'targets', names: set.targets.map((t) => t.name) } satisfies WorkerMessage);
  const r = await fuzz(
    {
      runs: job.runs,
      seed: job.seed,
      slowMs: job.slowMs,
      only: job.only,
      onInput: (i, ti, input) => {
        const n = Math.min(input.length, MIRROR_BYTES);
        bytes.set(input.subarray(0, n));
        Atomics.store(head, 1, ti);
        Atomics.store(head, 2, input.length);
        Atomics.store(head, 0, i + 1);
      },
      onProgress: (p) => parentPort!.postMessage({ kind: 'progress', p } satisfies WorkerMessage),
      progressEvery: 50_000,
    },
    set,
  );
  parentPort!.postMessage({ kind: 'done', r } satisfies WorkerMessage);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '100000' },
      seed: { type: 'string' },
      only: { type: 'string' },
      'slow-ms': { type: 'string', default: '250' },
      'hang-ms': { type: 'string', default: '30000' },
      'heap-mb': { type: 'string', default: '1024' },
      'self-test': { type: 'string' },
    },
  });
  const num = (name: string, v: string | undefined) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number, got ${v}`);
    return n;
  };
  const runs = num('runs', values.runs);
  const seed = values.seed === undefined ? Date.now() % 2 ** 31 : num('seed', values.seed);
  const hangMs = num('hang-ms', values['hang-ms']);
  const heapMb = num('heap-mb', values['heap-mb']);
  const shared = new SharedArrayBuffer(12 + MIRROR_BYTES);
  const head = new Int32Array(shared, 0, 3);
  const selfTest = values['self-test'];
  if (selfTest !== undefined && selfTest !== 'hang' && selfTest !== 'oom') throw new Error(`--self-test must be hang or oom, got ${selfTest}`);
  const job: Job = { runs, seed, slowMs: num('slow-ms', values['slow-ms']), only: values.only, selfTest, shared };
  console.log(`kafkawire fuzz: ${runs} inputs, seed ${seed} (replay with --seed ${seed}), heap cap ${heapMb} MB, hang after ${hangMs} ms`);

  const w = new Worker(new URL(import.meta.url), { workerData: job, resourceLimits: { maxOldGenerationSizeMb: heapMb } });
  let names: string[] = [];
  const current = () => {
    const len = Atomics.load(head, 2);
    const hex = Buffer.from(new Uint8Array(shared, 12, Math.min(len, MIRROR_BYTES))).toString('hex');
    return `input #${Atomics.load(head, 0)} for ${names[Atomics.load(head, 1)] ?? '?'} (${len} bytes): ${hex}`;
  };
  return new Promise<number>((resolve) => {
    let seen = -1;
    let since = Date.now();
    const watchdog = setInterval(() => {
      const n = Atomics.load(head, 0);
      if (n !== seen) {
        seen = n;
        since = Date.now();
      } else if (Date.now() - since > hangMs) {
        clearInterval(watchdog);
        console.error(`HANG: no progress for ${hangMs} ms on ${current()}`);
        void w.terminate().then(() => resolve(2));
      }
    }, 250);
    w.on('message', (m: WorkerMessage) => {
      if (m.kind === 'targets') names = m.names;
      else if (m.kind === 'progress') console.log(line(m.p));
      else {
        clearInterval(watchdog);
        const r = m.r;
        console.log(`${r.targets} targets; by group: ${Object.entries(r.perGroup).map(([g, n]) => `${g} ${n}`).join(', ')}`);
        console.log(`done: ${line(r)}`);
        for (const f of r.failures) console.error(`FAIL ${f.how} in ${f.target}: ${f.detail}\n  input ${f.input}`);
        console.log(r.failures.length === 0 ? 'no failures' : `${r.failures.length} failure(s); replay with --seed ${seed}`);
        resolve(r.failures.length === 0 ? 0 : 1);
      }
    });
    w.on('error', (e) => {
      clearInterval(watchdog);
      // ERR_WORKER_OUT_OF_MEMORY lands here: the input that was being decoded is the culprit.
      console.error(`worker failed (${(e as NodeJS.ErrnoException).code ?? e.name}: ${e.message}) on ${current()}`);
      resolve(3);
    });
  });
}

if (isMainThread) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(4);
    },
  );
} else {
  worker(workerData as Job).catch((e: unknown) => {
    // Reaches the main thread's 'error' handler with the input named.
    throw e;
  });
}
