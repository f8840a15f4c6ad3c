// Low-level probes for `kafkawire check`: name resolution, a bare TCP
// connect, and a look at what a port answers when it does not speak Kafka.
import dns from 'node:dns/promises';
import net from 'node:net';
import { encodeRequestFrame } from '../messages/frame.js';
import { api } from '../messages/registry.js';

export async function resolve(host: string): Promise<string[]> {
  if (net.isIP(host)) return [host];
  const addrs = await dns.lookup(host, { all: true });
  return addrs.map((a) => a.address);
}

/** Opens and closes a TCP connection; rejects with the socket error code (ECONNREFUSED, ETIMEDOUT...). */
export function tcpConnect(host: string, port: number, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  return new Promise((res, rej) => {
    const s = net.connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      rej(Object.assign(new Error(`no TCP connection within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.destroy();
      res(Date.now() - t0);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      s.destroy();
      rej(e);
    });
  });
}

/**
 * Sends an ApiVersions v0 request and looks at the first bytes that come
 * back, to name what answers on a port that failed the Kafka handshake.
 */
export function identifyPeer(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((res) => {
    const s = net.connect({ host, port });
    let got = Buffer.alloc(0);
    const finish = (what: string) => {
      clearTimeout(timer);
      s.destroy();
      res(what);
    };
    /** What the bytes so far say, or null while an HTTP status line is still incomplete. */
    const classify = (final: boolean): string | null => {
      if (got.length === 0) return final ? 'closed' : null;
      const text = got.subarray(0, 256).toString('latin1');
      if (text.startsWith('HTTP/')) return text.includes('\r\n') || final ? `http:${text.split('\r\n')[0]}` : null;
      if (got.length < 5) return final ? 'unknown' : null;
      if (got[0] === 0x15 && got[1] === 0x03) return 'tls';
      if (text.startsWith('SSH-')) return 'ssh';
      const size = got.readInt32BE(0);
      return size > 0 && size < 1 << 20 ? 'kafka' : 'unknown';
    };
    const timer = setTimeout(() => finish(got.length === 0 ? 'silent' : (classify(true) ?? 'unknown')), timeoutMs);
    s.once('connect', () => s.write(encodeRequestFrame(api('ApiVersions'), 0, 1, 'kafkawire-check', {})));
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const what = classify(false);
      if (what) finish(what);
    });
    s.once('error', () => finish(classify(true)!));
    s.once('close', () => finish(classify(true)!));
  });
}
