import { describe, expect, it } from 'vitest';
import { Producer } from '../../src/index.js';
import { zstdAvailable } from '../../src/records/compression/index.js';
import { COMPRESSION_TYPE_IDS } from '../../src/records/compression/codec.js';
import { fetchBatches } from './fetch.js';
import { createTopic, kafka, noKafka, uniqueTopic } from './kafka.js';
import { javaConsume, javaProduce } from './java.js';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const records = Array.from({ length: 300 }, (_, i): [string, string] => [`key-${i}`, `value ${i} ${'x'.repeat(i % 50)} ключ`]);

describe.skipIf(noKafka)('record batches against the Java client', () => {
  for (const codec of CODECS) {
    const skip = codec === 'zstd' && !zstdAvailable() ? `zstd needs Node 22.15+ (this is ${process.version}); CI runs this under Node 24 too` : '';

    it.skipIf(skip)(`reads what the Java console producer wrote with ${codec}, byte for byte`, async () => {
      const topic = uniqueTopic(`from-java-${codec}`);
      await createTopic(topic, 1);
      await javaProduce(topic, records, codec === 'none' ? [] : ['--compression-codec', codec]);
      const batches = await fetchBatches(topic);
      const got = batches.flatMap((b) => {
        expect(b.control).toBe(false);
        expect(b.compression).toBe(COMPRESSION_TYPE_IDS[codec]);
        return b.control ? [] : b.records.map((r) => [r.key?.toString('utf8'), r.value?.toString('utf8')]);
      });
      expect(got).toEqual(records);
    });

    it.skipIf(skip)(`writes ${codec} batches the Java console consumer reads back`, async () => {
      const topic = uniqueTopic(`to-java-${codec}`);
      await createTopic(topic, 1);
      const p = new Producer({ bootstrapServers: kafka.bootstrap, compressionType: codec, lingerMs: 20 });
      try {
        await Promise.all(records.map(([key, value]) => p.send({ topic, key, value })));
      } finally {
        await p.close();
      }
      const batches = await fetchBatches(topic);
      expect(batches.every((b) => b.compression === COMPRESSION_TYPE_IDS[codec])).toBe(true);
      const back = await javaConsume(topic, records.length, { timeoutMs: 20_000 });
      expect(back.map((r) => [r.key, r.value])).toEqual(records);
    });
  }
});
