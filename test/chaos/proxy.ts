// A fault-injecting TCP proxy, one per broker: the client talks to the proxy,
// the proxy to the broker, and a test decides per direction what happens to the
// bytes in between. "up" is client → broker, "down" is broker → client.
//
// Faults apply to bytes as they arrive at the proxy, so a change takes effect
// at once on every open connection and on those opened later.
import net from 'node:net';

export type Direction = 'up' | 'down' | 'both';
export type OneWay = 'up' | 'down';

/** What one direction of one broker's proxy does to the bytes it receives. */
interface DirectionFaults {
  /** Bytes arriving before this time (Date.now()) are dropped; Infinity until healed. */
  blackholeUntil: number;
  /** Every chunk is held this long before it is forwarded. */
  latencyMs: number;
  /** Forward one byte per write, each in its own turn of the event loop. */
  trickle: boolean;
}

export interface DirectionStats {
  /** Bytes received from the sender. */
  received: number;
  /** Bytes written to the receiver. */
  forwarded: number;
  /** Bytes dropped by a black hole. */
  dropped: number;
  /** Separate write() calls made to the receiver (equals forwarded while trickling). */
  writes: number;
}

export interface ProxyStats {
  node: number;
  /** Connections accepted and relayed. */
  accepted: number;
  /** Connections reset at once because new connections were refused. */
  refused: number;
  /** Connections the proxy cut. */
  cut: number;
  /** Connections open now. */
  open: number;
  up: DirectionStats;
  down: DirectionStats;
}

const ways = (d: Direction): OneWay[] => (d === 'both' ? ['up', 'down'] : [d]);
const noFaults = (): DirectionFaults => ({ blackholeUntil: 0, latencyMs: 0, trickle: false });
const noStats = (): DirectionStats => ({ received: 0, forwarded: 0, dropped: 0, writes: 0 });

/** Bytes queued in one direction before the sender is paused (a slow or trickling link must not buffer without bound). */
const HIGH_WATER = 1 << 20;

/**
 * One direction of one relayed connection: a queue of chunks, each with the
 * time it may leave, drained in order.
 */
class Pump {
  private readonly queue: Array<{ bytes: Buffer; due: number }> = [];
  private queued = 0;
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private ended = false;
  private stopped = false;

  constructor(
    private readonly src: net.Socket,
    private readonly dst: net.Socket,
    private readonly faults: DirectionFaults,
    private readonly stats: DirectionStats,
  ) {
    src.on('data', (chunk: Buffer) => this.receive(chunk));
    // A FIN travels after every byte queued before it.
    src.on('end', () => {
      this.ended = true;
      this.pump();
    });
  }

  private receive(chunk: Buffer): void {
    this.stats.received += chunk.length;
    if (this.stopped || Date.now() < this.faults.blackholeUntil) {
      this.stats.dropped += chunk.length;
      return;
    }
    this.queue.push({ bytes: chunk, due: Date.now() + this.faults.latencyMs });
    this.queued += chunk.length;
    if (this.queued > HIGH_WATER) this.src.pause();
    this.pump();
  }

  private pump(): void {
    if (this.stopped || this.busy || this.timer !== null || this.dst.destroyed) return;
    const head = this.queue[0];
    if (!head) {
      if (this.ended && !this.dst.writableEnded) this.dst.end();
      return;
    }
    const wait = head.due - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pump();
      }, wait);
      return;
    }
    if (this.faults.trickle) {
      // One byte now, the rest of the chunk on a later turn, so each byte leaves as its own segment.
      this.write(head.bytes.subarray(0, 1));
      head.bytes = head.bytes.subarray(1);
      if (head.bytes.length === 0) this.queue.shift();
      this.busy = true;
      setImmediate(() => {
        this.busy = false;
        this.pump();
      });
      return;
    }
    this.queue.shift();
    this.write(head.bytes);
    this.pump();
  }

  private write(bytes: Buffer): void {
    this.queued -= bytes.length;
    this.stats.forwarded += bytes.length;
    this.stats.writes++;
    this.dst.write(bytes);
    if (this.queued <= HIGH_WATER && this.src.isPaused()) this.src.resume();
  }

  /** Stops forwarding and forgets what was queued. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
    this.queued = 0;
  }
}

/** A relayed connection: the client's socket, the broker's, and a pump each way. */
class Link {
  readonly broker: net.Socket;
  private readonly pumps: Record<OneWay, Pump>;

  constructor(
    readonly client: net.Socket,
    target: { host: string; port: number },
    faults: Record<OneWay, DirectionFaults>,
    stats: Record<OneWay, DirectionStats>,
    onClose: () => void,
  ) {
    this.broker = net.connect(target);
    client.setNoDelay(true);
    this.broker.setNoDelay(true);
    this.pumps = {
      up: new Pump(client, this.broker, faults.up, stats.up),
      down: new Pump(this.broker, client, faults.down, stats.down),
    };
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      this.pumps.up.stop();
      this.pumps.down.stop();
      client.destroy();
      this.broker.destroy();
      onClose();
    };
    for (const s of [client, this.broker]) {
      s.on('error', close);
      s.on('close', close);
    }
  }

  /** Cuts the link: both ways at once, or one way with a FIN to that side's receiver. */
  cut(direction: Direction): void {
    if (direction === 'both') {
      this.client.destroy();
      this.broker.destroy();
      return;
    }
    const to = direction === 'up' ? this.broker : this.client;
    this.pumps[direction].stop();
    to.end();
  }
}

/**
 * A proxy in front of one broker. Listens on `listenPort` (0: any) of
 * 127.0.0.1 and relays every connection to `target`.
 */
export class ChaosProxy {
  private readonly server: net.Server;
  private readonly links = new Set<Link>();
  private readonly faults: Record<OneWay, DirectionFaults> = { up: noFaults(), down: noFaults() };
  private readonly counters: Record<OneWay, DirectionStats> = { up: noStats(), down: noStats() };
  private accepted = 0;
  private refusedCount = 0;
  private cutCount = 0;
  private refusing = false;
  private boundPort = 0;

  constructor(
    readonly node: number,
    readonly target: { host: string; port: number },
    private readonly listenPort = 0,
  ) {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.listenPort, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  private accept(socket: net.Socket): void {
    if (this.refusing) {
      this.refusedCount++;
      socket.on('error', () => undefined);
      // A reset, as a closed port would give after the handshake: the client's connect fails.
      socket.resetAndDestroy();
      return;
    }
    this.accepted++;
    const link: Link = new Link(socket, this.target, this.faults, this.counters, () => this.links.delete(link));
    this.links.add(link);
  }

  /** Cuts every open connection now; returns how many. */
  cut(direction: Direction = 'both'): number {
    const n = this.links.size;
    this.cutCount += n;
    for (const l of [...this.links]) l.cut(direction);
    return n;
  }

  /** Drops every byte arriving in that direction for `ms` (forever when omitted, until heal()); connections stay open. */
  blackhole(direction: Direction, ms?: number): void {
    const until = ms === undefined ? Infinity : Date.now() + ms;
    for (const w of ways(direction)) this.faults[w].blackholeUntil = until;
  }

  /** Holds every chunk in that direction for `ms` before forwarding it (0: none). */
  latency(direction: Direction, ms: number): void {
    for (const w of ways(direction)) this.faults[w].latencyMs = ms;
  }

  /** Forwards one byte at a time in that direction. */
  trickle(direction: Direction, on = true): void {
    for (const w of ways(direction)) this.faults[w].trickle = on;
  }

  /** Resets new connections at once while on; open ones are left alone. */
  refuse(on = true): void {
    this.refusing = on;
  }

  /** Every fault off; open connections stay as they are. */
  heal(): void {
    this.refusing = false;
    for (const w of ['up', 'down'] as const) Object.assign(this.faults[w], noFaults());
  }

  stats(): ProxyStats {
    return {
      node: this.node,
      accepted: this.accepted,
      refused: this.refusedCount,
      cut: this.cutCount,
      open: this.links.size,
      up: { ...this.counters.up },
      down: { ...this.counters.down },
    };
  }

  async close(): Promise<void> {
    for (const l of [...this.links]) l.cut('both');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
