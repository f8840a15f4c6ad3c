// kafkawire topics list|create|delete|describe
import type { Admin } from '../../admin/admin.js';
import { ZERO_UUID } from '../../codec/uuid.js';
import { keyValues } from '../config.js';
import { UsageError, type Cli, type Command } from '../cli.js';
import { EXIT } from '../exit-codes.js';
import { table } from '../table.js';

/** Partition status: leader, replicas, ISR, log start, high watermark and message count. */
export async function describeTopic(admin: Admin, topic: string) {
  const [d] = await admin.describeTopics([topic]);
  if (!d!.ok) throw d!.error;
  const t = d!.value;
  const parts = t.partitions.map((p) => ({ topic, partition: p.partition }));
  const [starts, ends] = await Promise.all([
    admin.listOffsets(parts.map((p) => ({ ...p, spec: 'earliest' as const }))),
    admin.listOffsets(parts.map((p) => ({ ...p, spec: 'latest' as const }))),
  ]);
  let messages = 0n;
  const partitions = t.partitions.map((p, i) => {
    const s = starts[i]!;
    const e = ends[i]!;
    const logStartOffset = s.ok ? s.value.offset : null;
    const highWatermark = e.ok ? e.value.offset : null;
    const count = logStartOffset !== null && highWatermark !== null ? highWatermark - logStartOffset : null;
    if (count !== null) messages += count;
    return { partition: p.partition, leader: p.leader, leaderEpoch: p.leaderEpoch, replicas: p.replicas, isr: p.isr, offlineReplicas: p.offlineReplicas, logStartOffset, highWatermark, messages: count, ...(s.ok && e.ok ? {} : { error: (s.error ?? e.error)!.message }) };
  });
  return { topic, topicId: t.topicId, internal: t.isInternal, replicationFactor: t.partitions[0]?.replicas.length ?? 0, partitions, messages };
}

export const topics: Command = {
  name: 'topics',
  summary: 'list, create, delete and describe topics (describe: leader, replicas, ISR, offsets, message count per partition)',
  usage: [
    'topics list [--internal]',
    'topics describe <topic>...',
    'topics create <topic> [--partitions <n>] [--replication-factor <n>] [--config-entry k=v]... [--if-not-exists]',
    'topics delete <topic>...',
  ],
  options: {
    internal: { type: 'boolean', description: 'list: include internal topics (__consumer_offsets, ...)' },
    partitions: { type: 'string', valueName: 'n', description: 'create: partition count (default: the broker\'s num.partitions)' },
    'replication-factor': { type: 'string', valueName: 'n', description: 'create: replicas per partition (default: the broker\'s default.replication.factor)' },
    'config-entry': { type: 'string', multiple: true, valueName: 'k=v', description: 'create: a topic config, e.g. retention.ms=86400000' },
    'if-not-exists': { type: 'boolean', description: 'create: succeed if the topic exists already' },
  },
  notes: 'describe: messages = high watermark − log start offset (transaction markers and compacted-away records count too).',
  async run(cli: Cli): Promise<number> {
    const sub = cli.arg(0, 'a subcommand (list, describe, create, delete)');
    const names = cli.args.slice(1);
    if (sub === 'list') cli.expectArgs(1);
    const admin = await cli.admin();
    switch (sub) {
      case 'list': {
        const list = await admin.listTopics({ listInternal: cli.flag('internal') });
        if (cli.json) cli.printJson(list.map((t) => ({ name: t.name, topicId: t.topicId, internal: t.isInternal })));
        else for (const t of list) cli.print(t.name);
        return EXIT.OK;
      }
      case 'describe': {
        if (names.length === 0) throw new UsageError('topics describe needs at least one topic');
        let code: number = EXIT.OK;
        for (const name of names) {
          try {
            const d = await describeTopic(admin, name);
            if (cli.json) {
              cli.printJson(d);
              continue;
            }
            // A broker before Kafka 2.8 has no topic ids: it gives every topic the all-zero id.
            cli.print(`Topic: ${d.topic}  TopicId: ${d.topicId === ZERO_UUID ? '-' : d.topicId}  Partitions: ${d.partitions.length}  ReplicationFactor: ${d.replicationFactor}  Messages: ${d.messages}`);
            cli.print(
              table(
                ['PARTITION', 'LEADER', 'REPLICAS', 'ISR', 'LOG-START', 'HIGH-WATERMARK', 'MESSAGES'],
                d.partitions.map((p) => [p.partition, p.leader < 0 ? 'none' : p.leader, p.replicas.join(','), p.isr.join(','), p.logStartOffset ?? '?', p.highWatermark ?? '?', p.messages ?? '?']),
                '  ',
              ),
            );
          } catch (e) {
            if (names.length === 1) throw e;
            code = EXIT.FAILED;
            cli.io.stderr.write(`kafkawire: error: ${name}: ${(e as Error).message}\n`);
          }
        }
        return code;
      }
      case 'create': {
        if (names.length !== 1) throw new UsageError('topics create takes one topic');
        const configs = Object.fromEntries(keyValues(cli.list('config-entry'), '--config-entry'));
        const [r] = await admin.createTopics([{ topic: names[0]!, numPartitions: cli.int('partitions', -1), replicationFactor: cli.int('replication-factor', -1), configs }]);
        if (!r!.ok) {
          if (cli.flag('if-not-exists') && 'errorName' in r!.error && r!.error.errorName === 'TOPIC_ALREADY_EXISTS') {
            if (cli.json) cli.printJson({ topic: r!.topic, created: false });
            else cli.print(`topic ${r!.topic} exists already`);
            return EXIT.OK;
          }
          throw r!.error;
        }
        if (cli.json) cli.printJson({ topic: r!.topic, created: true, topicId: r!.value.topicId, partitions: r!.value.numPartitions, replicationFactor: r!.value.replicationFactor });
        else cli.print(`created topic ${r!.topic} (${r!.value.numPartitions} partitions, replication factor ${r!.value.replicationFactor})`);
        return EXIT.OK;
      }
      case 'delete': {
        if (names.length === 0) throw new UsageError('topics delete needs at least one topic');
        const res = await admin.deleteTopics(names);
        for (const r of res) {
          if (cli.json) cli.printJson(r.ok ? { topic: r.topic, deleted: true } : { topic: r.topic, deleted: false, error: r.error.message });
          else if (r.ok) cli.print(`deleted topic ${r.topic}`);
          // One topic's failure is the command's error, printed once by main (with its exit code).
          else if (res.length > 1) cli.io.stderr.write(`kafkawire: error: ${r.topic}: ${r.error.message}\n`);
        }
        const bad = res.find((r) => !r.ok);
        return bad ? (res.length === 1 ? Promise.reject(bad.error) : EXIT.FAILED) : EXIT.OK;
      }
      default:
        throw new UsageError(`unknown subcommand topics ${sub}; expected list, describe, create or delete`);
    }
  },
};
