import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../../../src/index.js';
import { createTopic, noKafka, uniqueTopic } from '../kafka.js';
import { javaConsume, javaProduce } from '../java.js';

describe.skipIf(noKafka)('partitioning matches the Java client', () => {
  it('keys produced by the Java console producer land where kafkawire predicts', async () => {
    const topic = uniqueTopic('parity');
    const partitions = 7;
    await createTopic(topic, partitions);
    // A few thousand random keys: ASCII, non-ASCII, and the empty key (Java sends it as zero bytes, not null).
    const keyArb = fc.oneof(fc.string({ maxLength: 24 }), fc.string({ unit: 'grapheme', maxLength: 8 }), fc.constant(''));
    const keys = [...new Set(fc.sample(keyArb, { numRuns: 3000, seed: 42 }).map((k) => k.replace(/[\t\n\r]/g, '_')))];
    const records = keys.map((k, i): [string, string] => [k, `v${i}`]);
    await javaProduce(topic, records);
    const got = await javaConsume(topic, records.length, { timeoutMs: 30_000 });
    expect(got.length).toBe(records.length);
    let mismatches = 0;
    for (const r of got) {
      const key = keys[Number(r.value.slice(1))] as string;
      if (partitionForKey(Buffer.from(key, 'utf8'), partitions) !== r.partition) mismatches++;
    }
    expect(mismatches).toBe(0);
    expect(new Set(got.map((r) => r.partition)).size).toBe(partitions);
  });
});
