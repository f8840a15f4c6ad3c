// Pins what `kafkawire` and `kafkawire/protocol` export, so that a change to
// the public API is a deliberate edit of these lists. Types are erased at run
// time; package.test.ts checks them against the built package.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as generated from '../../src/messages/generated/index.js';
import { repoRoot } from './child.js';

const ROOT = [
  // producer
  'Producer',
  'defaultPartitioner',
  'partitionForKey',
  'StickyPartitioner',
  'bytesSerializer',
  'defaultSerializer',
  'jsonSerializer',
  'stringSerializer',
  'KafkaTransactionError',
  'SendBatchError',
  // consumer
  'Consumer',
  'bytesDeserializer',
  'jsonDeserializer',
  'stringDeserializer',
  'LogTruncationError',
  'NoOffsetForPartitionError',
  'OffsetOutOfRangeError',
  'ShareConsumer',
  'ShareAcknowledgementError',
  // admin
  'Admin',
  'unwrapAll',
  // partitioning as Java computes it
  'murmur2',
  'toPositive',
  // errors
  'CorruptRecordError',
  'ErrorCode',
  'KafkaAuthenticationError',
  'KafkaAuthorizationError',
  'KafkaBrokerError',
  'KafkaConfigError',
  'KafkaConnectionError',
  'KafkaError',
  'KafkaProtocolError',
  'KafkaTimeoutError',
  'KafkaTlsError',
  'UnsupportedCompressionError',
  'UnsupportedVersionError',
].sort();

/** What `kafkawire/protocol` exports besides the generated messages (which it exports whole). */
const PROTOCOL_OWN = [
  'Connection',
  'ConnectionPool',
  'Metadata',
  'api',
  'apiByKey',
  'chooseVersion',
  'decodeBatchHeader',
  'decodeRecordBatch',
  'decodeRecords',
  'decodeRequestFrame',
  'decodeResponseBody',
  'encodeRecordBatch',
  'encodeRequestFrame',
  'encodeResponseFrame',
  'errorFor',
  'errorName',
  'getCodec',
  'isRetriable',
  'openRecordBatch',
  'registerCodec',
  'registeredCodecs',
].sort();

const keys = (m: object) => Object.keys(m).sort();

describe('the root export, kafkawire', () => {
  it('is exactly the pinned list', async () => {
    expect(keys(await import('../../src/index.js'))).toEqual(ROOT);
  });

  it('has every error class the README documents, each a KafkaError', async () => {
    const root = (await import('../../src/index.js')) as Record<string, unknown>;
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Errors'), readme.indexOf('\n## ', readme.indexOf('## Errors') + 1));
    const documented = [...new Set([...table.matchAll(/^\| `(\w+)`/gm)].map((m) => m[1]!))];
    expect(documented.length).toBeGreaterThan(8);
    for (const name of documented) {
      const cls = root[name] as (new (...a: never[]) => unknown) | undefined;
      expect(cls, `${name} is documented in README.md but not exported from kafkawire`).toBeTypeOf('function');
      expect(cls!.prototype instanceof (root.KafkaError as typeof Error) || cls === root.KafkaError, `${name} is a KafkaError`).toBe(true);
    }
  });
});

describe('the low-level subpath, kafkawire/protocol', () => {
  it('is the pinned list plus every generated message', async () => {
    const protocol = await import('../../src/protocol.js');
    expect(keys(protocol)).toEqual([...new Set([...PROTOCOL_OWN, ...keys(generated)])].sort());
  });

  it('has an encoder and decoder for the request and response of every API', async () => {
    const protocol = (await import('../../src/protocol.js')) as Record<string, unknown>;
    const apis = protocol.API_DEFINITIONS as ReadonlyArray<{ name: string }>;
    expect(apis.length).toBeGreaterThan(50);
    for (const { name } of apis) {
      for (const f of [`encode${name}Request`, `decode${name}Request`, `encode${name}Response`, `decode${name}Response`]) {
        expect(protocol[f], f).toBeTypeOf('function');
      }
      expect(protocol[`${name}Api`], `${name}Api`).toMatchObject({ name });
    }
  });

  it('shares nothing with the root but what both need', async () => {
    const protocol = await import('../../src/protocol.js');
    expect(keys(protocol).filter((k) => ROOT.includes(k))).toEqual([]);
  });
});
