// The proxy's controls against a local echo server: each fault does what it
// says, and healing restores plain relaying.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteChaos, serveControls, startProxies, type LocalChaos } from './control.js';

let echo: net.Server;
let chaos: LocalChaos;
let remote: RemoteChaos;
let control: { port: number; close: () => Promise<void> };
let proxyPort = 0;
const echoSockets = new Set<net.Socket>();

beforeAll(async () => {
  echo = net.createServer((s) => {
    echoSockets.add(s);
    s.on('close', () => echoSockets.delete(s));
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  chaos = await startProxies([{ node: 1, listen: 0, target: { host: '127.0.0.1', port: (echo.address() as net.AddressInfo).port } }]);
  proxyPort = chaos.proxies.get(1)!.port;
  control = await serveControls(chaos);
  remote = new RemoteChaos(`http://127.0.0.1:${control.port}/`);
});

afterAll(async () => {
  await control.close();
  await chaos.close();
  for (const s of echoSockets) s.destroy();
  await new Promise<void>((r) => echo.close(() => r()));
});

/** A client connected through the proxy, collecting what comes back. */
async function client(): Promise<{ socket: net.Socket; received: () => string; chunks: () => number; until: (text: string) => Promise<void>; closed: Promise<void> }> {
  const socket = net.connect(proxyPort, '127.0.0.1');
  let got = '';
  let chunks = 0;
  const waiters: Array<() => void> = [];
  socket.on('data', (d) => {
    got += d.toString();
    chunks++;
    for (const w of waiters.splice(0)) w();
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((r) => socket.on('close', () => r()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const until = async (text: string) => {
    const deadline = Date.now() + 10_000;
    while (!got.includes(text)) {
      if (Date.now() > deadline) throw new Error(`did not receive ${JSON.stringify(text)}; got ${JSON.stringify(got)}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 100);
      });
    }
  };
  return { socket, received: () => got, chunks: () => chunks, until, closed };
}

describe('chaos proxy', () => {
  it('relays both ways', async () => {
    const c = await client();
    c.socket.write('hello');
    await c.until('hello');
    c.socket.destroy();
  });

  it('black-hole drops bytes in one direction while the connection stays open, then relays again', async () => {
    const c = await client();
    await remote.blackhole(1, 'down');
    const before = (await remote.stats(1))[0]!;
    c.socket.write('lost');
    // The echo has the bytes (up is clear) but nothing comes down: wait until the proxy counted them dropped.
    for (let i = 0; i < 100 && (await remote.stats(1))[0]!.down.dropped < before.down.dropped + 4; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await remote.stats(1))[0]!.down.dropped).toBe(before.down.dropped + 4);
    await remote.heal(1);
    c.socket.write('found');
    await c.until('found');
    expect(c.received()).toBe('found');
    c.socket.destroy();
  });

  it('a timed black-hole ends by itself', async () => {
    const c = await client();
    await remote.blackhole(1, 'up', 300);
    c.socket.write('early');
    // Keep writing until bytes get through again: the hole closes without heal().
    for (let i = 0; i < 200 && !c.received().includes('late'); i++) {
      c.socket.write('late');
      await new Promise((r) => setTimeout(r, 50));
    }
    await c.until('late');
    expect(c.received()).not.toContain('early');
    c.socket.destroy();
  });

  it('latency holds bytes at least that long, in order', async () => {
    const c = await client();
    await remote.latency(1, 'up', 150);
    await remote.latency(1, 'down', 150);
    const t0 = performance.now();
    c.socket.write('a');
    c.socket.write('b');
    c.socket.write('c');
    await c.until('abc');
    // A lower bound only: a loaded machine can make it slower, never faster.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    await remote.heal(1);
    c.socket.destroy();
  });

  it('trickle forwards one byte per write', async () => {
    const c = await client();
    await remote.trickle(1, 'both');
    const before = (await remote.stats(1))[0]!;
    const text = 'one-byte-at-a-time';
    c.socket.write(text);
    await c.until(text);
    const after = (await remote.stats(1))[0]!;
    expect(after.up.writes - before.up.writes).toBe(text.length);
    expect(after.down.writes - before.down.writes).toBe(text.length);
    await remote.heal(1);
    c.socket.destroy();
  });

  it('cut closes open connections now', async () => {
    const a = await client();
    const b = await client();
    a.socket.write('x');
    await a.until('x');
    expect(await remote.cut(1)).toBeGreaterThanOrEqual(2);
    await Promise.all([a.closed, b.closed]);
    expect((await remote.stats(1))[0]!.cut).toBeGreaterThanOrEqual(2);
  });

  it('a one-way cut sends a FIN to that side only', async () => {
    const c = await client();
    const ended = new Promise<void>((r) => c.socket.on('end', () => r()));
    await remote.cut(1, 'down');
    await ended;
    c.socket.destroy();
  });

  it('refuse resets new connections, and heal accepts them again', async () => {
    await remote.refuse(1);
    const refused = (await remote.stats(1))[0]!.refused;
    // The reset may land before or after the client sees its connect complete.
    const outcome = await new Promise<string>((resolve) => {
      const s = net.connect(proxyPort, '127.0.0.1');
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      s.on('close', () => resolve('closed'));
    });
    expect(['ECONNRESET', 'closed', 'EPIPE']).toContain(outcome);
    expect((await remote.stats(1))[0]!.refused).toBe(refused + 1);
    await remote.refuse(1, false);
    const c = await client();
    c.socket.write('back');
    await c.until('back');
    c.socket.destroy();
  });

  it('the remote controls reject an unknown node with a message', async () => {
    await expect(remote.cut(7)).rejects.toThrow(/no chaos proxy for node 7/);
  });
});
