import { afterEach, describe, expect, it, vi } from 'vitest';
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
    // The broker side counts what is outstanding at every arrival: no sleeping, no guessing.
    const held: FakeRequest[] = [];
    let outstanding = 0;
    let most = 0;
    broker = await startFakeBroker((req) => {
      if (req.api.name !== 'Metadata') return;
      held.push(req);
      most = Math.max(most, ++outstanding);
    });
    const c = await Connection.open({ host: '127.0.0.1', port: broker.port, maxInFlight: 2 });
    const all = Promise.all([1, 2, 3, 4, 5].map(() => c.request('Metadata', { topics: [] })));
    expect(c.inFlightCount).toBe(5);
    let answered = 0;
    while (answered < 5) {
      await vi.waitFor(() => expect(held.length).toBeGreaterThan(0), { timeout: 10_000 });
      // Answer one at a time, so the client always has the chance to send more than it may.
      const r = held.shift()!;
      outstanding--;
      r.socket.write(responseFrame(r, metadataBody));
      answered++;
      if (answered < 4) await vi.waitFor(() => expect(held.length).toBe(2), { timeout: 10_000 });
    }
    await all;
    expect(most).toBe(2);
    expect(broker.requests.filter((r) => r.api.name === 'Metadata')).toHaveLength(5);
    c.close();
  });

  it('closes when answers come out of order; requests fail retriable (outcome unknown), the protocol error as cause', async () => {
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
      const reason = (r as PromiseRejectedResult).reason as KafkaConnectionError;
      expect(reason).toBeInstanceOf(KafkaConnectionError);
      expect(reason.retriable).toBe(true);
      expect(reason.cause).toBeInstanceOf(KafkaProtocolError);
      expect(String(reason.message)).toMatch(/correlation id \d+, but \d+ was expected/);
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

  it('a request may wait longer or shorter than requestTimeoutMs (timeoutMs), and its timeout names the wait', async () => {
    broker = await startFakeBroker(() => undefined); // answers ApiVersions, never Metadata
    const c = await Connection.open({ host: '127.0.0.1', port: broker.port, requestTimeoutMs: 600_000 });
    const err = await c.request('Metadata', { topics: [] }, { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaTimeoutError);
    expect((err as Error).message).toMatch(/no response within 50 ms/);
    expect((err as Error).message).not.toMatch(/requestTimeoutMs/);
  });

  it('refuses an oversized frame and says what to check', async () => {
    broker = await startFakeBroker((req) => {
      if (req.api.name === 'Metadata') req.socket.write(Buffer.from([0x7f, 0, 0, 0]));
    });
    const c = await Connection.open({ host: '127.0.0.1', port: broker.port, maxFrameBytes: 1 << 20 });
    await expect(c.request('Metadata', { topics: [] })).rejects.toThrow(new RegExp(`127\\.0\\.0\\.1:${broker.port} sent a frame of 2130706432 bytes, larger than the 1048576-byte maximum`));
    expect(c.state).toBe('closed');
  });

  it('a garbage answer: closes, and rejects with a retriable error whose cause is the protocol error naming the API', async () => {
    broker = await startFakeBroker((req) => {
      if (req.api.name !== 'Metadata') return;
      const garbage = Buffer.from([0, 0, 0, 12, 0, 0, 0, req.correlationId, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff]);
      req.socket.write(garbage);
    });
    const c = await Connection.open({ host: '127.0.0.1', port: broker.port });
    const err = await c.request('Metadata', { topics: [] }, { version: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaConnectionError);
    expect((err as KafkaConnectionError).retriable).toBe(true);
    expect((err as Error).cause).toBeInstanceOf(KafkaProtocolError);
    expect((err as Error).message).toMatch(/Metadata v1/);
    expect(c.state).toBe('closed');
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
    // First kafkawire's newest ApiVersions (v5), then the broker's.
    expect(broker.requests.map((r) => r.version)).toEqual([5, 2]);
    expect(c.versionFor((await import('../../src/messages/registry.js')).api('Metadata'))).toBe(7);
    c.close();
  });

  it('falls back to ApiVersions v0 when a broker older than Kafka 2.4 refuses without naming its range', async () => {
    // Kafka 2.1-2.3 (no KIP-511) answer a version they do not know with UNSUPPORTED_VERSION and an empty list.
    broker = await startFakeBroker((req) => {
      if (req.api.name !== 'ApiVersions') return;
      if (req.version > 2) req.socket.write(responseFrame({ ...req, version: 0 }, { errorCode: 35, apiKeys: [] }));
      else req.socket.write(responseFrame(req, apiVersionsBody({ 18: [0, 2], 3: [0, 7] })));
      return true;
    });
    const c = await Connection.open({ host: '127.0.0.1', port: broker.port });
    expect(broker.requests.map((r) => r.version)).toEqual([5, 0]);
    expect(c.versionFor((await import('../../src/messages/registry.js')).api('Metadata'))).toBe(7);
    c.close();
  });

  it('gives up after v0 too is refused, naming the broker', async () => {
    broker = await startFakeBroker((req) => {
      if (req.api.name !== 'ApiVersions') return;
      req.socket.write(responseFrame({ ...req, version: 0 }, { errorCode: 35, apiKeys: [] }));
      return true;
    });
    const err = await Connection.open({ host: '127.0.0.1', port: broker.port }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/bootstrap server 127\.0\.0\.1:\d+ refused every ApiVersions version kafkawire sent/);
    expect(broker.requests.map((r) => r.version)).toEqual([5, 0]);
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
    await vi.waitFor(() => expect(broker!.sockets.size).toBe(0), { timeout: 10_000 });
  });
});
