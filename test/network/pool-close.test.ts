// After close(), nothing of the client may keep the process alive: no timer,
// dial or retry. Checked from outside, in a child process that must exit by
// itself once close() has resolved; the deadline, counted from then, is far
// above the time it needs and far below the producer's own waits (maxBlockMs
// 60 s, requestTimeoutMs 30 s), which is what it would take if close() left
// something behind.
import { afterEach, describe, expect, it } from 'vitest';
import { runChild, srcUrl } from '../api/child.js';
import { startFakeBroker, type FakeBroker } from './fake-broker.js';

const deadlines = { totalMs: 180_000, marker: '"closed":true', afterMarkerMs: 20_000 };
let broker: FakeBroker | undefined;
afterEach(async () => {
  await broker?.close();
  broker = undefined;
});

/** A port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const b = await startFakeBroker(() => undefined);
  await b.close();
  return b.port;
}

const script = (bootstrap: string) => `
const { Producer } = await import(${JSON.stringify(srcUrl('src/index.ts'))});
const producer = new Producer({ bootstrapServers: ${JSON.stringify(bootstrap)} });
const sent = producer.send({ topic: 'down', value: 'x' }).then(() => 'delivered', (e) => e.name);
// Let the producer get into its connection attempts before closing it; close waits at most 500 ms for the send.
await new Promise((r) => setTimeout(r, 300));
await producer.close({ timeoutMs: 500 });
console.log(JSON.stringify({ closed: true, send: await sent }));
`;

describe('a producer closed while its brokers are down', () => {
  it('lets the process exit by itself when nothing listens at the bootstrap addresses', async () => {
    const out = await runChild(script(`127.0.0.1:${await closedPort()},127.0.0.1:${await closedPort()}`), deadlines);
    expect(out.stderr).toBe('');
    expect(out.killed, `the child was still running at a deadline; it printed: ${out.stdout}`).toBe(false);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ closed: true, send: expect.stringMatching(/Error$/) });
  }, 240_000);

  it('lets the process exit by itself when the broker accepts connections but never answers', async () => {
    broker = await startFakeBroker((req) => req.api.name === 'ApiVersions');
    const out = await runChild(script(`127.0.0.1:${broker.port}`), deadlines);
    expect(out.stderr).toBe('');
    expect(out.killed, `the child was still running at a deadline; it printed: ${out.stdout}`).toBe(false);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ closed: true, send: expect.stringMatching(/Error$/) });
  }, 240_000);
});
