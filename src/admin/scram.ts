// SCRAM credentials: describe and alter (upsert with a password, or delete).
import { nodeCrypto } from '../lazy-builtins.js';
import { ErrorCode, errorFor } from '../messages/error-codes.js';
import type { AlterUserScramCredentialsResponse, DescribeUserScramCredentialsResponse } from '../messages/generated/index.js';
import { badArg, intArg, objectsArg, oneOfArg, stringArg } from './args.js';
import type { AdminContext } from './context.js';
import { fail, ok, type CallOptions, type Result } from './types.js';

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
const MECHANISMS: Record<ScramMechanism, { code: number; hash: 'sha256' | 'sha512'; bytes: number }> = {
  'SCRAM-SHA-256': { code: 1, hash: 'sha256', bytes: 32 },
  'SCRAM-SHA-512': { code: 2, hash: 'sha512', bytes: 64 },
};
const mechanismName = (code: number): string => (Object.entries(MECHANISMS).find(([, m]) => m.code === code)?.[0] ?? 'UNKNOWN');

export interface ScramCredentialInfo {
  mechanism: string;
  iterations: number;
}

export type UserResult<V> = { user: string } & Result<V>;

/** Credentials of those users (all users when omitted). */
export async function describeUserScramCredentials(ctx: AdminContext, users?: string[], opts: CallOptions = {}): Promise<Array<UserResult<ScramCredentialInfo[]>>> {
  const res = await ctx.once('DescribeUserScramCredentials', async () => {
    await ctx.ready();
    const r = await ctx.pool.request<DescribeUserScramCredentialsResponse>('any', 'DescribeUserScramCredentials', { users: users ? users.map((name) => ({ name })) : null });
    if (r.errorCode !== 0) throw errorFor(r.errorCode, { api: 'DescribeUserScramCredentials' }, r.errorMessage);
    return r;
  }, opts);
  const byUser = new Map(res.results.map((r) => [r.user, r]));
  const names = users ?? res.results.map((r) => r.user);
  return names.map((user) => {
    const r = byUser.get(user);
    if (!r) return { user, ...fail(errorFor(ErrorCode.RESOURCE_NOT_FOUND, { api: 'DescribeUserScramCredentials' }, `user ${user}`)) };
    if (r.errorCode !== 0) return { user, ...fail(errorFor(r.errorCode, { api: 'DescribeUserScramCredentials' }, r.errorMessage ?? `user ${user}`)) };
    return { user, ...ok(r.credentialInfos.map((c) => ({ mechanism: mechanismName(c.mechanism), iterations: c.iterations }))) };
  });
}

export type ScramAlteration =
  | { user: string; mechanism: ScramMechanism; password: string; iterations?: number; salt?: Uint8Array }
  | { user: string; mechanism: ScramMechanism; delete: true };

/** SaltedPassword = Hi(password, salt, i) of RFC 5802, which the broker stores. */
function saltedPassword(password: string, salt: Uint8Array, iterations: number, m: ScramMechanism): Buffer {
  const { hash, bytes } = MECHANISMS[m];
  return nodeCrypto().pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, bytes, hash);
}

const isDeletion = (a: ScramAlteration): a is Extract<ScramAlteration, { delete: true }> => (a as { delete?: unknown }).delete === true;

/** alterUserScramCredentials()'s list: a user and mechanism, then a password (upsert) or delete: true. */
export function alterationsArg(v: ScramAlteration[]): ScramAlteration[] {
  const call = 'alterUserScramCredentials()';
  const list = objectsArg(call, 'SCRAM alterations', v);
  list.forEach((a, i) => {
    const f = a as unknown as Record<string, unknown>;
    stringArg(call, `[${i}].user`, f.user);
    oneOfArg(call, `[${i}].mechanism`, f.mechanism, Object.keys(MECHANISMS));
    if (f.delete !== undefined && typeof f.delete !== 'boolean') badArg(call, `[${i}].delete`, 'true (to delete the credential) or omitted', f.delete);
    if (f.delete === true) {
      if (f.password != null) badArg(call, `[${i}]`, 'either { password } or { delete: true }, not both', a);
      return;
    }
    stringArg(call, `[${i}].password`, f.password);
    // 4096 is the broker's minimum; the request carries an int32.
    if (f.iterations != null) intArg(call, `[${i}].iterations`, f.iterations, 4096);
    if (f.salt != null && !(f.salt instanceof Uint8Array)) badArg(call, `[${i}].salt`, 'a Uint8Array (or Buffer)', f.salt);
  });
  return list;
}

export async function alterUserScramCredentials(ctx: AdminContext, alterations: ScramAlteration[], opts: CallOptions = {}): Promise<Array<UserResult<void>>> {
  const deletions: Array<{ name: string; mechanism: number }> = [];
  const upsertions: Array<{ name: string; mechanism: number; iterations: number; salt: Uint8Array; saltedPassword: Uint8Array }> = [];
  for (const a of alterations) {
    const m = MECHANISMS[a.mechanism];
    if (isDeletion(a)) {
      deletions.push({ name: a.user, mechanism: m.code });
    } else {
      const iterations = a.iterations ?? 4096;
      const salt = a.salt ?? nodeCrypto().randomBytes(32);
      upsertions.push({ name: a.user, mechanism: m.code, iterations, salt, saltedPassword: saltedPassword(a.password, salt, iterations, a.mechanism) });
    }
  }
  const users = [...new Set(alterations.map((a) => a.user))];
  const results = await ctx.perItem<void>('AlterUserScramCredentials', users, async (pending) => {
    const res = await ctx.pool.request<AlterUserScramCredentialsResponse>(await ctx.controller(), 'AlterUserScramCredentials', {
      deletions: deletions.filter((d) => pending.includes(d.name)),
      upsertions: upsertions.filter((u) => pending.includes(u.name)),
    });
    return new Map(res.results.map((r) => [r.user, r.errorCode === 0 ? ok(undefined) : fail(errorFor(r.errorCode, { api: 'AlterUserScramCredentials' }, r.errorMessage ?? `user ${r.user}`))] as [string, Result<void>]));
  }, opts);
  return users.map((user) => ({ user, ...results.get(user)! }));
}
