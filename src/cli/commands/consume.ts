// kafkawire consume <topic>: records to stdout, one value per line (or JSON),
// from a chosen position or as a member of a group that commits what was printed.
import type { Consumer } from '../../consumer/consumer.js';
import type { TopicPartition } from '../../consumer/group/contract.js';
import { KafkaError } from '../../errors.js';
import { UsageError, type Cli, type Command } from '../cli.js';
import { EXIT } from '../exit-codes.js';
import { RateMeter } from '../progress.js';
import { checkPartition, consumerProps, parseEncoding, parseFrom, parseIsolation, partitionRange, recordJson, recordLine, topicPartitions, writeOut, type From } from '../records.js';
import { toJson } from '../cli.js';

/** How long `--from latest` may see nothing before the note on where it starts. */
const LATEST_HINT_MS = 3000;

export const consume: Command = {
  name: 'consume',
  summary: 'print a topic\'s records (values as lines, or --json); from earliest, latest, an offset or a time, or as a group member',
  usage: [
    'consume <topic> [--from earliest|latest|<offset>|@<epoch-ms>] [--partition <n>] [--count <n>] [--timeout-ms <ms>] [--isolation read_committed] [--encoding utf8|base64]',
    'consume <topic> --group <id> [--from earliest|latest] [--count <n>] [--timeout-ms <ms>]',
  ],
  options: {
    from: { type: 'string', valueName: 'where', description: 'earliest, latest (default, as Java: only records produced from now on), an offset (needs --partition), or @<epoch-ms> (the first record at or after that time)' },
    group: { type: 'string', valueName: 'id', description: 'consume as a member of this group, committing what was printed; --from then applies to partitions without a committed offset' },
    partition: { type: 'string', valueName: 'n', description: 'only this partition (not with --group)' },
    count: { type: 'string', valueName: 'n', description: 'exit after this many records' },
    'timeout-ms': { type: 'string', valueName: 'ms', description: 'exit when no record came for this long' },
    isolation: { type: 'string', valueName: 'level', description: 'read_uncommitted (default) or read_committed (hide aborted and open transactions)' },
    encoding: { type: 'string', valueName: 'enc', description: 'how keys, values and header values are printed: utf8 (default) or base64' },
    'key-separator': { type: 'string', valueName: 's', description: 'print key<s>value for records with a key (as produce --key-separator reads it)' },
    'consumer-property': { type: 'string', multiple: true, valueName: 'k=v', description: 'a consumer property, Java name (fetch.max.wait.ms=100, group.protocol=consumer, ...)' },
  },
  notes:
    'Output: each record\'s value on a line ("null" for none); with --json one object per record:\n' +
    '{"topic","partition","offset","timestamp","key","value","headers":[{"key","value"}]}.\n' +
    'With --group, the offsets of printed records are committed every auto.commit.interval.ms (5000), when partitions\n' +
    'are revoked, and on exit (also on Ctrl-C); records fetched but not printed are not committed (partitions that\n' +
    'gave no records commit their position, as Java\'s auto commit does).\n' +
    'Exit code 1 when --count records did not arrive before --timeout-ms; 130 on Ctrl-C.',
  async run(cli: Cli): Promise<number> {
    const topic = cli.arg(0, 'the topic');
    if (cli.args.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(cli.args[1])}; usage: kafkawire ${consume.usage[0]}`);
    const fromText = cli.str('from');
    const from = parseFrom(fromText ?? 'latest');
    const props = consumerProps(cli, 'consumer-property');
    const groupId = cli.str('group') ?? props['group.id'] ?? cli.settings.consumer['group.id'] ?? null;
    if (groupId === '') throw new UsageError('--group must not be empty');
    const partition = cli.int('partition');
    if (partition !== undefined && partition < 0) throw new UsageError('--partition must be ≥ 0');
    const count = cli.int('count');
    if (count !== undefined && count <= 0) throw new UsageError('--count must be > 0');
    const timeoutMs = cli.int('timeout-ms');
    if (timeoutMs !== undefined && timeoutMs <= 0) throw new UsageError('--timeout-ms must be > 0');
    const isolationLevel = parseIsolation(cli.str('isolation'));
    const enc = parseEncoding(cli.str('encoding'));
    const keySeparator = cli.str('key-separator');
    if (groupId !== null && partition !== undefined) throw new UsageError('--partition cannot be used with a group (as in Java): the group assigns partitions; leave out --group to read one partition');
    if (groupId !== null && (from.kind === 'offset' || from.kind === 'time')) {
      throw new UsageError('with --group, --from is earliest or latest (where partitions without a committed offset start); to move a group, use kafkawire offsets reset');
    }
    if (from.kind === 'offset' && partition === undefined) throw new UsageError('--from <offset> needs --partition <n> (an offset belongs to one partition); --from earliest, latest or @<epoch-ms> work for all');

    // Fails fast (exit 3) when the cluster is unreachable, and names a topic that does not exist.
    const admin = await cli.admin();
    const partitions = await topicPartitions(admin, topic);
    if (partition !== undefined) checkPartition(topic, partitions, partition);
    const tps: TopicPartition[] = (partition === undefined ? partitions : [partition]).map((p) => ({ topic, partition: p }));
    if (from.kind === 'offset') {
      const { start, end } = await partitionRange(admin, topic, partition!, isolationLevel);
      if (from.offset < start || from.offset > end) throw new KafkaError(`--from ${from.offset}: ${topic}-${partition} holds offsets ${start} to ${end - 1n} (log start ${start}, end ${end})`, false, { topic, partition });
    }

    const commits = groupId !== null && props['enable.auto.commit'] !== 'false' && cli.settings.consumer['enable.auto.commit'] !== 'false';
    const consumer = await cli.consumer(
      {
        groupId,
        // The CLI commits exactly what it printed (see below), never what was only fetched.
        enableAutoCommit: false,
        autoOffsetReset: from.kind === 'earliest' ? 'earliest' : 'latest',
        ...(isolationLevel ? { isolationLevel } : {}),
      },
      props,
    );
    const interval = Number(props['auto.commit.interval.ms'] ?? cli.settings.consumer['auto.commit.interval.ms'] ?? 5000);
    const key = (tp: TopicPartition) => `${tp.topic}:${tp.partition}`;
    // Per partition that handed out records: where reading resumes (after the last printed, or the first not printed).
    const printed = new Map<string, bigint>();
    /**
     * Commits what was printed; a partition that handed out nothing commits
     * its position (where it would start), as Java's auto commit does, so a
     * group that saw nothing with --from latest resumes there next time.
     */
    const commit = async (only?: TopicPartition[]) => {
      const offsets: Array<TopicPartition & { offset: bigint }> = [];
      for (const tp of only ?? consumer.assignment()) {
        const done = printed.get(key(tp));
        if (done !== undefined) offsets.push({ ...tp, offset: done });
        else {
          const pos = await consumer.position(tp, { timeoutMs: 5000 }).catch(() => null);
          if (pos !== null) offsets.push({ ...tp, offset: pos });
        }
      }
      if (offsets.length > 0) await consumer.commitSync(offsets);
    };
    let closing = false;

    if (groupId !== null) {
      consumer.subscribe([topic], {
        onPartitionsRevoked: async (revoked) => {
          if (commits && !closing) await commit(revoked).catch((e: unknown) => cli.warn(`committing revoked partitions failed: ${(e as Error).message}`));
          for (const tp of revoked) printed.delete(key(tp));
        },
      });
    } else {
      consumer.assign(tps);
      await seekAll(consumer, tps, from);
    }

    let stop = false;
    let interrupted = false;
    let pipeClosed = false;
    const removeInterrupt = cli.onInterrupt(() => {
      interrupted = true;
      stop = true;
    });
    // `kafkawire consume ... | head`: the reader went away; stop quietly.
    const onOutError = () => {
      pipeClosed = true;
      stop = true;
    };
    cli.io.stdout.on('error', onOutError);
    const progress = cli.io.stderr.isTTY === true && cli.io.stdout.isTTY !== true;
    const meter = new RateMeter();
    const started = Date.now();
    let lastRecordAt = started;
    let lastCommit = started;
    let hinted = false;
    let n = 0;
    try {
      while (!stop) {
        const records = await consumer.poll(250);
        let text = '';
        for (const r of records) {
          if (stop) {
            // Handed out after --count was reached: not printed, so the group resumes at the first of them.
            if (!printed.has(key(r))) printed.set(key(r), r.offset);
            continue;
          }
          text += cli.json ? `${toJson(recordJson(r, enc))}\n` : `${recordLine(r, enc, keySeparator)}\n`;
          printed.set(key(r), r.offset + 1n);
          n++;
          if (count !== undefined && n >= count) stop = true;
        }
        await writeOut(cli, text);
        const now = Date.now();
        if (records.length > 0) {
          lastRecordAt = now;
          meter.add(records.length);
          if (progress && meter.due()) cli.progress(meter.describe('records'));
        } else {
          if (!hinted && from.kind === 'latest' && n === 0 && now - started >= LATEST_HINT_MS) {
            hinted = true;
            await latestHint(cli, tps, groupId, isolationLevel);
          }
          if (timeoutMs !== undefined && now - lastRecordAt >= timeoutMs) break;
        }
        if (commits && now - lastCommit >= interval) {
          lastCommit = now;
          await commit().catch((e: unknown) => cli.warn(`commit failed: ${(e as Error).message}`));
        }
      }
    } finally {
      removeInterrupt();
      closing = true;
      if (commits) await commit().catch((e: unknown) => cli.warn(`the commit on exit failed: ${(e as Error).message}`));
      await consumer.close({ timeoutMs: 10_000 });
      cli.io.stdout.off('error', onOutError);
      if (progress) {
        cli.endProgress();
        cli.io.stderr.write(`Processed a total of ${n} records\n`);
      }
    }
    if (interrupted) return EXIT.INTERRUPTED;
    if (pipeClosed) return EXIT.OK;
    if (count !== undefined && n < count) {
      cli.io.stderr.write(`kafkawire: error: got ${n} of ${count} records: none came for ${timeoutMs} ms (--timeout-ms)\n`);
      return EXIT.FAILED;
    }
    return EXIT.OK;
  },
};

/** Sets where each assigned partition starts (no group). */
async function seekAll(consumer: Consumer, tps: TopicPartition[], from: From): Promise<void> {
  switch (from.kind) {
    case 'earliest':
      consumer.seekToBeginning(tps);
      return;
    case 'latest':
      consumer.seekToEnd(tps);
      return;
    case 'offset':
      for (const tp of tps) consumer.seek(tp, from.offset);
      return;
    case 'time': {
      const found = await consumer.offsetsForTimes(tps.map((tp) => ({ ...tp, timestamp: from.ms })));
      const none: TopicPartition[] = [];
      for (const f of found) {
        if (f.offset === null) none.push({ topic: f.topic, partition: f.partition });
        else consumer.seek(f, f.offset);
      }
      // No record at or after that time: start at the end, as kafka-consumer-groups --to-datetime does.
      if (none.length > 0) consumer.seekToEnd(none);
    }
  }
}

/** The note for users who expected to see the records already in the topic. */
async function latestHint(cli: Cli, tps: TopicPartition[], groupId: string | null, isolationLevel: 'read_committed' | 'read_uncommitted' | undefined): Promise<void> {
  let held = '';
  try {
    const admin = await cli.admin();
    let total = 0n;
    for (const tp of tps) {
      const { start, end } = await partitionRange(admin, tp.topic, tp.partition, isolationLevel);
      total += end - start;
    }
    held = ` (it holds ${total} record${total === 1n ? '' : 's'} now)`;
  } catch {
    // The note does without the count.
  }
  const topic = tps[0]?.topic ?? '';
  cli.io.stderr.write(
    `kafkawire: note: no records yet. --from latest (the default, as in Java) shows only records produced after the consumer started` +
      `${groupId !== null ? ', for partitions the group has no committed offset for' : ''}; to read what ${topic} already holds${held}, use --from earliest\n`,
  );
}
