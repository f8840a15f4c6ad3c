// ACL calls: describeAcls, createAcls, deleteAcls (any broker; KRaft brokers forward writes to the controller).
import { errorFor } from '../messages/error-codes.js';
import type { CreateAclsResponse, DeleteAclsResponse, DescribeAclsResponse } from '../messages/generated/index.js';
import { operationCodec, patternTypeCodec, permissionCodec, resourceTypeCodec, type AclOperation, type AclPermissionType, type PatternType, type ResourceType } from './acl-codes.js';
import { objectArg, objectsArg, oneOfArg, optStringArg, stringArg } from './args.js';
import type { AdminContext } from './context.js';
import { fail, ok, type CallOptions, type Result } from './types.js';

/** One ACL, as Java's AclBinding: a resource pattern and an access control entry. */
export interface AclBinding {
  resourceType: ResourceType;
  resourceName: string;
  /** LITERAL (default) or PREFIXED. */
  patternType: PatternType;
  /** e.g. 'User:bob'. */
  principal: string;
  /** '*' for any host. */
  host: string;
  operation: AclOperation;
  permission: AclPermissionType;
}

/** A filter over ACLs: omitted or null fields match anything (ANY for enums). */
export interface AclBindingFilter {
  resourceType?: ResourceType;
  resourceName?: string | null;
  patternType?: PatternType;
  principal?: string | null;
  host?: string | null;
  operation?: AclOperation;
  permission?: AclPermissionType;
}

// A binding names one resource pattern and one entry: as in Java, ANY and MATCH
// only filter, and UNKNOWN (a code this client cannot name) is refused everywhere.
const known = <T extends string>(names: readonly T[]) => names.filter((n) => n !== 'UNKNOWN');
const concrete = <T extends string>(names: readonly T[]) => known(names).filter((n) => n !== 'ANY' && n !== 'MATCH');
const ENUMS = [
  ['resourceType', resourceTypeCodec.names],
  ['patternType', patternTypeCodec.names],
  ['operation', operationCodec.names],
  ['permission', permissionCodec.names],
] as const;

type NewAclBinding = Omit<AclBinding, 'patternType' | 'host'> & { patternType?: PatternType; host?: string };

/** createAcls()'s list: every field named, enums in Java's names (any case), pattern type and host optional. */
export function bindingsArg(v: NewAclBinding[]): NewAclBinding[] {
  const call = 'createAcls()';
  const list = objectsArg(call, 'ACL bindings', v);
  list.forEach((a, i) => {
    const fields = a as unknown as Record<string, unknown>;
    for (const [k, names] of ENUMS) {
      if (k !== 'patternType' || fields[k] != null) oneOfArg(call, `[${i}].${k}`, fields[k], concrete<string>(names), true);
    }
    stringArg(call, `[${i}].resourceName`, a.resourceName);
    stringArg(call, `[${i}].principal`, a.principal);
    optStringArg(call, `[${i}].host`, a.host ?? undefined, false);
  });
  return list;
}

/** An ACL filter at `at`: each field omitted or null (anything), else an enum name (any case) or a string. */
export function filterArg(call: string, at: string, f: AclBindingFilter): AclBindingFilter {
  const fields = objectArg(call, at, f as unknown as Record<string, unknown>);
  for (const [k, names] of ENUMS) if (fields[k] != null) oneOfArg(call, `${at}.${k}`, fields[k], known<string>(names), true);
  for (const k of ['resourceName', 'principal', 'host']) optStringArg(call, `${at}.${k}`, fields[k], true);
  return f;
}

/** deleteAcls()'s list of filters. */
export function filtersArg(v: AclBindingFilter[]): AclBindingFilter[] {
  const list = objectsArg('deleteAcls()', 'ACL binding filters', v);
  list.forEach((f, i) => filterArg('deleteAcls()', `[${i}]`, f));
  return list;
}

function filterWire(f: AclBindingFilter) {
  return {
    resourceTypeFilter: resourceTypeCodec.code(f.resourceType ?? 'ANY'),
    resourceNameFilter: f.resourceName ?? null,
    patternTypeFilter: patternTypeCodec.code(f.patternType ?? 'ANY'),
    principalFilter: f.principal ?? null,
    hostFilter: f.host ?? null,
    operation: operationCodec.code(f.operation ?? 'ANY'),
    permissionType: permissionCodec.code(f.permission ?? 'ANY'),
  };
}

export async function describeAcls(ctx: AdminContext, filter: AclBindingFilter = {}, opts: CallOptions = {}): Promise<AclBinding[]> {
  const body = filterWire(filter);
  return ctx.once('DescribeAcls', async () => {
    await ctx.ready();
    const res = await ctx.pool.request<DescribeAclsResponse>('any', 'DescribeAcls', body);
    if (res.errorCode !== 0) throw errorFor(res.errorCode, { api: 'DescribeAcls' }, res.errorMessage);
    return res.resources.flatMap((r) =>
      r.acls.map((a) => ({
        resourceType: resourceTypeCodec.name(r.resourceType),
        resourceName: r.resourceName,
        patternType: patternTypeCodec.name(r.patternType),
        principal: a.principal,
        host: a.host,
        operation: operationCodec.name(a.operation),
        permission: permissionCodec.name(a.permissionType),
      })),
    );
  }, opts);
}

export type AclResult<V> = { acl: AclBinding } & Result<V>;

export async function createAcls(ctx: AdminContext, acls: NewAclBinding[], opts: CallOptions = {}): Promise<Array<AclResult<void>>> {
  const full: AclBinding[] = acls.map((a) => ({ ...a, patternType: a.patternType ?? 'LITERAL', host: a.host ?? '*' }));
  const wire = full.map((a) => ({
    resourceType: resourceTypeCodec.code(a.resourceType),
    resourceName: a.resourceName,
    resourcePatternType: patternTypeCodec.code(a.patternType),
    principal: a.principal,
    host: a.host,
    operation: operationCodec.code(a.operation),
    permissionType: permissionCodec.code(a.permission),
  }));
  const keys = full.map((_, i) => String(i));
  const results = await ctx.perItem<void>('CreateAcls', keys, async (pending) => {
    await ctx.ready();
    const res = await ctx.pool.request<CreateAclsResponse>(await ctx.controller(), 'CreateAcls', { creations: pending.map((k) => wire[Number(k)]!) });
    const out = new Map<string, Result<void>>();
    res.results.forEach((r, i) => {
      const k = pending[i];
      if (k !== undefined) out.set(k, r.errorCode === 0 ? ok(undefined) : fail(errorFor(r.errorCode, { api: 'CreateAcls' }, r.errorMessage)));
    });
    return out;
  }, opts);
  return full.map((acl, i) => ({ acl, ...results.get(String(i))! }));
}

export type AclFilterResult<V> = { filter: AclBindingFilter } & Result<V>;

/** Deletes the ACLs each filter matches; each filter's result lists what it deleted. */
export async function deleteAcls(ctx: AdminContext, filters: AclBindingFilter[], opts: CallOptions = {}): Promise<Array<AclFilterResult<AclBinding[]>>> {
  const wire = filters.map(filterWire);
  const keys = filters.map((_, i) => String(i));
  const results = await ctx.perItem<AclBinding[]>('DeleteAcls', keys, async (pending) => {
    await ctx.ready();
    const res = await ctx.pool.request<DeleteAclsResponse>(await ctx.controller(), 'DeleteAcls', { filters: pending.map((k) => wire[Number(k)]!) });
    const out = new Map<string, Result<AclBinding[]>>();
    res.filterResults.forEach((r, i) => {
      const k = pending[i];
      if (k === undefined) return;
      if (r.errorCode !== 0) {
        out.set(k, fail(errorFor(r.errorCode, { api: 'DeleteAcls' }, r.errorMessage)));
        return;
      }
      const bad = r.matchingAcls.find((m) => m.errorCode !== 0);
      if (bad) {
        out.set(k, fail(errorFor(bad.errorCode, { api: 'DeleteAcls' }, bad.errorMessage)));
        return;
      }
      out.set(
        k,
        ok(
          r.matchingAcls.map((m) => ({
            resourceType: resourceTypeCodec.name(m.resourceType),
            resourceName: m.resourceName,
            patternType: patternTypeCodec.name(m.patternType),
            principal: m.principal,
            host: m.host,
            operation: operationCodec.name(m.operation),
            permission: permissionCodec.name(m.permissionType),
          })),
        ),
      );
    });
    return out;
  }, opts);
  return filters.map((filter, i) => ({ filter, ...results.get(String(i))! }));
}
