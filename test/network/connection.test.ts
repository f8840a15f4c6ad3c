import { afterEach, describe, expect, it } from 'vitest';
import { KafkaConnectionError, KafkaProtocolError, KafkaTimeoutError } from '../../src/errors.js';
import { Connection } from '../../src/network/connection.js';
import { apiVersionsBody, responseFrame, startFakeBroker, type FakeBroker, type FakeRequest } from './fake-broker.js';

const metadataBody = { throttleTimeMs: 0, brokers: [], clusterId: 'c', controllerId: 1, topics: [], clusterAuthorizedOperations: 0 };
let broker: FakeBroker | undefined;
afterEach(async () => {
  await broker?.close();
  broker = undefined;
});

describe('Connection against a scripted broker', () => {
  it('pipelines requests and matches answers in order', async () => {
    broker = await startFakeBroker((req) => {
      if (req.api.name === 'Metadata') req.socket.write(responseFrame(req, { ...metadataBody, controllerId: req.correlationId }));
    });
    const c = await Connection.open({ host: '127.0.0.1', port: broker.port });
    const res = await Promise.all([1, 2, 3].map(() => c.request<{ controllerId: number }>('Metadata', { topics: [] })));
    // Each answer carries its own correlation id, so a mix-up would show.
    expect(res.map((r) => r.controllerId)).toEqual(broker.requests.filter((r) => r.api.name === 'Metadata').map((r) => r.correlationId));
    c.close();
  });

  it('keeps at most maxInFlight requests on the wire', async () => {
    const held: FakeRequest[] = [];
    broker = await startFakeBroker((req) => {
      if (req.api.name === 'Metadata') held.push(req);
    });
    const c = await Connection.open({ host: '127.0.0.1', port: broker.port, maxInFlight: 2 });
    const all = Promise.all([1, 2, 3, 4, 5].map(() => c.request('Metadata', { topics: [] })));
    await new Promise((r) => setTimeout(r, 100));
    expect(held.length).toBe(2);
    while (held.length < 5) {
      const next = held.length;
      for (const r of held.splice(0, held.length)) r.socket.write(responseFrame(r, metadataBody));
      await new Promise((r) => setTimeout(r, 50));
      expect(held.length).toBeLessThanOrEqual(2);
      if (held.length === 0 && next === 0) break;
      if (broker.requests.filter((r) => r.api.name === 'Metadata').length === 5 && held.length === 0) break;
    }
    for (const r of held) r.socket.write(responseFrame(r, metadataBody));
    await all;
    c.close();
  });

  it('closes with a protocol error when answers come out of order', async () => {
    const held: FakeRequest[] = [];
    broker = await startFakeBroker((req) => {
      if (req.api.name !== 'Metadata') return;
      held.push(req);
      if (held.length === 2) req.socket.write(responseFrame(held[1]!, metadataBody));
    });
    const c = await Connection.open({ host: '127.0.0.1', port: broker.port });
    const results = await Promise.allSettled([c.request('Metadata', { topics: [] }), c.request('Metadata', { topics: [] })]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(KafkaProtocolError);
      expect(String((r as PromiseRejectedResult).reason.message)).toMatch(/correlation id \d+, but \d+ was expected/);
    }
    expect(c.state).toBe('closed');
  });

  it('closes with a protocol error on an answer to no request', async () => {
    broker = await startFakeBroker((req) => {
      if (req.api.name === 'Metadata') req.socket.write(responseFrame({ ...req, correlationId: 999 }, metadataBody));
    });
    const c = await Connection.open({ host: '127.0.0.1', port: broker.port });
    await expect(c.request('Metadata', { topics: [] })).rejects.toThrow(/correlation id 999/);
  });

  it('refuses an oversized frame and says what to check', async () => {
    broker = await startFakeBroker((req) => {
      if (req.api.name === 'Metadata') req.socket.write(Buffer.from([0x7f, 0, 0, 0]));
    });
    const c = await Connection.open({ host: '127.0.0.1', port: broker.port, maxFrameBytes: 1 << 20 });
    await expect(c.request('Metadata', { topics: [] })).rejects.toThrow(/larger than the 1048576-byte maximum/);
    expect(c.state).toBe('closed');
  });

  it('rejects a garbage answer with a typed error naming the API', async () => {
    broker = await startFakeBroker((req) => {
      if (req.api.name !== 'Metadata') return;
      const garbage = Buffer.from([0, 0, 0, 12, 0, 0, 0, req.correlationId, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff]);
      req.socket.write(garbage);
    });
    const c = await Connection.open({ host: '127.0.0.1', port: broker.port });
    const err = await c.request('Metadata', { topics: [] }, { version: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaProtocolError);
    expect((err as Error).message).toMatch(/Metadata v1/);
    c.close();
  });

  it('times out a request the broker never answers, and closes the connection', async () => {
    broker = await startFakeBroker(() => undefined);
    const c = await Connection.open({ host: '127.0.0.1', port: broker.port, requestTimeoutMs: 150 });
    const other = c.request('Metadata', { topics: [] });
    await expect(c.request('Metadata', { topics: [] })).rejects.toThrow(KafkaConnectionError);
    await expect(other).rejects.toThrow(KafkaTimeoutError);
    await expect(other).rejects.toThrow(/no response within 150 ms/);
    expect(c.state).toBe('closed');
  });

  it('retries ApiVersions at the version a broker says it supports', async () => {
    broker = await startFakeBroker((req) => {
      if (req.api.name !== 'ApiVersions') return;
      if (req.version > 2) {
        // An older broker answers UNSUPPORTED_VERSION in v0, naming its own ApiVersions range.
        req.socket.write(responseFrame({ ...req, version: 0 }, apiVersionsBody({ 18: [0, 2] }, 35)));
      } else {
        req.socket.write(responseFrame(req, apiVersionsBody({ 18: [0, 2], 3: [0, 7] })));
      }
      return true;
    });
    const c = await Connection.open({ host: '127.0.0.1', port: broker.port });
    expect(broker.requests.map((r) => r.version)).toEqual([4, 2]);
    expect(c.versionFor((await import('../../src/messages/registry.js')).api('Metadata'))).toBe(7);
    c.close();
  });

  it('names the address, its role and what to check when nothing listens there', async () => {
    const err = await Connection.open({ host: '127.0.0.1', port: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaConnectionError);
    expect((err as Error).message).toMatch(/bootstrap server 127\.0\.0\.1:1 .*connection refused.*check the host and port in bootstrapServers/);
    const err2 = await Connection.open({ host: '127.0.0.1', port: 1, role: { kind: 'broker', nodeId: 3 } }).catch((e: unknown) => e);
    expect((err2 as Error).message).toMatch(/broker 3 at its advertised address 127\.0\.0\.1:1.*advertised listeners do not fit this network/);
    const err3 = await Connection.open({ host: 'no-such-host.invalid', port: 9092 }).catch((e: unknown) => e);
    expect((err3 as Error).message).toMatch(/no-such-host\.invalid does not resolve/);
  });

  it('tries every address a name resolves to, in turn', async () => {
    broker = await startFakeBroker(() => undefined);
    const c = await Connection.open({
      host: 'kafka.example',
      port: broker.port,
      lookup: async () => [
        { address: '127.0.0.2', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ],
    });
    expect(c.state).toBe('ready');
    c.close();
  });

  it('closes the socket when the handshake answer is garbage', async () => {
    broker = await startFakeBroker((req) => {
      if (req.api.name !== 'ApiVersions') return;
      req.socket.write(Buffer.from([0, 0, 0, 8, 0, 0, 0, req.correlationId, 0x7f, 0xff, 0xff, 0xff]));
      return true;
    });
    const err = await Connection.open({ host: '127.0.0.1', port: broker.port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaProtocolError);
    for (let i = 0; i < 50 && broker.sockets.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(broker.sockets.size).toBe(0);
  });
});
