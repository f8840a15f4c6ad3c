// Client quotas: describeClientQuotas and alterClientQuotas.
import { errorFor } from '../messages/error-codes.js';
import type { AlterClientQuotasResponse, DescribeClientQuotasResponse } from '../messages/generated/index.js';
import { describeValue } from '../config-checks.js';
import { badArg, keyPath, objectsArg, optStringArg, recordArg, stringArg, uniqueArg } from './args.js';
import type { AdminContext } from './context.js';
import { fail, ok, type CallOptions, type Result } from './types.js';

/** Entity type → name, e.g. `{ user: 'bob', 'client-id': null }` (null: the default entity of that type). */
export type QuotaEntity = Record<string, string | null>;

export interface QuotaFilterComponent {
  entityType: string;
  /** A name (exact match), null (the default entity), or omitted (any entity of this type). */
  match?: string | null;
}

export interface QuotaEntry {
  entity: QuotaEntity;
  /** Quota key → value, e.g. `{ producer_byte_rate: 1048576 }`. */
  values: Record<string, number>;
}

/** describeClientQuotas()'s list: an entity type and a match (a name, null for the default entity, omitted for any). */
export function componentsArg(v: QuotaFilterComponent[]): QuotaFilterComponent[] {
  const call = 'describeClientQuotas()';
  const list = objectsArg(call, 'quota filter components', v);
  list.forEach((c, i) => {
    stringArg(call, `[${i}].entityType`, c.entityType);
    optStringArg(call, `[${i}].match`, c.match, true);
  });
  return list;
}

export async function describeClientQuotas(ctx: AdminContext, components: QuotaFilterComponent[] = [], opts: CallOptions & { strict?: boolean } = {}): Promise<QuotaEntry[]> {
  return ctx.once('DescribeClientQuotas', async () => {
    await ctx.ready();
    const res = await ctx.pool.request<DescribeClientQuotasResponse>('any', 'DescribeClientQuotas', {
      // matchType: 0 this name exactly, 1 the default entity, 2 any entity of the type.
      components: components.map((c) => ({ entityType: c.entityType, matchType: c.match === undefined ? 2 : c.match === null ? 1 : 0, match: c.match ?? null })),
      strict: opts.strict ?? false,
    });
    if (res.errorCode !== 0) throw errorFor(res.errorCode, { api: 'DescribeClientQuotas' }, res.errorMessage);
    return (res.entries ?? []).map((e) => ({
      entity: Object.fromEntries(e.entity.map((x) => [x.entityType, x.entityName])),
      values: Object.fromEntries(e.values.map((v) => [v.key, v.value])),
    }));
  }, opts);
}

export interface QuotaAlteration {
  entity: QuotaEntity;
  /** Quota key → new value, or null to remove that quota. */
  ops: Record<string, number | null>;
}

export type QuotaResult<V> = { entity: QuotaEntity } & Result<V>;

const entityKey = (e: QuotaEntity) => JSON.stringify(Object.entries(e).sort(([a], [b]) => a.localeCompare(b)));

/** alterClientQuotas()'s list: { entity: { type: name | null }, ops: { key: number | null } }. */
export function quotaAlterationsArg(v: QuotaAlteration[]): QuotaAlteration[] {
  const call = 'alterClientQuotas()';
  const list = objectsArg(call, 'quota alterations', v);
  list.forEach((a, i) => {
    const entity = recordArg(call, "{ entityType: name | null } such as { 'client-id': 'app' }", a.entity, `[${i}].entity`);
    for (const [type, name] of Object.entries(entity)) {
      if (name !== null && typeof name !== 'string') badArg(call, `[${i}].entity${keyPath(type)}`, 'a name, or null for the default entity', name);
    }
    const ops = recordArg(call, '{ quota: value | null } such as { producer_byte_rate: 1048576 }', a.ops, `[${i}].ops`);
    for (const [key, value] of Object.entries(ops)) {
      // undefined would be sent as 0 (not removed): only null removes a quota.
      if (value !== null && !(typeof value === 'number' && Number.isFinite(value))) badArg(call, `[${i}].ops${keyPath(key)}`, 'a finite number, or null to remove the quota', value);
    }
  });
  uniqueArg(call, list, (a) => entityKey(a.entity), (a) => `entity (${describeValue(a.entity)})`);
  return list;
}

export async function alterClientQuotas(ctx: AdminContext, alterations: QuotaAlteration[], opts: CallOptions & { validateOnly?: boolean } = {}): Promise<Array<QuotaResult<void>>> {
  const byKey = new Map(alterations.map((a) => [entityKey(a.entity), a]));
  const results = await ctx.perItem<void>('AlterClientQuotas', [...byKey.keys()], async (pending) => {
    const res = await ctx.pool.request<AlterClientQuotasResponse>(await ctx.controller(), 'AlterClientQuotas', {
      entries: pending.map((k) => {
        const a = byKey.get(k)!;
        return {
          entity: Object.entries(a.entity).map(([entityType, entityName]) => ({ entityType, entityName })),
          ops: Object.entries(a.ops).map(([key, value]) => ({ key, value: value ?? 0, remove: value === null })),
        };
      }),
      validateOnly: opts.validateOnly ?? false,
    });
    const out = new Map<string, Result<void>>();
    for (const e of res.entries) {
      const key = entityKey(Object.fromEntries(e.entity.map((x) => [x.entityType, x.entityName])));
      out.set(key, e.errorCode === 0 ? ok(undefined) : fail(errorFor(e.errorCode, { api: 'AlterClientQuotas' }, e.errorMessage)));
    }
    return out;
  }, opts);
  return [...byKey].map(([k, a]) => ({ entity: a.entity, ...results.get(k)! }));
}
