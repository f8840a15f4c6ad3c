// kafkawire acls list|add|remove
import type { AclBinding, AclBindingFilter } from '../../admin/acls.js';
import type { AclOperation, ResourceType } from '../../admin/acl-codes.js';
import { UsageError, type Cli, type Command } from '../cli.js';
import { EXIT } from '../exit-codes.js';
import { table } from '../table.js';

function resource(cli: Cli, required: boolean): { resourceType?: ResourceType; resourceName?: string } {
  const given: Array<[ResourceType, string]> = [];
  if (cli.str('topic') !== undefined) given.push(['TOPIC', cli.str('topic')!]);
  if (cli.str('group') !== undefined) given.push(['GROUP', cli.str('group')!]);
  if (cli.str('transactional-id') !== undefined) given.push(['TRANSACTIONAL_ID', cli.str('transactional-id')!]);
  if (cli.flag('cluster')) given.push(['CLUSTER', 'kafka-cluster']);
  if (given.length > 1) throw new UsageError('give at most one of --topic, --group, --transactional-id, --cluster');
  if (given.length === 0) {
    if (required) throw new UsageError('name the resource: --topic <t>, --group <g>, --transactional-id <id> or --cluster');
    return {};
  }
  return { resourceType: given[0]![0], resourceName: given[0]![1] };
}

const print = (cli: Cli, acls: AclBinding[]) => {
  if (cli.json) cli.printJson(acls);
  else if (acls.length === 0) cli.print('no ACLs match');
  else cli.print(table(['RESOURCE-TYPE', 'NAME', 'PATTERN', 'PRINCIPAL', 'HOST', 'OPERATION', 'PERMISSION'], acls.map((a) => [a.resourceType, a.resourceName, a.patternType, a.principal, a.host, a.operation, a.permission])));
};

export const acls: Command = {
  name: 'acls',
  summary: 'list, add and remove ACLs',
  usage: [
    'acls list [--topic <t> | --group <g> | --transactional-id <id> | --cluster] [--principal User:<name>]',
    'acls add --principal User:<name> --operation <op>... (--topic <t> | --group <g> | --transactional-id <id> | --cluster) [--deny] [--prefixed] [--host <h>]',
    'acls remove [same filters as list, plus --operation]',
  ],
  options: {
    topic: { type: 'string', valueName: 't', description: 'a topic' },
    group: { type: 'string', valueName: 'g', description: 'a consumer group' },
    'transactional-id': { type: 'string', valueName: 'id', description: 'a transactional id' },
    cluster: { type: 'boolean', description: 'the cluster resource' },
    prefixed: { type: 'boolean', description: 'the name is a prefix (default: literal)' },
    principal: { type: 'string', valueName: 'User:<name>', description: 'the principal' },
    host: { type: 'string', valueName: 'h', description: 'add: the host the principal connects from (default *)' },
    operation: { type: 'string', multiple: true, valueName: 'op', description: 'READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE, ALL' },
    deny: { type: 'boolean', description: 'add: a DENY rule (default ALLOW)' },
  },
  async run(cli: Cli): Promise<number> {
    const sub = cli.arg(0, 'a subcommand (list, add, remove)');
    cli.expectArgs(1);
    const admin = await cli.admin();
    const pattern = cli.flag('prefixed') ? ('PREFIXED' as const) : undefined;
    const ops = cli.list('operation').map((o) => o.toUpperCase().replace(/-/g, '_') as AclOperation);
    if (sub === 'list') {
      const filter: AclBindingFilter = { ...resource(cli, false), principal: cli.str('principal') ?? null, ...(pattern ? { patternType: pattern } : {}) };
      print(cli, await admin.describeAcls(filter));
      return EXIT.OK;
    }
    if (sub === 'add') {
      const r = resource(cli, true);
      const principal = cli.str('principal');
      if (!principal) throw new UsageError('acls add needs --principal User:<name>');
      if (ops.length === 0) throw new UsageError('acls add needs --operation <op>');
      const res = await admin.createAcls(
        ops.map((operation) => ({ resourceType: r.resourceType!, resourceName: r.resourceName!, patternType: pattern ?? 'LITERAL', principal, host: cli.str('host') ?? '*', operation, permission: cli.flag('deny') ? 'DENY' : 'ALLOW' })),
      );
      const bad = res.find((x) => !x.ok);
      if (bad) throw bad.error;
      print(cli, res.map((x) => x.acl));
      return EXIT.OK;
    }
    if (sub === 'remove') {
      const r = resource(cli, false);
      const base: AclBindingFilter = { ...r, principal: cli.str('principal') ?? null, ...(pattern ? { patternType: pattern } : { patternType: r.resourceType ? 'LITERAL' : 'ANY' }) };
      if (!r.resourceType && !base.principal) throw new UsageError('acls remove needs a resource or --principal (refusing to remove every ACL)');
      const res = await admin.deleteAcls(ops.length > 0 ? ops.map((operation) => ({ ...base, operation })) : [base]);
      const bad = res.find((x) => !x.ok);
      if (bad) throw bad.error;
      print(cli, res.flatMap((x) => x.value ?? []));
      return EXIT.OK;
    }
    throw new UsageError(`unknown subcommand acls ${sub}; expected list, add or remove`);
  },
};
