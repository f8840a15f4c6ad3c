// kafkawire get <topic> <partition> <offset>: the one record at that offset,
// or why there is none (outside the log, or a marker / compacted-away offset).
import type { ConsumerRecord } from '../../consumer/completed-fetch.js';
import { KafkaError, KafkaTimeoutError } from '../../errors.js';
import { UsageError, type Cli, type Command } from '../cli.js';
import { EXIT } from '../exit-codes.js';
import { bytes, checkPartition, consumerProps, parseEncoding, parseIsolation, partitionRange, recordJson, topicPartitions, type Encoding } from '../records.js';

export const get: Command = {
  name: 'get',
  summary: 'show the record at one offset of a partition (did my message arrive?)',
  usage: ['get <topic> <partition> <offset> [--encoding utf8|base64] [--isolation read_committed] [--timeout-ms <ms>]'],
  options: {
    encoding: { type: 'string', valueName: 'enc', description: 'utf8 (default; values that are not UTF-8 are shown in base64) or base64' },
    isolation: { type: 'string', valueName: 'level', description: 'read_uncommitted (default) or read_committed' },
    'timeout-ms': { type: 'string', valueName: 'ms', description: 'how long to wait for the record (default 30000)' },
    'consumer-property': { type: 'string', multiple: true, valueName: 'k=v', description: 'a consumer property, Java name' },
  },
  notes:
    'Exit code 1, with the reason, when the offset is below the log start or at/after the end (the valid range is named),\n' +
    'or holds no data record (a transaction marker, an aborted record with read_committed, or a record removed by\n' +
    'compaction: the next offset that holds one is named). With --json: {"topic","partition","offset","timestamp","key","value","headers"}.',
  async run(cli: Cli): Promise<number> {
    const topic = cli.arg(0, 'the topic');
    const partitionText = cli.arg(1, 'the partition');
    const offsetText = cli.arg(2, 'the offset');
    if (cli.args.length > 3) throw new UsageError(`unexpected argument ${JSON.stringify(cli.args[3])}; usage: kafkawire ${get.usage[0]}`);
    if (!/^\d+$/.test(partitionText)) throw new UsageError(`partition ${JSON.stringify(partitionText)}: expected a number ≥ 0`);
    if (!/^\d+$/.test(offsetText)) throw new UsageError(`offset ${JSON.stringify(offsetText)}: expected a number ≥ 0`);
    const partition = Number(partitionText);
    const offset = BigInt(offsetText);
    const explicitEnc = cli.str('encoding');
    const enc = parseEncoding(explicitEnc);
    const isolationLevel = parseIsolation(cli.str('isolation'));
    const timeoutMs = cli.int('timeout-ms', 30_000)!;
    if (timeoutMs <= 0) throw new UsageError('--timeout-ms must be > 0');
    const props = consumerProps(cli, 'consumer-property');

    const admin = await cli.admin();
    checkPartition(topic, await topicPartitions(admin, topic), partition);
    const where = `${topic}-${partition}`;
    const { start, end } = await partitionRange(admin, topic, partition, isolationLevel);
    const range = end > start ? `valid offsets are ${start} to ${end - 1n}` : `the partition holds no records now (log start = end = ${end})`;
    if (offset < start) {
      throw new KafkaError(`offset ${offset} of ${where} is below the log start offset ${start} (older records were deleted by retention or deleteRecords); ${range}`, false, { topic, partition });
    }
    if (offset >= end) {
      const lso = isolationLevel === 'read_committed' ? ' (with read_committed, the last stable offset: records of open transactions may lie beyond it)' : '';
      throw new KafkaError(`offset ${offset} of ${where} is at or after the end offset ${end}${lso}: no record has been written there yet; ${range}`, false, { topic, partition });
    }

    const consumer = await cli.consumer({ groupId: null, maxPollRecords: 1, autoOffsetReset: 'none', ...(isolationLevel ? { isolationLevel } : {}) }, props);
    const tp = { topic, partition };
    consumer.assign([tp]);
    consumer.seek(tp, offset);
    const deadline = Date.now() + timeoutMs;
    let found: ConsumerRecord | undefined;
    for (;;) {
      [found] = await consumer.poll(Math.max(0, Math.min(500, deadline - Date.now())));
      if (found) break;
      // Nothing handed out, but the position moved: the offset held only control (or aborted) records.
      const pos = await consumer.position(tp);
      if (pos >= end) {
        throw new KafkaError(
          `offset ${offset} of ${where} holds no data record (${noDataReason(isolationLevel)}); ` +
            `no data record follows it before the end offset ${end}${end > start ? `; ${range}` : ''}`,
          false,
          { topic, partition },
        );
      }
      if (Date.now() >= deadline) throw new KafkaTimeoutError(`no record at offset ${offset} of ${where} came within ${timeoutMs} ms (--timeout-ms); the partition leader may be unavailable`, { topic, partition });
    }
    if (found.offset !== offset) {
      throw new KafkaError(`offset ${offset} of ${where} holds no data record (${noDataReason(isolationLevel)}); the next record is at offset ${found.offset}`, false, { topic, partition });
    }
    if (cli.json) cli.printJson(recordJson(found, enc));
    else cli.print(describe(found, explicitEnc === undefined ? null : enc));
    return EXIT.OK;
  },
};

function noDataReason(isolationLevel: string | undefined): string {
  return `a transaction commit/abort marker${isolationLevel === 'read_committed' ? ', a record of an aborted transaction' : ''}, or a record removed by log compaction`;
}

/** Bytes for a person: UTF-8 when they are, else base64 (unless an encoding was asked for). */
function show(b: Buffer | null, enc: Encoding | null): string {
  if (b === null) return 'null';
  if (enc !== null) return bytes(b, enc)!;
  const text = b.toString('utf8');
  return Buffer.from(text, 'utf8').equals(b) ? text : `(base64) ${b.toString('base64')}`;
}

function describe(r: ConsumerRecord, enc: Encoding | null): string {
  const time = r.timestamp >= 0 ? `${r.timestamp} (${new Date(r.timestamp).toISOString()}, ${r.timestampType === 'log-append' ? 'log append time' : 'create time'})` : 'none';
  return [
    `topic:     ${r.topic}`,
    `partition: ${r.partition}`,
    `offset:    ${r.offset}`,
    `timestamp: ${time}`,
    `key:       ${show(r.key, enc)}`,
    `headers:   ${r.headers.length === 0 ? '(none)' : r.headers.map((h) => `${h.key}=${show(h.value, enc)}`).join(', ')}`,
    `value:     ${show(r.value, enc)}`,
  ].join('\n');
}
