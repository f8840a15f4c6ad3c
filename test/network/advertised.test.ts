import { afterEach, describe, expect, it } from 'vitest';
import { Metadata } from '../../src/cluster/metadata.js';
import { KafkaConnectionError } from '../../src/errors.js';
import { ConnectionPool } from '../../src/network/pool.js';
import { responseFrame, startFakeBroker, type FakeBroker } from './fake-broker.js';

let broker: FakeBroker | undefined;
afterEach(async () => {
  await broker?.close();
  broker = undefined;
});

describe('a broker advertising an address this host cannot reach', () => {
  it('is reported as such: bootstrap worked, broker N at its advertised address did not', async () => {
    broker = await startFakeBroker((req) => {
      if (req.api.name !== 'Metadata') return;
      req.socket.write(responseFrame(req, {
        throttleTimeMs: 0,
        // The cluster says its only broker is at an address nothing listens on.
        brokers: [{ nodeId: 5, host: '127.0.0.1', port: 1, rack: null }],
        clusterId: 'fake', controllerId: 5, topics: [], clusterAuthorizedOperations: 0,
      }));
    });
    const pool = new ConnectionPool({ bootstrapServers: `127.0.0.1:${broker.port}` });
    try {
      await pool.start();
      await new Metadata(pool).refresh();
      const err = (await pool.get(5).catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(KafkaConnectionError);
      expect(err.message).toContain('broker 5 at its advertised address 127.0.0.1:1');
      expect(err.message).toContain('reachable through the bootstrap servers');
      expect(err.message).toContain("advertised listeners do not fit this network");
    } finally {
      await pool.close();
    }
  });
});
