// Apache Kafka's own console producer and consumer, as an independent oracle:
// what kafkawire writes must read back through Java, and Java's choices
// (partitions for keys) must match kafkawire's.
import { kafka, kafkaTool } from './kafka.js';

export interface JavaRecord {
  partition: number;
  offset: bigint;
  key: string | null;
  value: string;
}

/** Produces tab-separated key/value lines with the Java console producer (keys and values must not hold tabs or newlines). */
export async function javaProduce(topic: string, records: Array<[key: string, value: string]>, extra: string[] = []): Promise<void> {
  const input = records.map(([k, v]) => `${k}\t${v}`).join('\n') + '\n';
  await kafkaTool(
    'consoleProducer',
    ['--bootstrap-server', kafka.bootstrap, '--topic', topic, '--reader-property', 'parse.key=true', '--reader-property', 'key.separator=\t', '--producer-property', 'linger.ms=50', ...extra],
    { input, timeoutMs: 180_000 },
  );
}

/** Reads `count` records from the beginning with the Java console consumer. */
export async function javaConsume(topic: string, count: number, opts: { readCommitted?: boolean; timeoutMs?: number } = {}): Promise<JavaRecord[]> {
  const args = [
    '--bootstrap-server', kafka.bootstrap, '--topic', topic, '--from-beginning', '--max-messages', String(count),
    '--timeout-ms', String(opts.timeoutMs ?? 20_000),
    '--formatter-property', 'print.partition=true', '--formatter-property', 'print.offset=true', '--formatter-property', 'print.key=true',
    '--formatter-property', 'null.literal=<null>',
  ];
  if (opts.readCommitted) args.push('--isolation-level', 'read_committed');
  let out: string;
  try {
    out = await kafkaTool('consoleConsumer', args, { timeoutMs: 240_000 });
  } catch (e) {
    // The console consumer exits non-zero when --timeout-ms passes before --max-messages; what it printed still counts.
    const m = /stdout:\n([\s\S]*?)\nstderr:/.exec((e as Error).message);
    if (!m) throw e;
    out = m[1] ?? '';
  }
  const records: JavaRecord[] = [];
  for (const line of out.split('\n')) {
    const m = /^Partition:(\d+)\tOffset:(\d+)\t(.*?)\t(.*)$/s.exec(line);
    if (m) records.push({ partition: Number(m[1]), offset: BigInt(m[2]!), key: m[3] === '<null>' ? null : m[3]!, value: m[4]! });
  }
  return records;
}
