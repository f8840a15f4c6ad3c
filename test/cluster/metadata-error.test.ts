// Metadata v13+ carries a top-level error code (e.g. REBOOTSTRAP_REQUIRED):
// such an answer is not applied, and the refresh fails with the typed error.
import { describe, expect, it } from 'vitest';
import { Metadata } from '../../src/cluster/metadata.js';
import { KafkaBrokerError } from '../../src/errors.js';
import { ErrorCode } from '../../src/messages/error-codes.js';
import type { ConnectionPool } from '../../src/network/pool.js';

function poolAnswering(errorCode: number): ConnectionPool {
  const res = {
    throttleTimeMs: 0,
    brokers: [{ nodeId: 1, host: '127.0.0.1', port: 9, rack: null }],
    clusterId: 'c',
    controllerId: 1,
    topics: [{ errorCode: 0, name: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', isInternal: false, partitions: [], topicAuthorizedOperations: 0 }],
    clusterAuthorizedOperations: 0,
    errorCode,
  };
  return { request: async () => res, updateBrokers: () => undefined } as unknown as ConnectionPool;
}

describe('Metadata top-level error (v13+)', () => {
  it('fails the refresh with the typed error and keeps the view as it was', async () => {
    const m = new Metadata(poolAnswering(ErrorCode.REBOOTSTRAP_REQUIRED));
    m.want(['t']);
    const err = await m.refresh().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaBrokerError);
    expect((err as KafkaBrokerError).errorName).toBe('REBOOTSTRAP_REQUIRED');
    expect((err as Error).message).toMatch(/REBOOTSTRAP_REQUIRED \(error code 129\) from Metadata/);
    expect(m.topics.size).toBe(0);
  });

  it('an answer without one is applied', async () => {
    const m = new Metadata(poolAnswering(0));
    m.want(['t']);
    await m.refresh();
    expect(m.topicIdOf('t')).toBe('AAAAAAAAAAAAAAAAAAAAAQ');
  });
});
