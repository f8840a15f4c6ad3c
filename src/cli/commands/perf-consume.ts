// kafkawire perf consume: the consumer benchmark of kafka-consumer-perf-test,
// with its options and summary fields.
import { randomInt } from 'node:crypto';
import { applyProperties, emptySettings, keyValues } from '../config.js';
import { UsageError, type Cli } from '../cli.js';
import { EXIT } from '../exit-codes.js';
import { parseFrom } from '../records.js';

export interface ConsumePerfSummary {
  startTime: string;
  endTime: string;
  records: number;
  /** Key and value bytes, in MiB (as the Java tool counts them). */
  mb: number;
  mbPerSec: number;
  recordsPerSec: number;
  elapsedMs: number;
  /** From the start until the group assigned the first partitions (Java's rebalance.time.ms). */
  rebalanceMs: number;
  /** elapsedMs − rebalanceMs: the time spent fetching. */
  fetchMs: number;
  fetchMbPerSec: number;
  fetchRecordsPerSec: number;
}

export const PERF_CONSUME_OPTIONS = {
  messages: { type: 'string', valueName: 'n', description: 'consume: records to read' },
  group: { type: 'string', valueName: 'id', description: 'consume: the consumer group (default perf-consumer-<random>, as the Java tool)' },
  from: { type: 'string', valueName: 'earliest|latest', description: 'consume: where a partition without a committed offset starts (default earliest, as the Java tool)' },
  timeout: { type: 'string', valueName: 'ms', description: 'consume: give up when no record came for this long (default 10000)' },
  'consumer-props': { type: 'string', variadic: true, valueName: 'k=v', description: 'consume: consumer properties, Java names, as many as follow it (fetch.max.wait.ms=100 max.poll.records=1000 ...)' },
} as const;

/** Summary text: the Java tool's header and row (its column names), then the same in words. */
export function formatConsumeSummary(s: ConsumePerfSummary): string {
  const f = (x: number, d = 4) => x.toFixed(d);
  return [
    'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec',
    `${s.startTime}, ${s.endTime}, ${f(s.mb)}, ${f(s.mbPerSec)}, ${s.records}, ${f(s.recordsPerSec)}, ${Math.round(s.rebalanceMs)}, ${Math.round(s.fetchMs)}, ${f(s.fetchMbPerSec)}, ${f(s.fetchRecordsPerSec)}`,
  ].join('\n');
}

export async function perfConsume(cli: Cli): Promise<number> {
  const topic = cli.str('topic');
  if (!topic) throw new UsageError('perf consume needs --topic');
  // --messages is the Java tool's name; --num-records its newer one (and perf produce's).
  const n = cli.int('messages') ?? cli.int('num-records');
  if (n === undefined || n <= 0) throw new UsageError('perf consume needs --messages > 0');
  const from = parseFrom(cli.str('from') ?? 'earliest');
  if (from.kind !== 'earliest' && from.kind !== 'latest') throw new UsageError('perf consume: --from is earliest or latest');
  const timeoutMs = cli.int('timeout', 10_000)!;
  if (timeoutMs <= 0) throw new UsageError('--timeout must be > 0');
  const extra = emptySettings();
  const props = keyValues(cli.list('consumer-props'), '--consumer-props');
  applyProperties(extra, props, '--consumer-props');
  for (const [name] of props) {
    if (!(name in extra.consumer) && !/^(bootstrap|security|ssl|sasl)\./.test(name)) cli.warn(`${name} in --consumer-props is not a consumer property (ignored)`);
  }
  if (extra.bootstrapServers) cli.settings.bootstrapServers = extra.bootstrapServers;
  if (extra.sasl) cli.settings.sasl = extra.sasl;
  if (extra.tls) cli.settings.tls = extra.tls;
  const groupId = cli.str('group') ?? extra.consumer['group.id'] ?? cli.settings.consumer['group.id'] ?? `perf-consumer-${randomInt(100_000)}`;

  await cli.admin();
  const consumer = await cli.consumer({ groupId, autoOffsetReset: from.kind, clientId: extra.consumer['client.id'] ?? cli.settings.consumer['client.id'] ?? 'kafkawire-perf' }, extra.consumer);
  const t0 = performance.now();
  const startTime = new Date();
  let assignedAt: number | null = null;
  consumer.subscribe([topic], {
    onPartitionsAssigned: (tps) => {
      if (tps.length > 0) assignedAt ??= performance.now();
    },
  });
  let records = 0;
  let byteCount = 0;
  let lastRecordAt = performance.now();
  let interrupted = false;
  const removeInterrupt = cli.onInterrupt(() => {
    interrupted = true;
  });
  const interval = cli.int('reporting-interval', 5000)!;
  let lastReport = t0;
  let windowRecords = 0;
  try {
    while (records < n && !interrupted) {
      const batch = await consumer.poll(100);
      const now = performance.now();
      if (batch.length === 0) {
        if (now - lastRecordAt >= timeoutMs) break;
        continue;
      }
      lastRecordAt = now;
      records += batch.length;
      windowRecords += batch.length;
      for (const r of batch) byteCount += (r.key?.length ?? 0) + (r.value?.length ?? 0);
      if (now - lastReport >= interval) {
        cli.progress(`${records} records consumed, ${((windowRecords * 1000) / (now - lastReport)).toFixed(1)} records/sec`);
        lastReport = now;
        windowRecords = 0;
      }
    }
  } finally {
    removeInterrupt();
  }
  const elapsedMs = performance.now() - t0;
  const endTime = new Date();
  cli.endProgress();
  await consumer.close({ timeoutMs: 10_000 });
  const rebalanceMs = assignedAt === null ? elapsedMs : (assignedAt as number) - t0;
  const fetchMs = Math.max(elapsedMs - rebalanceMs, 0.001);
  const mb = byteCount / 1048576;
  const secs = Math.max(elapsedMs, 0.001) / 1000;
  const summary: ConsumePerfSummary = {
    startTime: startTime.toISOString(),
    endTime: endTime.toISOString(),
    records,
    mb,
    mbPerSec: mb / secs,
    recordsPerSec: records / secs,
    elapsedMs,
    rebalanceMs,
    fetchMs,
    fetchMbPerSec: mb / (fetchMs / 1000),
    fetchRecordsPerSec: records / (fetchMs / 1000),
  };
  if (cli.json) cli.printJson(summary);
  else cli.print(formatConsumeSummary(summary));
  if (interrupted) return EXIT.INTERRUPTED;
  if (records < n) {
    cli.warn(`exiting before consuming the expected number of records: ${records} of ${n}, none came for ${timeoutMs} ms (--timeout)`);
    return EXIT.FAILED;
  }
  return EXIT.OK;
}
