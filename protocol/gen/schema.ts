// Reads and checks the message definitions in protocol/messages/ (format:
// protocol/README.md). Used by the code generator and by the tests, which walk
// the same definitions to build arbitrary values for round trips.
import fs from 'node:fs';
import path from 'node:path';

export const PRIMITIVES = ['bool', 'int8', 'int16', 'int32', 'int64', 'uint16', 'uint32', 'float64', 'string', 'bytes', 'uuid', 'records'] as const;
export type Primitive = (typeof PRIMITIVES)[number];

/** An inclusive version range; `max` is Infinity for "N+", and `none` is empty. */
export interface Range {
  min: number;
  max: number;
}

export const NO_VERSIONS: Range = { min: 1, max: 0 };

export function parseRange(text: string | undefined, what: string): Range {
  if (text === undefined || text === 'none') return NO_VERSIONS;
  let m = /^(\d+)\+$/.exec(text);
  if (m) return { min: Number(m[1]), max: Infinity };
  m = /^(\d+)-(\d+)$/.exec(text);
  if (m) return { min: Number(m[1]), max: Number(m[2]) };
  m = /^(\d+)$/.exec(text);
  if (m) return { min: Number(m[1]), max: Number(m[1]) };
  throw new Error(`${what}: bad version range ${JSON.stringify(text)}`);
}

export function inRange(r: Range, v: number): boolean {
  return v >= r.min && v <= r.max;
}

export interface Field {
  name: string;
  /** Primitive, or the name of a struct. */
  base: string;
  isArray: boolean;
  isStruct: boolean;
  versions: Range;
  nullable: Range;
  tag: number | undefined;
  tagged: Range;
  default: string | number | boolean | null | undefined;
  doc: string;
  /** The struct's fields when isStruct. */
  fields: Field[];
  /** Dotted path from the message root, for error messages. */
  path: string;
}

export interface Side {
  /** "Request" or "Response". */
  kind: 'Request' | 'Response';
  fields: Field[];
}

export interface Message {
  api: string;
  key: number;
  versions: Range;
  flexible: Range;
  doc: string;
  file: string;
  request: Side;
  response: Side;
}

interface RawField {
  name: string;
  type: string;
  in: string;
  nullable?: string;
  tag?: number;
  tagged?: string;
  default?: string | number | boolean | null;
  doc?: string;
  fields?: RawField[];
}

interface RawSide {
  fields: RawField[];
  structs?: Record<string, { in: string; fields: RawField[] }>;
}

const KNOWN_FIELD_KEYS = new Set(['name', 'type', 'in', 'nullable', 'tag', 'tagged', 'default', 'doc', 'fields']);

function buildFields(raw: RawField[], structs: RawSide['structs'], where: string, parent: string): Field[] {
  const names = new Set<string>();
  const tags = new Set<number>();
  return raw.map((f) => {
    const at = `${where} field ${parent}${f.name}`;
    for (const k of Object.keys(f)) if (!KNOWN_FIELD_KEYS.has(k)) throw new Error(`${at}: unknown key ${k}`);
    if (!/^[a-z][A-Za-z0-9]*$/.test(f.name)) throw new Error(`${at}: names are camelCase`);
    if (names.has(f.name)) throw new Error(`${at}: duplicate name`);
    names.add(f.name);
    const isArray = f.type.endsWith('[]');
    const base = isArray ? f.type.slice(0, -2) : f.type;
    const isStruct = /^[A-Z]/.test(base);
    if (!isStruct && !(PRIMITIVES as readonly string[]).includes(base)) throw new Error(`${at}: unknown type ${f.type}`);
    let sub: RawField[] = [];
    if (isStruct) {
      sub = f.fields ?? structs?.[base]?.fields ?? [];
      if (!f.fields && !structs?.[base]) throw new Error(`${at}: struct ${base} has no fields and is not in "structs"`);
    } else if (f.fields) {
      throw new Error(`${at}: only struct types have fields`);
    }
    if (f.tag !== undefined) {
      if (tags.has(f.tag)) throw new Error(`${at}: tag ${f.tag} used twice`);
      tags.add(f.tag);
    }
    const path = `${parent}${f.name}`;
    return {
      name: f.name,
      base,
      isArray,
      isStruct,
      versions: parseRange(f.in, at),
      nullable: parseRange(f.nullable, at),
      tag: f.tag,
      tagged: f.tag === undefined ? NO_VERSIONS : parseRange(f.tagged ?? f.in, at),
      default: f.default,
      doc: f.doc ?? '',
      fields: buildFields(sub, structs, where, `${path}${isArray ? '[]' : ''}.`),
      path,
    };
  });
}

export function loadMessage(file: string): Message {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    api: string;
    key: number;
    versions: string;
    flexible: string;
    doc?: string;
    request: RawSide;
    response: RawSide;
  };
  const where = path.basename(file);
  return {
    api: raw.api,
    key: raw.key,
    versions: parseRange(raw.versions, where),
    flexible: parseRange(raw.flexible, where),
    doc: raw.doc ?? '',
    file: where,
    request: { kind: 'Request', fields: buildFields(raw.request.fields, raw.request.structs, `${where} request`, '') },
    response: { kind: 'Response', fields: buildFields(raw.response.fields, raw.response.structs, `${where} response`, '') },
  };
}

/** The protocol/ folder, found from this file whether it runs as .ts or compiled under gen/.build. */
export function protocolDir(): string {
  let dir = path.dirname(new URL(import.meta.url).pathname);
  while (path.basename(dir) !== 'protocol' && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** Every message definition, ordered by API key. */
export function loadAll(dir = path.join(protocolDir(), 'messages')): Message[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => loadMessage(path.join(dir, f)))
    .sort((a, b) => a.key - b.key);
}

/** The default a field takes when a version lacks it or a tagged field is absent. */
export function defaultOf(f: Field): unknown {
  if (f.isArray) return [];
  if (f.isStruct) return undefined;
  if (f.default !== undefined) {
    if (f.default === null) return null;
    if (f.base === 'int64') return BigInt(f.default as string | number);
    if (f.base === 'bool') return f.default === true || f.default === 'true';
    return f.default;
  }
  switch (f.base) {
    case 'bool':
      return false;
    case 'int64':
      return 0n;
    case 'string':
      return '';
    case 'bytes':
      return Buffer.alloc(0);
    case 'records':
      return null;
    case 'uuid':
      return 'AAAAAAAAAAAAAAAAAAAAAA';
    default:
      return 0;
  }
}
