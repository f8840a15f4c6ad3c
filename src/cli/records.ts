// How the consumer commands show records: values as text lines, or JSON
// objects; bytes as UTF-8 or base64; and what they share: --from, --encoding,
// --consumer-property, and the topic's partitions.
import type { Admin } from '../admin/admin.js';
import type { ConsumerRecord } from '../consumer/completed-fetch.js';
import { KafkaError } from '../errors.js';
import { UsageError, type Cli } from './cli.js';
import { keyValues } from './config.js';
import { CONSUMER_PROPERTIES } from './consumer-config.js';

export type Encoding = 'utf8' | 'base64';
export type From = { kind: 'earliest' } | { kind: 'latest' } | { kind: 'offset'; offset: bigint } | { kind: 'time'; ms: number };

export function parseFrom(text: string): From {
  if (text === 'earliest' || text === 'latest') return { kind: text };
  if (/^@\d+$/.test(text) && Number.isSafeInteger(Number(text.slice(1)))) return { kind: 'time', ms: Number(text.slice(1)) };
  if (/^\d+$/.test(text)) return { kind: 'offset', offset: BigInt(text) };
  throw new UsageError(`--from ${JSON.stringify(text)}: expected earliest, latest, an offset, or @<milliseconds since the epoch>`);
}

export function parseEncoding(text: string | undefined): Encoding {
  if (text === undefined || text === 'utf8' || text === 'utf-8') return 'utf8';
  if (text === 'base64') return 'base64';
  throw new UsageError(`--encoding ${JSON.stringify(text)}: expected utf8 or base64`);
}

export function parseIsolation(text: string | undefined): 'read_committed' | 'read_uncommitted' | undefined {
  if (text === undefined) return undefined;
  if (text === 'read_committed' || text === 'read_uncommitted') return text;
  throw new UsageError(`--isolation ${JSON.stringify(text)}: expected read_committed or read_uncommitted`);
}

/** `k=v` consumer properties from a repeatable option; names the consumer does not know are a warning. */
export function consumerProps(cli: Cli, option: string): Record<string, string> {
  const props = Object.fromEntries(keyValues(cli.list(option), `--${option}`));
  for (const name of Object.keys(props)) if (!(name in CONSUMER_PROPERTIES)) cli.warn(`unknown consumer property ${name} in --${option} (ignored)`);
  return props;
}

export function bytes(b: Buffer | null, enc: Encoding): string | null {
  return b === null ? null : b.toString(enc);
}

/** The record as one JSON object: {"topic","partition","offset","timestamp","key","value","headers"}. */
export function recordJson(r: ConsumerRecord, enc: Encoding): Record<string, unknown> {
  return {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: bytes(r.key, enc),
    value: bytes(r.value, enc),
    headers: r.headers.map((h) => ({ key: h.key, value: bytes(h.value, enc) })),
  };
}

/** The record as a text line: the value ("null" for none), after the key and separator when one is given. */
export function recordLine(r: ConsumerRecord, enc: Encoding, keySeparator?: string): string {
  const value = bytes(r.value, enc) ?? 'null';
  if (keySeparator === undefined || r.key === null) return value;
  return `${bytes(r.key, enc)}${keySeparator}${value}`;
}

/** The topic's partition numbers; a topic that does not exist fails here, by name. */
export async function topicPartitions(admin: Admin, topic: string): Promise<number[]> {
  const [t] = await admin.describeTopics([topic]);
  if (!t!.ok) throw t!.error;
  return t!.value.partitions.map((p) => p.partition).sort((a, b) => a - b);
}

export function checkPartition(topic: string, partitions: number[], partition: number): void {
  if (!partitions.includes(partition)) {
    throw new KafkaError(`topic ${topic} has no partition ${partition} (it has ${partitions.length}: 0 to ${partitions.length - 1})`, false, { topic, partition });
  }
}

/** Log start and end offset of one partition (the end: high watermark, or the last stable offset with read_committed). */
export async function partitionRange(admin: Admin, topic: string, partition: number, isolationLevel?: 'read_committed' | 'read_uncommitted'): Promise<{ start: bigint; end: bigint }> {
  // One partition per listOffsets call: the call answers once per partition.
  const [[first], [last]] = await Promise.all([admin.listOffsets([{ topic, partition, spec: 'earliest' }]), admin.listOffsets([{ topic, partition, spec: 'latest' }], { isolationLevel })]);
  if (!first!.ok) throw first!.error;
  if (!last!.ok) throw last!.error;
  return { start: first!.value.offset, end: last!.value.offset };
}

/** Writes text to stdout, waiting while the pipe is full (so a slow reader slows the consumer, not memory). */
export async function writeOut(cli: Cli, text: string): Promise<void> {
  if (text === '') return;
  const out = cli.io.stdout;
  // Once the reader is gone, output is dropped (no 'drain' would ever come).
  if ((out as { destroyed?: boolean }).destroyed === true) return;
  if (out.write(text)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('error', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('error', done);
    out.on('close', done);
  });
}
