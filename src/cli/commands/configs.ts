// kafkawire configs describe|alter for topics and brokers.
import type { AlterConfigOp, ConfigResource } from '../../admin/configs.js';
import { UsageError, type Cli, type Command } from '../cli.js';
import { EXIT } from '../exit-codes.js';
import { table } from '../table.js';

function resourceOf(cli: Cli): ConfigResource {
  const topic = cli.str('topic');
  const broker = cli.str('broker');
  if ((topic === undefined) === (broker === undefined)) throw new UsageError('give one of --topic <name> or --broker <id>');
  return topic !== undefined ? { type: 'topic', name: topic } : { type: 'broker', name: broker! };
}

export const configs: Command = {
  name: 'configs',
  summary: 'describe and alter topic and broker configs',
  usage: ['configs describe --topic <t> | --broker <id> [--all]', 'configs alter --topic <t> | --broker <id> [--set k=v]... [--delete k]...'],
  options: {
    topic: { type: 'string', valueName: 't', description: 'the topic' },
    broker: { type: 'string', valueName: 'id', description: 'the broker\'s node id' },
    all: { type: 'boolean', description: 'describe: every config, defaults included (default: only values set explicitly)' },
    set: { type: 'string', multiple: true, valueName: 'k=v', description: 'alter: set a config' },
    delete: { type: 'string', multiple: true, valueName: 'k', description: 'alter: remove a config (back to its default)' },
  },
  async run(cli: Cli): Promise<number> {
    const sub = cli.arg(0, 'a subcommand (describe, alter)');
    cli.expectArgs(1);
    const resource = resourceOf(cli);
    const admin = await cli.admin();
    if (sub === 'describe') {
      const [r] = await admin.describeConfigs([resource]);
      if (!r!.ok) throw r!.error;
      const shown = cli.flag('all') ? r!.value : r!.value.filter((c) => !c.isDefault && c.source !== 'STATIC_BROKER_CONFIG');
      if (cli.json) cli.printJson({ resource, configs: shown.map((c) => ({ name: c.name, value: c.value, source: c.source, sensitive: c.isSensitive, readOnly: c.isReadOnly })) });
      else if (shown.length === 0) cli.print(`no configs set explicitly on ${resource.type} ${resource.name} (--all shows the defaults)`);
      else cli.print(table(['NAME', 'VALUE', 'SOURCE'], shown.map((c) => [c.name, c.isSensitive ? '(sensitive)' : (c.value ?? 'null'), c.source])));
      return EXIT.OK;
    }
    if (sub === 'alter') {
      const ops: AlterConfigOp[] = [];
      for (const kv of cli.list('set')) {
        const i = kv.indexOf('=');
        if (i <= 0) throw new UsageError(`--set ${JSON.stringify(kv)}: expected key=value`);
        ops.push({ name: kv.slice(0, i), op: 'set', value: kv.slice(i + 1) });
      }
      for (const k of cli.list('delete')) ops.push({ name: k, op: 'delete' });
      if (ops.length === 0) throw new UsageError('configs alter needs --set k=v or --delete k');
      const [r] = await admin.incrementalAlterConfigs([{ resource, ops }]);
      if (!r!.ok) throw r!.error;
      if (cli.json) cli.printJson({ resource, altered: ops });
      else cli.print(`altered ${ops.length} config(s) of ${resource.type} ${resource.name}`);
      return EXIT.OK;
    }
    throw new UsageError(`unknown subcommand configs ${sub}; expected describe or alter`);
  },
};
