// What each Node client adapter implements, and the pieces they share: the
// payloads (like ProducerPerformance's: random capital letters, 1000 distinct
// values) and the counter consumers feed.
import type { WorkerJob } from '../lib/types.js';

export interface NodeAdapter {
  /** Connects, calls started(), sends job.workload.count records pipelined, and resolves once all are acknowledged. */
  produce(job: WorkerJob, values: Buffer[], started: () => void): Promise<void>;
  /** Connects, calls started(), then sends one record at a time, each awaited; resolves to each send's latency in ms. */
  awaited(job: WorkerJob, values: Buffer[], started: () => void): Promise<number[]>;
  /** Starts job.workload.consumers consumers feeding the counter; resolves to a function that closes them. */
  consume(job: WorkerJob, counter: Counter): Promise<() => Promise<void>>;
}

/** Counts consumed records; the clock runs from the first record to the one that reaches the target. */
export class Counter {
  records = 0;
  bytes = 0;
  firstNs = 0n;
  lastNs = 0n;
  readonly done: Promise<void>;
  private resolve!: () => void;

  constructor(readonly target: number) {
    this.done = new Promise((r) => (this.resolve = r));
  }

  /** Adds n records of `bytes` value bytes; true once the target is reached (consumers then stop). */
  add(n: number, bytes: number): boolean {
    if (n === 0) return this.records >= this.target;
    if (this.records === 0) this.firstNs = process.hrtime.bigint();
    const before = this.records;
    this.records += n;
    this.bytes += bytes;
    if (before < this.target && this.records >= this.target) {
      this.lastNs = process.hrtime.bigint();
      this.resolve();
    }
    return this.records >= this.target;
  }
}

export function payloads(size: number): Buffer[] {
  let seed = 12345;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  // Filled in place: an array per value would cost the Node clients' CPU seconds ~0.1 s for 1 KB values.
  return Array.from({ length: 1000 }, () => {
    const b = Buffer.allocUnsafe(size);
    for (let i = 0; i < size; i++) b[i] = 65 + Math.floor(rnd() * 26);
    return b;
  });
}

/** Sends `count` records as calls of `per` records, `parallel` calls in flight (how KafkaJS and platformatic batch). */
export async function inChunks(count: number, per: number, parallel: number, send: (from: number, to: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const from = next;
      next = Math.min(count, next + per);
      await send(from, next);
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
}
