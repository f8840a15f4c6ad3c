// kafkawire groups list|describe|delete
import { UsageError, type Cli, type Command } from '../cli.js';
import { EXIT } from '../exit-codes.js';
import { table } from '../table.js';

export const groups: Command = {
  name: 'groups',
  summary: 'list consumer groups; describe one (per partition: committed offset, end offset, lag, owner); delete',
  usage: ['groups list [--state <s>]... [--type classic|consumer]', 'groups describe <group>', 'groups delete <group>...'],
  options: {
    state: { type: 'string', multiple: true, valueName: 's', description: 'list: only groups in this state (Stable, Empty, ...)' },
    type: { type: 'string', multiple: true, valueName: 't', description: 'list: only groups of this type (classic, consumer)' },
  },
  notes: 'describe: lag = end offset (high watermark) − committed offset, as kafka-consumer-groups --describe; "-" where unknown.',
  async run(cli: Cli): Promise<number> {
    const sub = cli.arg(0, 'a subcommand (list, describe, delete)');
    const admin = await cli.admin();
    switch (sub) {
      case 'list': {
        const types = cli.list('type');
        for (const t of types) if (!['classic', 'consumer', 'share', 'streams'].includes(t)) throw new UsageError(`--type ${t}: expected classic, consumer, share or streams`);
        const { groups: list, errors } = await admin.listGroups({ states: cli.list('state'), types: types as Array<'classic'> });
        if (cli.json) cli.printJson(list);
        else if (list.length > 0) cli.print(table(['GROUP', 'TYPE', 'STATE', 'PROTOCOL-TYPE'], list.map((g) => [g.groupId, g.type || '-', g.state, g.protocolType || '-'])));
        for (const e of errors) cli.warn(`broker ${e.broker} could not list its groups: ${e.error.message}`);
        return errors.length > 0 ? EXIT.FAILED : EXIT.OK;
      }
      case 'describe': {
        const groupId = cli.arg(1, 'the group');
        const lag = await admin.consumerGroupLag(groupId);
        const d = lag.description;
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
          else cli.io.stderr.write(`kafkawire: error: ${r.groupId}: ${r.error.message}\n`);
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
