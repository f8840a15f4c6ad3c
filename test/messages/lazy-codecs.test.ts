// The client imports an API's codecs the first time it uses the API (registry.ts),
// so that a process loads only what it speaks. What must hold: the table the
// registry starts from says the same as the generated codecs; nothing but
// ApiVersions is loaded before use; and requests made while an API's codecs are
// being imported still go out in the order they were made, on every connection.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { API_DEFINITIONS as GENERATED } from '../../src/messages/generated/index.js';
import { API_DEFINITIONS, api, isLoaded, type ApiName } from '../../src/messages/registry.js';
import { Connection } from '../../src/network/connection.js';
import { apiVersionsBody, responseFrame, startFakeBroker, type FakeBroker } from '../network/fake-broker.js';

let broker: FakeBroker | undefined;
afterEach(async () => {
  await broker?.close();
  broker = undefined;
});

const meta = (d: { key: number; name: string; minVersion: number; maxVersion: number; flexibleFrom: number }) => [d.key, d.name, d.minVersion, d.maxVersion, d.flexibleFrom];

/** APIs with a response body a fake broker can answer with no content: errorCode and throttleTimeMs only (or nothing). */
const SIMPLE: Record<string, unknown> = {
  Heartbeat: { throttleTimeMs: 0, errorCode: 0 },
  SyncGroup: { throttleTimeMs: 0, errorCode: 0, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) },
  LeaveGroup: { throttleTimeMs: 0, errorCode: 0, members: [] },
  ApiVersions: null, // answered with the fake broker's full list
};
const REQUESTS: Record<string, unknown> = {
  Heartbeat: { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null },
  SyncGroup: { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] },
  LeaveGroup: { groupId: 'g', memberId: 'm', members: [] },
  ApiVersions: { clientSoftwareName: 'kafkawire', clientSoftwareVersion: '0' },
};

describe('API codecs imported on first use', () => {
  it('start with only ApiVersions loaded, and a table that matches the generated codecs', () => {
    expect(API_DEFINITIONS.filter(isLoaded).map((d) => d.name)).toEqual(['ApiVersions']);
    expect(API_DEFINITIONS.map(meta)).toEqual(GENERATED.map(meta));
  });

  it('keep a connection’s requests in call order while codecs are imported', async () => {
    broker = await startFakeBroker((req) => {
      req.socket.write(responseFrame(req, req.api.name === 'ApiVersions' ? apiVersionsBody() : SIMPLE[req.api.name]));
      return true;
    });
    const conn = await Connection.open({ host: '127.0.0.1', port: broker.port, requestTimeoutMs: 5000 });
    try {
      const names = Object.keys(SIMPLE) as ApiName[];
      // The first run sees unloaded codecs; later ones check that nothing stays held back.
      await fc.assert(
        fc.asyncProperty(fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 12 }), async (calls) => {
          const before = broker!.requests.length;
          const replies = await Promise.all(calls.map((n) => conn.request(api(n), REQUESTS[n], { version: 0 })));
          expect(replies).toHaveLength(calls.length);
          expect(broker!.requests.slice(before).map((r) => r.api.name)).toEqual(calls);
        }),
        // First, a mix that meets unloaded codecs between loaded ones.
        { numRuns: 30, examples: [[['ApiVersions', 'Heartbeat', 'ApiVersions', 'SyncGroup', 'Heartbeat', 'LeaveGroup', 'ApiVersions']]] },
      );
      for (const n of names) expect(isLoaded(api(n))).toBe(true);
    } finally {
      conn.close();
    }
  });
});
