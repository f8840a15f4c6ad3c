// The proxies of a cluster, and how a test steers them. The harness runs the
// proxies in vitest's main process (global setup) while the tests run in
// workers, so the controls also travel over a small HTTP endpoint on loopback:
// `serveControls` in the process that owns the proxies, `RemoteChaos` in tests.
// Both sides implement ChaosControl, so a test reads the same either way.
import http from 'node:http';
import type net from 'node:net';
import { ChaosProxy, type Direction, type ProxyStats } from './proxy.js';

/** Node ids, or 'all' for every proxy. */
export type Nodes = number | number[] | 'all';

export interface ChaosControl {
  /** Cuts every open connection to those brokers now. */
  cut(nodes: Nodes, direction?: Direction): Promise<number>;
  /** Drops every byte in that direction for ms (until heal() when omitted). */
  blackhole(nodes: Nodes, direction: Direction, ms?: number): Promise<void>;
  latency(nodes: Nodes, direction: Direction, ms: number): Promise<void>;
  trickle(nodes: Nodes, direction: Direction, on?: boolean): Promise<void>;
  refuse(nodes: Nodes, on?: boolean): Promise<void>;
  /** Every fault off on those brokers (default all). */
  heal(nodes?: Nodes): Promise<void>;
  stats(nodes?: Nodes): Promise<ProxyStats[]>;
}

/** The controls over proxies in this process. */
export class LocalChaos implements ChaosControl {
  constructor(readonly proxies: Map<number, ChaosProxy>) {}

  private pick(nodes: Nodes): ChaosProxy[] {
    const ids = nodes === 'all' ? [...this.proxies.keys()] : Array.isArray(nodes) ? nodes : [nodes];
    return ids.map((id) => {
      const p = this.proxies.get(id);
      if (!p) throw new Error(`no chaos proxy for node ${id} (have ${[...this.proxies.keys()].join(', ')})`);
      return p;
    });
  }

  async cut(nodes: Nodes, direction: Direction = 'both'): Promise<number> {
    return this.pick(nodes).reduce((n, p) => n + p.cut(direction), 0);
  }

  async blackhole(nodes: Nodes, direction: Direction, ms?: number): Promise<void> {
    for (const p of this.pick(nodes)) p.blackhole(direction, ms);
  }

  async latency(nodes: Nodes, direction: Direction, ms: number): Promise<void> {
    for (const p of this.pick(nodes)) p.latency(direction, ms);
  }

  async trickle(nodes: Nodes, direction: Direction, on = true): Promise<void> {
    for (const p of this.pick(nodes)) p.trickle(direction, on);
  }

  async refuse(nodes: Nodes, on = true): Promise<void> {
    for (const p of this.pick(nodes)) p.refuse(on);
  }

  async heal(nodes: Nodes = 'all'): Promise<void> {
    for (const p of this.pick(nodes)) p.heal();
  }

  async stats(nodes: Nodes = 'all'): Promise<ProxyStats[]> {
    return this.pick(nodes).map((p) => p.stats());
  }

  async close(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((p) => p.close()));
  }
}

/** Starts one proxy per broker: each listens on its `listen` port and relays to `target`. */
export async function startProxies(brokers: Array<{ node: number; listen: number; target: { host: string; port: number } }>): Promise<LocalChaos> {
  const proxies = new Map<number, ChaosProxy>();
  try {
    for (const b of brokers) proxies.set(b.node, await new ChaosProxy(b.node, b.target, b.listen).start());
  } catch (e) {
    await Promise.all([...proxies.values()].map((p) => p.close()));
    throw e;
  }
  return new LocalChaos(proxies);
}

type Call = { op: keyof ChaosControl; args: unknown[] };
const OPS = new Set<string>(['cut', 'blackhole', 'latency', 'trickle', 'refuse', 'heal', 'stats']);

/** Serves `chaos` as POST / with a JSON body { op, args } on 127.0.0.1; resolves to its port and a close function. */
export async function serveControls(chaos: LocalChaos, port = 0): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const answer = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value ?? null));
      };
      let call: Call;
      try {
        call = JSON.parse(body) as Call;
        if (!OPS.has(call.op) || !Array.isArray(call.args)) throw new Error(`unknown chaos call ${body}`);
      } catch (e) {
        answer(400, { error: (e as Error).message });
        return;
      }
      // JSON has no Infinity: a missing ms arrives as null and means "until healed".
      const args = call.args.map((a) => (a === null ? undefined : a));
      (chaos[call.op] as (...a: unknown[]) => Promise<unknown>)
        .apply(chaos, args)
        .then((v) => answer(200, { value: v }), (e: Error) => answer(500, { error: e.message }));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The controls of proxies in another process, through serveControls' endpoint. */
export class RemoteChaos implements ChaosControl {
  constructor(readonly url: string) {}

  private async call<T>(op: keyof ChaosControl, ...args: unknown[]): Promise<T> {
    const res = await fetch(this.url, { method: 'POST', body: JSON.stringify({ op, args }), headers: { 'content-type': 'application/json' } });
    const out = (await res.json()) as { value?: T; error?: string };
    if (!res.ok) throw new Error(`chaos ${op}(${JSON.stringify(args)}) failed: ${out.error ?? res.status}`);
    return out.value as T;
  }

  cut(nodes: Nodes, direction: Direction = 'both'): Promise<number> {
    return this.call('cut', nodes, direction);
  }

  blackhole(nodes: Nodes, direction: Direction, ms?: number): Promise<void> {
    return this.call('blackhole', nodes, direction, ms ?? null);
  }

  latency(nodes: Nodes, direction: Direction, ms: number): Promise<void> {
    return this.call('latency', nodes, direction, ms);
  }

  trickle(nodes: Nodes, direction: Direction, on = true): Promise<void> {
    return this.call('trickle', nodes, direction, on);
  }

  refuse(nodes: Nodes, on = true): Promise<void> {
    return this.call('refuse', nodes, on);
  }

  heal(nodes: Nodes = 'all'): Promise<void> {
    return this.call('heal', nodes);
  }

  stats(nodes: Nodes = 'all'): Promise<ProxyStats[]> {
    return this.call('stats', nodes);
  }
}
