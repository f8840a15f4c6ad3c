// kafkawire offsets reset <group> <topic> --to ...: a dry run unless --execute.
import { KafkaError } from '../../errors.js';
import { UsageError, type Cli, type Command } from '../cli.js';
import { EXIT } from '../exit-codes.js';
import { table } from '../table.js';

type Target = { kind: 'earliest' } | { kind: 'latest' } | { kind: 'offset'; offset: bigint } | { kind: 'time'; ms: bigint };

export function parseTarget(text: string | undefined): Target {
  if (text === undefined) throw new UsageError('offsets reset needs --to earliest|latest|<offset>|@<epoch-ms>');
  if (text === 'earliest' || text === 'latest') return { kind: text };
  if (/^@\d+$/.test(text)) return { kind: 'time', ms: BigInt(text.slice(1)) };
  if (/^\d+$/.test(text)) return { kind: 'offset', offset: BigInt(text) };
  throw new UsageError(`--to ${JSON.stringify(text)}: expected earliest, latest, an offset, or @<milliseconds since the epoch>`);
}

export const offsets: Command = {
  name: 'offsets',
  summary: 'reset a consumer group\'s committed offsets for a topic (a dry run unless --execute)',
  usage: ['offsets reset <group> <topic> --to earliest|latest|<offset>|@<epoch-ms> [--partition <n>]... [--execute]'],
  options: {
    to: { type: 'string', valueName: 'where', description: 'earliest, latest, an offset (clamped to the partition\'s range), or @<epoch-ms> (first offset at or after that time; the end if none)' },
    partition: { type: 'string', multiple: true, valueName: 'n', description: 'only these partitions (default: all of the topic)' },
    execute: { type: 'boolean', description: 'commit the new offsets (without it, only show them)' },
  },
  notes: 'Refuses while the group has active members: stop its consumers first.',
  async run(cli: Cli): Promise<number> {
    const sub = cli.arg(0, 'a subcommand (reset)');
    if (sub !== 'reset') throw new UsageError(`unknown subcommand offsets ${sub}; expected reset`);
    const groupId = cli.arg(1, 'the group');
    const topic = cli.arg(2, 'the topic');
    cli.expectArgs(3);
    const target = parseTarget(cli.str('to'));
    const admin = await cli.admin();

    const [desc] = await admin.describeConsumerGroups([groupId]);
    if (desc!.ok && desc!.value.members.length > 0) {
      throw new KafkaError(`group ${groupId} has ${desc!.value.members.length} active member(s) (state ${desc!.value.state}): stop its consumers before resetting offsets`, false);
    }
    if (!desc!.ok && !('errorName' in desc!.error && desc!.error.errorName === 'GROUP_ID_NOT_FOUND')) throw desc!.error;

    const [t] = await admin.describeTopics([topic]);
    if (!t!.ok) throw t!.error;
    const all = t!.value.partitions.map((p) => p.partition);
    const only = cli.list('partition').map((p) => {
      const n = Number(p);
      if (!Number.isInteger(n) || !all.includes(n)) throw new UsageError(`--partition ${p}: topic ${topic} has partitions 0-${all.length - 1}`);
      return n;
    });
    const parts = (only.length > 0 ? only : all).map((partition) => ({ topic, partition }));
    const [current] = await admin.listConsumerGroupOffsets({ [groupId]: parts });
    if (!current!.ok) throw current!.error;
    const committed = new Map(current!.value.map((o) => [o.partition, o.offset]));
    const [starts, ends] = await Promise.all([
      admin.listOffsets(parts.map((p) => ({ ...p, spec: 'earliest' as const }))),
      admin.listOffsets(parts.map((p) => ({ ...p, spec: 'latest' as const }))),
    ]);
    const byTime = target.kind === 'time' ? await admin.listOffsets(parts.map((p) => ({ ...p, spec: { timestamp: target.ms } }))) : null;
    const plan = parts.map((p, i) => {
      const s = starts[i]!;
      const e = ends[i]!;
      if (!s.ok) throw s.error;
      if (!e.ok) throw e.error;
      const lo = s.value.offset;
      const hi = e.value.offset;
      let next: bigint;
      if (target.kind === 'earliest') next = lo;
      else if (target.kind === 'latest') next = hi;
      else if (target.kind === 'offset') next = target.offset < lo ? lo : target.offset > hi ? hi : target.offset;
      else {
        const r = byTime![i]!;
        if (!r.ok) throw r.error;
        next = r.value.offset < 0n ? hi : r.value.offset;
      }
      return { topic, partition: p.partition, current: committed.get(p.partition) ?? null, next };
    });

    const execute = cli.flag('execute');
    if (execute) {
      const res = await admin.alterConsumerGroupOffsets(groupId, plan.map((p) => ({ topic, partition: p.partition, offset: p.next })));
      const bad = res.find((r) => !r.ok);
      if (bad) throw bad.error;
    }
    if (cli.json) {
      cli.printJson({ groupId, topic, executed: execute, partitions: plan.map((p) => ({ partition: p.partition, currentOffset: p.current, newOffset: p.next })) });
    } else {
      cli.print(execute ? `Reset group ${groupId} on ${topic}:` : `Dry run (add --execute to commit) for group ${groupId} on ${topic}:`);
      cli.print(table(['PARTITION', 'CURRENT', 'NEW'], plan.map((p) => [p.partition, p.current ?? '-', p.next]), '  '));
    }
    return EXIT.OK;
  },
};
