// kafkawire groups list|describe|delete
import type { Admin } from '../../admin/admin.js';
import type { ShareGroupDescription } from '../../admin/share-groups.js';
import type { StreamsGroupDescription, StreamsTasks } from '../../admin/streams-groups.js';
import { KafkaError, UnsupportedVersionError } from '../../errors.js';
import { KafkaBrokerError } from '../../messages/error-codes.js';
import { UsageError, type Cli, type Command } from '../cli.js';
import { EXIT } from '../exit-codes.js';
import { table } from '../table.js';

/** The group is not of the type asked about (or does not exist at all). */
function notThisType(e: KafkaError): boolean {
  return (e instanceof KafkaBrokerError && e.errorName === 'GROUP_ID_NOT_FOUND') || e instanceof UnsupportedVersionError;
}

/**
 * The group as a share group, else as a streams group; null when it is
 * neither (or the cluster has no such groups).
 */
async function otherGroupType(admin: Admin, groupId: string): Promise<ShareGroupDescription | StreamsGroupDescription | null> {
  const [share] = await admin.describeShareGroups([groupId]);
  if (share!.ok) return share!.value;
  if (!notThisType(share!.error)) throw share!.error;
  const [streams] = await admin.describeStreamsGroups([groupId]);
  if (streams!.ok) return streams!.value;
  if (!notThisType(streams!.error)) throw streams!.error;
  return null;
}

async function describeShare(cli: Cli, admin: Admin, d: ShareGroupDescription): Promise<number> {
  const [offs] = await admin.listShareGroupOffsets(d.groupId);
  if (!offs!.ok) throw offs!.error;
  const rows = new Map<string, { topic: string; partition: number; startOffset: bigint | null; lag: bigint | null; owners: Array<{ memberId: string; clientId: string; host: string }> }>();
  const key = (t: string, p: number) => `${t}\u0000${p}`;
  for (const o of offs!.value) rows.set(key(o.topic, o.partition), { topic: o.topic, partition: o.partition, startOffset: o.startOffset, lag: o.lag, owners: [] });
  for (const m of d.members) {
    for (const tp of m.assignment) {
      const row = rows.get(key(tp.topic, tp.partition)) ?? { topic: tp.topic, partition: tp.partition, startOffset: null, lag: null, owners: [] };
      row.owners.push({ memberId: m.memberId, clientId: m.clientId, host: m.host });
      rows.set(key(tp.topic, tp.partition), row);
    }
  }
  const partitions = [...rows.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  const totalLag = partitions.reduce((s, p) => s + (p.lag ?? 0n), 0n);
  if (cli.json) {
    cli.printJson({
      groupId: d.groupId,
      state: d.state,
      type: 'share',
      assignor: d.partitionAssignor,
      coordinator: d.coordinator?.id ?? null,
      members: d.members.length,
      totalLag,
      partitions,
      memberDetails: d.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, host: m.host, memberEpoch: m.memberEpoch, subscribedTopics: m.subscribedTopics, assignment: m.assignment })),
    });
    return EXIT.OK;
  }
  cli.print(`Group: ${d.groupId}  State: ${d.state}  Type: share  Assignor: ${d.partitionAssignor || '-'}  Members: ${d.members.length}  Coordinator: ${d.coordinator ? d.coordinator.id : '-'}  Total lag: ${totalLag}`);
  if (partitions.length === 0) cli.print('  (no share-partition state and no assigned partitions)');
  else cli.print(table(['TOPIC', 'PARTITION', 'START-OFFSET', 'LAG', 'MEMBERS'], partitions.map((p) => [p.topic, p.partition, p.startOffset ?? '-', p.lag ?? '-', p.owners.map((o) => o.memberId).join(',') || '-']), '  '));
  if (d.members.length > 0) {
    cli.print(
      table(
        ['MEMBER', 'HOST', 'CLIENT-ID', 'EPOCH', 'ASSIGNMENT'],
        d.members.map((m) => [m.memberId, m.host, m.clientId, m.memberEpoch, assignmentText(m.assignment)]),
        '  ',
      ),
    );
  }
  return EXIT.OK;
}

/** topic:0,1 other:2 */
function assignmentText(tps: Array<{ topic: string; partition: number }>): string {
  const by = new Map<string, number[]>();
  for (const tp of tps) by.set(tp.topic, [...(by.get(tp.topic) ?? []), tp.partition]);
  return [...by].map(([t, ps]) => `${t}:${ps.sort((a, b) => a - b).join(',')}`).join(' ') || '-';
}

/** Kafka Streams task ids: subtopology_partition. */
const taskText = (ts: StreamsTasks[]) => ts.flatMap((t) => t.partitions.map((p) => `${t.subtopologyId}_${p}`)).join(',') || '-';

function describeStreams(cli: Cli, d: StreamsGroupDescription): number {
  if (cli.json) {
    cli.printJson({
      groupId: d.groupId,
      state: d.state,
      type: 'streams',
      assignor: d.assignor,
      coordinator: d.coordinator?.id ?? null,
      members: d.members.length,
      groupEpoch: d.groupEpoch,
      topologyEpoch: d.topologyEpoch,
      subtopologies: d.subtopologies,
      memberDetails: d.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, host: m.host, processId: m.processId, memberEpoch: m.memberEpoch, assignment: m.assignment })),
    });
    return EXIT.OK;
  }
  cli.print(`Group: ${d.groupId}  State: ${d.state}  Type: streams  Assignor: ${d.assignor || '-'}  Members: ${d.members.length}  Coordinator: ${d.coordinator ? d.coordinator.id : '-'}  Topology epoch: ${d.topologyEpoch}`);
  if (d.members.length === 0) cli.print('  (no members)');
  else {
    cli.print(
      table(
        ['MEMBER', 'HOST', 'CLIENT-ID', 'PROCESS-ID', 'ACTIVE-TASKS', 'STANDBY-TASKS'],
        d.members.map((m) => [m.memberId, m.host, m.clientId, m.processId, taskText(m.assignment.activeTasks), taskText(m.assignment.standbyTasks)]),
        '  ',
      ),
    );
  }
  return EXIT.OK;
}

export const groups: Command = {
  name: 'groups',
  summary: 'list groups (consumer, share, streams) with their type; describe one (per partition: committed or start offset, end offset, lag, owner); delete',
  usage: ['groups list [--state <s>]... [--type classic|consumer|share|streams]...', 'groups describe <group>', 'groups delete <group>...'],
  options: {
    state: { type: 'string', multiple: true, valueName: 's', description: 'list: only groups in this state (Stable, Empty, ...)' },
    type: { type: 'string', multiple: true, valueName: 't', description: 'list: only groups of this type (classic, consumer, share, streams)' },
  },
  notes: [
    'describe: for a consumer group, lag = end offset (high watermark) − committed offset, as kafka-consumer-groups --describe;',
    'for a share group, each partition\'s start offset and lag (records not yet acknowledged, where the broker reports it) as kafka-share-groups',
    '--describe --offsets, then the members and their partitions; for a streams group, the members and their tasks. "-" where unknown.',
  ].join('\n'),
  async run(cli: Cli): Promise<number> {
    const sub = cli.arg(0, 'a subcommand (list, describe, delete)');
    if (sub === 'list') cli.expectArgs(1);
    if (sub === 'describe') cli.expectArgs(2);
    const admin = await cli.admin();
    switch (sub) {
      case 'list': {
        const types = cli.list('type');
        for (const t of types) if (!['classic', 'consumer', 'share', 'streams'].includes(t)) throw new UsageError(`--type ${t}: expected classic, consumer, share or streams`);
        const { groups: list, errors } = await admin.listGroups({ states: cli.list('state'), types: types as Array<'classic'> });
        if (cli.json) cli.printJson(list);
        else if (list.length > 0) cli.print(table(['GROUP', 'TYPE', 'STATE', 'PROTOCOL-TYPE'], list.map((g) => [g.groupId, g.type || '-', g.state || '-', g.protocolType || '-'])));
        for (const e of errors) cli.warn(`broker ${e.broker} could not list its groups: ${e.error.message}`);
        return errors.length > 0 ? EXIT.FAILED : EXIT.OK;
      }
      case 'describe': {
        const groupId = cli.arg(1, 'the group');
        let lag;
        try {
          lag = await admin.consumerGroupLag(groupId);
        } catch (e) {
          // Not a consumer group: perhaps a share or streams group.
          if (!(e instanceof KafkaError && notThisType(e))) throw e;
          const other = await otherGroupType(admin, groupId);
          if (other === null) throw e;
          return other.type === 'share' ? await describeShare(cli, admin, other) : describeStreams(cli, other);
        }
        const d = lag.description;
        if (d === null) {
          // Offsets but no classic or consumer group: a streams group commits offsets too.
          const other = await otherGroupType(admin, groupId).catch(() => null);
          if (other?.type === 'streams') return describeStreams(cli, other);
        }
        if (cli.json) {
          cli.printJson({
            groupId,
            state: d?.state ?? null,
            type: d?.type ?? null,
            assignor: d?.partitionAssignor ?? null,
            coordinator: d?.coordinator?.id ?? null,
            members: d?.members.length ?? 0,
            totalLag: lag.totalLag,
            partitions: lag.partitions.map((p) => ({ topic: p.topic, partition: p.partition, committedOffset: p.committedOffset, endOffset: p.endOffset, lag: p.lag, owner: p.owner, ...(p.error ? { error: p.error.message } : {}) })),
          });
          return EXIT.OK;
        }
        cli.print(`Group: ${groupId}  State: ${d?.state ?? 'unknown'}  Type: ${d?.type ?? '-'}  Assignor: ${d?.partitionAssignor || '-'}  Members: ${d?.members.length ?? 0}  Coordinator: ${d?.coordinator ? d.coordinator.id : '-'}  Total lag: ${lag.totalLag}`);
        if (lag.partitions.length === 0) {
          cli.print('  (no committed offsets and no assigned partitions)');
          return EXIT.OK;
        }
        cli.print(
          table(
            ['TOPIC', 'PARTITION', 'COMMITTED', 'END', 'LAG', 'OWNER', 'HOST', 'CLIENT-ID'],
            lag.partitions.map((p) => [p.topic, p.partition, p.committedOffset ?? '-', p.endOffset ?? '-', p.lag ?? '-', p.owner?.memberId ?? '-', p.owner?.host ?? '-', p.owner?.clientId ?? '-']),
            '  ',
          ),
        );
        return EXIT.OK;
      }
      case 'delete': {
        const ids = cli.args.slice(1);
        if (ids.length === 0) throw new UsageError('groups delete needs at least one group');
        const res = await admin.deleteConsumerGroups(ids);
        for (const r of res) {
          if (cli.json) cli.printJson(r.ok ? { groupId: r.groupId, deleted: true } : { groupId: r.groupId, deleted: false, error: r.error.message });
          else if (r.ok) cli.print(`deleted group ${r.groupId}`);
          // One group's failure is the command's error, printed once by main (with its exit code).
          else if (res.length > 1) cli.io.stderr.write(`kafkawire: error: ${r.groupId}: ${r.error.message}\n`);
        }
        const bad = res.find((r) => !r.ok);
        if (bad && res.length === 1) throw bad.error;
        return bad ? EXIT.FAILED : EXIT.OK;
      }
      default:
        throw new UsageError(`unknown subcommand groups ${sub}; expected list, describe or delete`);
    }
  },
};
