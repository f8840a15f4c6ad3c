// Consumers of the scripted broker (fake-cluster.ts) with short waits, so that
// fault tests run in milliseconds; closeConsumers() in afterEach closes them.
import { Consumer, type ConsumerRecord } from '../../src/consumer/index.js';

const open: Consumer[] = [];

export function consumer(port: number, extra: object = {}): Consumer {
  const c = new Consumer({ bootstrapServers: `127.0.0.1:${port}`, autoOffsetReset: 'earliest', fetchMaxWaitMs: 20, retryBackoffMs: 10, retryBackoffMaxMs: 50, ...extra });
  open.push(c);
  return c;
}

export async function closeConsumers(): Promise<void> {
  await Promise.all(open.splice(0).map((c) => c.close()));
}

/** Polls until `count` records came or the deadline passed; returns what came. */
export async function read(c: Consumer, count: number, deadlineMs = 10_000): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  const deadline = Date.now() + deadlineMs;
  while (out.length < count && Date.now() < deadline) out.push(...(await c.poll(100)));
  return out;
}
