// The README's quick start, as printed there: produce three records and read
// them back with a group. Only the import (the sources, not a build), the
// address and the topic change (the test cluster does not create topics on
// first use, and every run needs a fresh one).
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { repoRoot, runChild, srcUrl } from '../../api/child.js';
import { createTopic, describeKafka, kafka, uniqueTopic } from '../kafka.js';

function quickStart(): string {
  const blocks = [...fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8').matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const example = blocks.find((b) => b.startsWith('// quickstart.mjs'));
  if (!example) throw new Error('README.md has no js block starting with "// quickstart.mjs"');
  return example;
}

describeKafka('the README quick start', () => {
  it('prints where each record went, then reads the three back with a group', async () => {
    const topic = uniqueTopic('quickstart');
    await createTopic(topic, 3);
    const example = quickStart();
    const script = example
      .replace("from 'kafkawire'", `from ${JSON.stringify(srcUrl('src/index.ts'))}`)
      .replace("'127.0.0.1:9092'", JSON.stringify(kafka.bootstrap))
      .replaceAll("'quickstart'", JSON.stringify(topic))
      .replace("'quickstart-readers'", JSON.stringify(`${topic}-readers`));
    expect(script).toContain(JSON.stringify(topic));
    const out = await runChild(script, { totalMs: 180_000 });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const lines = out.stdout.trim().split('\n');
    const sent = lines.filter((l) => l.startsWith('sent ')).map((l) => /^sent (\w+) -> partition (\d+), offset (\d+)$/.exec(l));
    const read = lines.filter((l) => l.startsWith('read ')).map((l) => /^read partition (\d+) offset (\d+) key (\w+) value hello, (\w+)$/.exec(l));
    expect(sent.every(Boolean) && read.every(Boolean)).toBe(true);
    expect(sent.map((m) => m![1]).sort()).toEqual(['alice', 'bob', 'carol']);
    // Each record read back where send() said it went, with its key and value.
    const where = (p: string, o: string) => `${p}:${o}`;
    expect(read.map((m) => `${where(m![1]!, m![2]!)} ${m![3]}`).sort()).toEqual(sent.map((m) => `${where(m![2]!, m![3]!)} ${m![1]}`).sort());
    expect(read.every((m) => m![3] === m![4])).toBe(true);
  }, 240_000);
});
