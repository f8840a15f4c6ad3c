// A scripted stand-in for a broker, for what a real one cannot be made to do:
// answer out of order, send garbage or oversized frames, stay silent on cue.
import { createHash } from 'node:crypto';
import net from 'node:net';
import { Writer } from '../../src/codec/writer.js';
import { decodeRequestFrame, encodeResponseFrame } from '../../src/messages/frame.js';
import type { ApiDefinition } from '../../src/messages/registry.js';
import { API_DEFINITIONS, apiByKey } from '../../src/messages/registry.js';
import { FrameReader } from '../../src/network/frame-reader.js';

export interface FakeRequest {
  api: ApiDefinition;
  version: number;
  correlationId: number;
  body: unknown;
  socket: net.Socket;
}

/** A topic id for a fake broker's topic, derived from its name, so that topics differ by id as well (Produce v13 names topics by id). */
export function fakeTopicId(name: string): string {
  return createHash('sha256').update(name).digest().toString('base64url', 0, 16);
}

/** Encodes a response frame for a request. */
export function responseFrame(req: FakeRequest, body: unknown): Buffer {
  return Buffer.from(encodeResponseFrame(req.api, req.version, req.correlationId, body, new Writer(64)));
}

export function apiVersionsBody(override: Partial<Record<number, [number, number]>> = {}, errorCode = 0): unknown {
  return {
    errorCode,
    apiKeys: API_DEFINITIONS.map((a) => {
      const [minVersion, maxVersion] = override[a.key] ?? [a.minVersion, a.maxVersion];
      return { apiKey: a.key, minVersion, maxVersion };
    }),
    throttleTimeMs: 0,
  };
}

export interface FakeBroker {
  port: number;
  requests: FakeRequest[];
  sockets: Set<net.Socket>;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * Starts a fake broker on 127.0.0.1. `handle` gets every request after the
 * ApiVersions handshake (which it answers itself unless `handle` returns true
 * for it) and writes what it likes to the socket.
 */
export async function startFakeBroker(handle: (req: FakeRequest) => boolean | void, port = 0): Promise<FakeBroker> {
  const requests: FakeRequest[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const frames = new FrameReader(1 << 24, (frame) => {
      const d = decodeRequestFrame(frame, apiByKey);
      const req: FakeRequest = { ...d, socket };
      requests.push(req);
      if (handle(req) === true) return;
      if (d.api.name === 'ApiVersions') socket.write(responseFrame(req, apiVersionsBody()));
    });
    socket.on('data', (c: Buffer) => frames.push(c));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const bound = (server.address() as net.AddressInfo).port;
  return {
    port: bound,
    requests,
    sockets,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
