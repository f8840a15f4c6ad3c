// Config calls: describeConfigs and incrementalAlterConfigs, for topics and brokers.
import { describeValue } from '../config-checks.js';
import { KafkaConfigError } from '../errors.js';
import type { DescribeConfigsResponse, IncrementalAlterConfigsResponse } from '../messages/generated/index.js';
import { badArg, namesArg, objectArg, objectsArg, oneOfArg, stringArg, uniqueArg } from './args.js';
import { byNode, fanOut, type AdminContext } from './context.js';
import { lookupError } from './topics.js';
import { fail, ok, type CallOptions, type Result } from './types.js';

export type ConfigResourceType = 'topic' | 'broker' | 'broker-logger' | 'client-metrics' | 'group';
export interface ConfigResource {
  type: ConfigResourceType;
  /** Topic name, or broker id as text ('' for the cluster-wide broker default). */
  name: string;
}

const TYPE_CODES: Record<ConfigResourceType, number> = { topic: 2, broker: 4, 'broker-logger': 8, 'client-metrics': 16, group: 32 };
const typeName = (code: number): ConfigResourceType => (Object.entries(TYPE_CODES).find(([, c]) => c === code)?.[0] ?? 'topic') as ConfigResourceType;

const SOURCES = ['UNKNOWN', 'DYNAMIC_TOPIC_CONFIG', 'DYNAMIC_BROKER_CONFIG', 'DYNAMIC_DEFAULT_BROKER_CONFIG', 'STATIC_BROKER_CONFIG', 'DEFAULT_CONFIG', 'DYNAMIC_BROKER_LOGGER_CONFIG', 'CLIENT_METRICS_CONFIG', 'GROUP_CONFIG'];
const TYPES = ['UNKNOWN', 'BOOLEAN', 'STRING', 'INT', 'SHORT', 'LONG', 'DOUBLE', 'LIST', 'CLASS', 'PASSWORD'];

export interface ConfigEntry {
  name: string;
  /** null for a sensitive value (the broker does not send those). */
  value: string | null;
  /** Where the value comes from, as Java's ConfigEntry.ConfigSource: DYNAMIC_TOPIC_CONFIG, DEFAULT_CONFIG... */
  source: string;
  isDefault: boolean;
  isReadOnly: boolean;
  isSensitive: boolean;
  type: string;
  synonyms: Array<{ name: string; value: string | null; source: string }>;
  documentation: string | null;
}

export type ConfigResult<V> = { resource: ConfigResource } & Result<V>;

const resKey = (r: ConfigResource) => `${r.type}\u0000${r.name}`;

/** Broker resources go to that broker (its own view); everything else to any broker. */
function target(r: ConfigResource): number | 'any' {
  if ((r.type === 'broker' || r.type === 'broker-logger') && r.name !== '') {
    const id = Number(r.name);
    if (!Number.isInteger(id)) throw new KafkaConfigError(`a broker config resource is named by the broker's node id, got ${describeValue(r.name)}`);
    return id;
  }
  return 'any';
}

const RESOURCE_TYPES = Object.keys(TYPE_CODES) as ConfigResourceType[];

/** A { type, name } resource, found at `at` in the call's argument. */
function resourceArg(call: string, at: string, r: ConfigResource): void {
  objectArg(call, at, r, "an object such as { type: 'topic', name }");
  oneOfArg(call, `${at}.type`, r.type, RESOURCE_TYPES);
  stringArg(call, `${at}.name`, r.name);
  if ((r.type === 'broker' || r.type === 'broker-logger') && r.name !== '' && !Number.isInteger(Number(r.name))) {
    badArg(call, `${at}.name`, "a broker's node id such as \"1\" ('' for the cluster-wide default of a broker config)", r.name);
  }
}

/** describeConfigs()'s list of resources. */
export function resourcesArg(v: ConfigResource[]): ConfigResource[] {
  const list = objectsArg('describeConfigs()', 'config resources', v);
  list.forEach((r, i) => resourceArg('describeConfigs()', `[${i}]`, r));
  return list;
}

export type AlterConfigOp = { name: string; op: 'set'; value: string } | { name: string; op: 'delete' } | { name: string; op: 'append' | 'subtract'; value: string };
const OP_CODES = { set: 0, delete: 1, append: 2, subtract: 3 } as const;
const OPS = Object.keys(OP_CODES) as Array<keyof typeof OP_CODES>;

/** incrementalAlterConfigs()'s list of { resource, ops }. */
export function alterationsArg(v: Array<{ resource: ConfigResource; ops: AlterConfigOp[] }>): Array<{ resource: ConfigResource; ops: AlterConfigOp[] }> {
  const call = 'incrementalAlterConfigs()';
  const list = objectsArg(call, '{ resource, ops }', v);
  list.forEach((a, i) => {
    // The resource's own fields where { resource, ops } belongs: say how to wrap it.
    if (a.resource === undefined && 'type' in a) badArg(call, `[${i}].resource`, "the { type, name } resource (each item is { resource: { type: 'topic', name }, ops })", a.resource);
    resourceArg(call, `[${i}].resource`, a.resource);
    objectsArg(call, '{ name, op, value }', a.ops, `[${i}].ops`).forEach((o, j) => {
      const at = `[${i}].ops[${j}]`;
      stringArg(call, `${at}.name`, o.name);
      if (oneOfArg(call, `${at}.op`, o.op, OPS) !== 'delete') stringArg(call, `${at}.value`, (o as { value?: unknown }).value);
    });
  });
  uniqueArg(call, list, (a) => resKey(a.resource), (a) => `resource (${a.resource.type} ${describeValue(a.resource.name)})`);
  return list;
}

export async function describeConfigs(
  ctx: AdminContext,
  resources: ConfigResource[],
  opts: CallOptions & { includeSynonyms?: boolean; includeDocumentation?: boolean; configNames?: string[] } = {},
): Promise<Array<ConfigResult<ConfigEntry[]>>> {
  if (opts.configNames != null) namesArg('describeConfigs()', 'config names', opts.configNames, 'configNames');
  const byKey = new Map(resources.map((r) => [resKey(r), r]));
  const results = await ctx.perItem<ConfigEntry[]>('DescribeConfigs', [...byKey.keys()], async (pending) => {
    await ctx.ready();
    // A broker resource goes to that broker, which the pool can dial only once a metadata answer has listed it.
    if (pending.some((k) => target(byKey.get(k)!) !== 'any')) await ctx.knownBrokers();
    const out = new Map<string, Result<ConfigEntry[]>>();
    const groups = byNode(pending.map((k) => [asNode(target(byKey.get(k)!)), byKey.get(k)!] as [number, ConfigResource]));
    await fanOut(out, groups, resKey, async (node, list) => {
      const res = await ctx.pool.request<DescribeConfigsResponse>(node === -1 ? 'any' : node, 'DescribeConfigs', {
        resources: list.map((r) => ({ resourceType: TYPE_CODES[r.type], resourceName: r.name, configurationKeys: opts.configNames ?? null })),
        includeSynonyms: opts.includeSynonyms ?? false,
        includeDocumentation: opts.includeDocumentation ?? false,
      });
      for (const r of res.results) {
        const key = resKey({ type: typeName(r.resourceType), name: r.resourceName });
        if (r.errorCode !== 0) {
          out.set(key, fail(lookupError(r.errorCode, { api: 'DescribeConfigs', ...(r.resourceType === TYPE_CODES.topic ? { topic: r.resourceName } : {}) }, r.errorMessage)));
          continue;
        }
        out.set(
          key,
          ok(
            r.configs.map((c) => ({
              name: c.name,
              value: c.value,
              source: SOURCES[c.configSource] ?? 'UNKNOWN',
              isDefault: c.isDefault || SOURCES[c.configSource] === 'DEFAULT_CONFIG',
              isReadOnly: c.readOnly,
              isSensitive: c.isSensitive,
              type: TYPES[c.configType] ?? 'UNKNOWN',
              synonyms: c.synonyms.map((s) => ({ name: s.name, value: s.value, source: SOURCES[s.source] ?? 'UNKNOWN' })),
              documentation: c.documentation,
            })),
          ),
        );
      }
    });
    return out;
  }, opts);
  return [...byKey].map(([k, resource]) => ({ resource, ...results.get(k)! }));
}

export async function incrementalAlterConfigs(
  ctx: AdminContext,
  alterations: Array<{ resource: ConfigResource; ops: AlterConfigOp[] }>,
  opts: CallOptions & { validateOnly?: boolean } = {},
): Promise<Array<ConfigResult<void>>> {
  const byKey = new Map(alterations.map((a) => [resKey(a.resource), a]));
  const results = await ctx.perItem<void>('IncrementalAlterConfigs', [...byKey.keys()], async (pending) => {
    await ctx.ready();
    // A broker resource goes to that broker, which the pool can dial only once a metadata answer has listed it.
    if (pending.some((k) => target(byKey.get(k)!.resource) !== 'any')) await ctx.knownBrokers();
    const out = new Map<string, Result<void>>();
    const groups = byNode(pending.map((k) => [asNode(target(byKey.get(k)!.resource)), byKey.get(k)!] as [number, (typeof alterations)[number]]));
    await fanOut(out, groups, (a) => resKey(a.resource), async (node, list) => {
      const res = await ctx.pool.request<IncrementalAlterConfigsResponse>(node === -1 ? 'any' : node, 'IncrementalAlterConfigs', {
        resources: list.map((a) => ({
          resourceType: TYPE_CODES[a.resource.type],
          resourceName: a.resource.name,
          configs: a.ops.map((o) => ({ name: o.name, configOperation: OP_CODES[o.op], value: o.op === 'delete' ? null : o.value })),
        })),
        validateOnly: opts.validateOnly ?? false,
      });
      for (const r of res.responses) {
        const key = resKey({ type: typeName(r.resourceType), name: r.resourceName });
        out.set(key, r.errorCode === 0 ? ok(undefined) : fail(lookupError(r.errorCode, { api: 'IncrementalAlterConfigs', ...(r.resourceType === TYPE_CODES.topic ? { topic: r.resourceName } : {}) }, r.errorMessage)));
      }
    });
    return out;
  }, opts);
  return [...byKey].map(([k, a]) => ({ resource: a.resource, ...results.get(k)! }));
}

const asNode = (t: number | 'any'): number => (t === 'any' ? -1 : t);
