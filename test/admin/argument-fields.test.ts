// Admin calls check each field of their arguments' elements (and the options
// that are lists, enums or numbers sent as is) before any request: a missing
// or wrongly typed field rejects that call with a KafkaConfigError that names
// the call, the element, the field and the value given; never a TypeError,
// never a per-item error. The Admin dials a closed port, so a call that got
// past its checks fails another way (a connection error or a timeout).
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/admin/admin.js';
import { describeValue } from '../../src/config-checks.js';
import { KafkaConfigError } from '../../src/errors.js';
import type { DeleteRecordsRequest, ListOffsetsRequest, OffsetCommitRequest } from '../../src/messages/generated/index.js';
import { responseFrame, startFakeBroker, type FakeBroker } from '../network/fake-broker.js';

// Short timeouts: a call the checks let through gives up quickly.
const admin = new Admin({ bootstrapServers: '127.0.0.1:9', defaultApiTimeoutMs: 150, requestTimeoutMs: 150, retryBackoffMs: 10, retryBackoffMaxMs: 50, reconnectBackoffMs: 10, reconnectBackoffMaxMs: 50 });
afterAll(() => admin.close());
const a = admin as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;

type Fields = Record<string, unknown>;

/** Settles the call, and fails if it threw instead of returning a promise. */
async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  let p: Promise<unknown>;
  try {
    p = run();
  } catch (e) {
    return new Error(`threw synchronously: ${String(e)}`);
  }
  return p.then(() => new Error('resolved'), (e: unknown) => e);
}

// What each kind of field accepts, as the checks define it; the wrong values are drawn from their complement.
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const isObj = (v: unknown): v is Fields => v !== null && typeof v === 'object' && !Array.isArray(v);
const isInt = (v: unknown, min: number, max = INT32_MAX) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isInt64 = (v: unknown, min: bigint) => (typeof v === 'bigint' && v >= min && v <= INT64_MAX) || (typeof v === 'number' && Number.isSafeInteger(v) && BigInt(v) >= min);
const isOneOf = (v: unknown, allowed: readonly string[], ignoreCase = false) => typeof v === 'string' && allowed.some((x) => (ignoreCase ? x.toUpperCase() === v.toUpperCase() : x === v));
const isStr = (v: unknown) => typeof v === 'string';
const isIds = (v: unknown) => Array.isArray(v) && v.every((id) => isInt(id, 0));

/** Values `ok` refuses: anything at all, plus near misses that anything() rarely draws. */
const not = (ok: (v: unknown) => boolean, ...near: Array<fc.Arbitrary<unknown>>) => fc.oneof(fc.anything(), ...near).filter((v) => !ok(v));
const orAbsent = (ok: (v: unknown) => boolean) => (v: unknown) => v === undefined || ok(v);
const orNull = (ok: (v: unknown) => boolean) => (v: unknown) => v == null || ok(v);
const badString = not(isStr);
const badInt = (min: number, max = INT32_MAX) => not((v) => isInt(v, min, max), fc.double(), fc.integer({ min: min - 1000, max: min - 1 }), fc.constantFrom(max + 1, 2 ** 53, String(min), BigInt(min)));
const badInt64 = (min: bigint) =>
  not((v) => isInt64(v, min), fc.double(), fc.bigInt({ min: INT64_MAX + 1n, max: 2n ** 70n }), fc.constantFrom(2 ** 53, String(min + 1n)), ...(min > INT64_MIN ? [fc.bigInt({ min: min - 1000n, max: min - 1n }), fc.constant(Number(min) - 1)] : []));
const badEnum = (allowed: readonly string[], ignoreCase: boolean, ...near: string[]) => not((v) => isOneOf(v, allowed, ignoreCase), fc.string(), fc.constantFrom('toString', 'constructor', '__proto__', ...near));
const optional = (arb: fc.Arbitrary<unknown>) => arb.filter((v) => v !== undefined);
const nullable = (arb: fc.Arbitrary<unknown>) => arb.filter((v) => v != null);

interface Case {
  call: string;
  /** Calls it with these fields in the element (or options) under test. */
  run: (fields: Fields) => Promise<unknown>;
  /** Where the element sits in the argument, as messages name it ('' for options and single arguments). */
  at: string;
  valid: Fields;
  bad: Record<string, fc.Arbitrary<unknown>>;
  /** Fields whose own fields or elements are checked: the message may name an inner one and its value. */
  nested?: string[];
}

const tp = { topic: 't', partition: 0 };
const partitionFields = { topic: badString, partition: badInt(0) };
const RESOURCE_TYPES = ['topic', 'broker', 'broker-logger', 'client-metrics', 'group'];
const OPS = ['set', 'delete', 'append', 'subtract'];
const resourceOk = (v: unknown) =>
  isObj(v) && isOneOf(v.type, RESOURCE_TYPES) && isStr(v.name) && (!(v.type === 'broker' || v.type === 'broker-logger') || v.name === '' || Number.isInteger(Number(v.name)));
const opOk = (o: unknown) => isObj(o) && isStr(o.name) && isOneOf(o.op, OPS) && (o.op === 'delete' || isStr(o.value));
const specOk = (v: unknown) => isOneOf(v, ['earliest', 'latest', 'max-timestamp']) || (isObj(v) && isInt64(v.timestamp, INT64_MIN));
const RESOURCE = ['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID', 'DELEGATION_TOKEN', 'USER'];
const OPERATION = ['ALL', 'READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE', 'CREATE_TOKENS', 'DESCRIBE_TOKENS', 'TWO_PHASE_COMMIT'];
const PERMISSION = ['DENY', 'ALLOW'];
const PATTERN = ['LITERAL', 'PREFIXED'];
const aclFilterFields = {
  resourceType: nullable(badEnum([...RESOURCE, 'ANY'], true, 'UNKNOWN')),
  patternType: nullable(badEnum([...PATTERN, 'ANY', 'MATCH'], true, 'UNKNOWN')),
  operation: nullable(badEnum([...OPERATION, 'ANY'], true, 'UNKNOWN')),
  permission: nullable(badEnum([...PERMISSION, 'ANY'], true, 'UNKNOWN')),
  resourceName: nullable(badString),
  principal: nullable(badString),
  host: nullable(badString),
};
const aclFilter = { resourceType: 'any', resourceName: null, patternType: 'MATCH', principal: 'User:a', operation: 'ANY', permission: 'allow' };

const CASES: Case[] = [
  {
    call: 'createTopics()',
    run: (t) => a.createTopics!([t]),
    at: '[0]',
    valid: { topic: 't', numPartitions: 3, replicationFactor: 1, replicaAssignment: { 0: [1, 2], 1: [2, 3] }, configs: { 'retention.ms': '1000' } },
    bad: {
      topic: badString,
      numPartitions: optional(badInt(-1)),
      replicationFactor: optional(badInt(-1, 0x7fff)),
      replicaAssignment: nullable(
        not((v) => v !== null && typeof v === 'object' && Object.entries(v as object).every(([k, ids]) => /^\d+$/.test(k) && Number(k) <= INT32_MAX && isIds(ids)), fc.constantFrom({ 0: [-1] }, { x: [1] }, { 0: 1 }, [[1], ['2']])),
      ),
      configs: nullable(not((v) => isObj(v) && Object.values(v).every(isStr), fc.dictionary(fc.string(), badString, { minKeys: 1 }))),
    },
    nested: ['replicaAssignment', 'configs'],
  },
  {
    call: 'createPartitions()',
    run: (p) => a.createPartitions!({ t: p }),
    at: '["t"]',
    valid: { totalCount: 6, assignments: [[1, 2]] },
    bad: { totalCount: badInt(1), assignments: nullable(not((v) => Array.isArray(v) && v.every(isIds), fc.constantFrom([1], [[-1]], [['1']]))) },
    nested: ['assignments'],
  },
  {
    call: 'describeConfigs()',
    run: (r) => a.describeConfigs!([r]),
    at: '[0]',
    valid: { type: 'topic', name: 't' },
    bad: { type: badEnum(RESOURCE_TYPES, false, 'TOPIC', 'topics', 'BROKER'), name: badString },
  },
  {
    call: 'incrementalAlterConfigs()',
    run: (x) => a.incrementalAlterConfigs!([x]),
    at: '[0]',
    valid: { resource: { type: 'broker', name: '1' }, ops: [{ name: 'log.cleaner.threads', op: 'set', value: '2' }, { name: 'x', op: 'delete' }] },
    bad: {
      resource: not(resourceOk, fc.record({ type: badEnum(RESOURCE_TYPES, false), name: fc.string() }), fc.constantFrom({ type: 'broker', name: 'one' }, { type: 'topic' })),
      ops: not((v) => Array.isArray(v) && v.every(opOk), fc.array(fc.record({ name: fc.anything(), op: fc.anything(), value: fc.anything() }), { minLength: 1 })),
    },
    nested: ['resource', 'ops'],
  },
  {
    call: 'incrementalAlterConfigs()',
    run: (o) => a.incrementalAlterConfigs!([{ resource: { type: 'topic', name: 't' }, ops: [o] }]),
    at: '[0].ops[0]',
    valid: { name: 'cleanup.policy', op: 'append', value: 'compact' },
    bad: { name: badString, op: badEnum(OPS, false, 'SET', 'remove'), value: badString },
  },
  { call: 'listOffsets()', run: (r) => a.listOffsets!([r]), at: '[0]', valid: { ...tp, spec: 'max-timestamp' }, bad: { ...partitionFields, spec: not(specOk, fc.constantFrom('first', 'Latest', { ts: 1 }, [])) }, nested: ['spec'] },
  { call: 'listOffsets()', run: (s) => a.listOffsets!([{ ...tp, spec: s }]), at: '[0].spec', valid: { timestamp: 1_700_000_000_000 }, bad: { timestamp: badInt64(INT64_MIN) } },
  { call: 'deleteRecords()', run: (r) => a.deleteRecords!([r]), at: '[0]', valid: { ...tp, beforeOffset: 10 }, bad: { ...partitionFields, beforeOffset: badInt64(-1n) } },
  {
    call: 'alterConsumerGroupOffsets()',
    run: (o) => a.alterConsumerGroupOffsets!('g', [o]),
    at: '[0]',
    valid: { ...tp, offset: 0, leaderEpoch: 4, metadata: 'm' },
    bad: { ...partitionFields, offset: badInt64(0n), leaderEpoch: nullable(badInt(-1)), metadata: nullable(badString) },
  },
  { call: 'alterShareGroupOffsets()', run: (o) => a.alterShareGroupOffsets!('g', [o]), at: '[0]', valid: { ...tp, offset: 3n }, bad: { ...partitionFields, offset: badInt64(0n) } },
  { call: 'deleteConsumerGroupOffsets()', run: (p) => a.deleteConsumerGroupOffsets!('g', [p]), at: '[0]', valid: tp, bad: partitionFields },
  { call: 'describeProducers()', run: (p) => a.describeProducers!([p]), at: '[0]', valid: tp, bad: partitionFields },
  { call: 'listConsumerGroupOffsets()', run: (p) => a.listConsumerGroupOffsets!({ g: [p], h: null }), at: '["g"][0]', valid: tp, bad: partitionFields },
  { call: 'listShareGroupOffsets()', run: (p) => a.listShareGroupOffsets!({ g: [p] }), at: '["g"][0]', valid: tp, bad: partitionFields },
  { call: 'listShareGroupOffsets()', run: (p) => a.listShareGroupOffsets!('g', [p]), at: '[0]', valid: tp, bad: partitionFields },
  {
    call: 'createAcls()',
    run: (b) => a.createAcls!([b]),
    at: '[0]',
    valid: { resourceType: 'TOPIC', resourceName: 't', patternType: 'PREFIXED', principal: 'User:a', host: '*', operation: 'READ', permission: 'ALLOW' },
    bad: {
      // ANY and MATCH only filter: a binding names one resource pattern and one entry.
      resourceType: badEnum(RESOURCE, true, 'ANY', 'UNKNOWN'),
      patternType: nullable(badEnum(PATTERN, true, 'ANY', 'MATCH', 'UNKNOWN')),
      operation: badEnum(OPERATION, true, 'ANY', 'UNKNOWN'),
      permission: badEnum(PERMISSION, true, 'ANY', 'UNKNOWN'),
      resourceName: badString,
      principal: badString,
      host: nullable(badString),
    },
  },
  { call: 'deleteAcls()', run: (f) => a.deleteAcls!([f]), at: '[0]', valid: aclFilter, bad: aclFilterFields },
  { call: 'describeAcls()', run: (f) => a.describeAcls!(f), at: 'filter', valid: aclFilter, bad: aclFilterFields },
  {
    call: 'alterUserScramCredentials()',
    run: (x) => a.alterUserScramCredentials!([x]),
    at: '[0]',
    valid: { user: 'u', mechanism: 'SCRAM-SHA-512', password: 'p', iterations: 4096, salt: new Uint8Array(16) },
    bad: {
      user: badString,
      mechanism: badEnum(['SCRAM-SHA-256', 'SCRAM-SHA-512'], false, 'scram-sha-256', 'SHA-256', 'PLAIN'),
      password: badString,
      iterations: nullable(badInt(4096)),
      salt: nullable(not((v) => v instanceof Uint8Array, fc.constantFrom('salt', [1, 2]))),
      delete: optional(not((v) => typeof v === 'boolean', fc.constantFrom('true', 1))),
    },
  },
  { call: 'describeClientQuotas()', run: (c) => a.describeClientQuotas!([c]), at: '[0]', valid: { entityType: 'user', match: null }, bad: { entityType: badString, match: optional(nullable(badString)) } },
  {
    call: 'alterClientQuotas()',
    run: (x) => a.alterClientQuotas!([x]),
    at: '[0]',
    valid: { entity: { user: 'u', 'client-id': null }, ops: { producer_byte_rate: 1048576, consumer_byte_rate: null } },
    bad: {
      entity: not((v) => isObj(v) && Object.values(v).every(orNull(isStr)), fc.dictionary(fc.string(), not(orNull(isStr)), { minKeys: 1 })),
      // undefined would be sent as 0 (a quota of zero), not as a removal.
      ops: not((v) => isObj(v) && Object.values(v).every((x) => x === null || (typeof x === 'number' && Number.isFinite(x))), fc.constantFrom({ r: undefined }, { r: NaN }, { r: Infinity }, { r: '1' })),
    },
    nested: ['entity', 'ops'],
  },
  // Group ids of the calls that act on one group.
  ...(['alterConsumerGroupOffsets', 'deleteConsumerGroupOffsets', 'alterShareGroupOffsets', 'deleteShareGroupOffsets'] as const).map(
    (m): Case => ({ call: `${m}()`, run: (x) => a[m]!(x.groupId, []), at: '', valid: { groupId: 'g' }, bad: { groupId: badString } }),
  ),
  { call: 'consumerGroupLag()', run: (x) => a.consumerGroupLag!(x.groupId, { isolationLevel: x.isolationLevel }), at: '', valid: { groupId: 'g', isolationLevel: 'read_committed' }, bad: { groupId: badString, isolationLevel: optional(badEnum(['read_uncommitted', 'read_committed'], false, 'READ_COMMITTED', 'read-committed')) } },
  // Options that are lists, enums, or numbers the request carries as they are.
  { call: 'listOffsets()', run: (o) => a.listOffsets!([{ ...tp, spec: 'latest' }], o), at: '', valid: { isolationLevel: 'read_uncommitted' }, bad: { isolationLevel: optional(badEnum(['read_uncommitted', 'read_committed'], false, 'committed')) } },
  { call: 'describeConfigs()', run: (o) => a.describeConfigs!([{ type: 'topic', name: 't' }], o), at: '', valid: { configNames: ['retention.ms'] }, bad: { configNames: nullable(not((v) => Array.isArray(v) && v.every(isStr), fc.constant('retention.ms'))) }, nested: ['configNames'] },
  {
    call: 'listGroups()',
    run: (o) => a.listGroups!(o),
    at: '',
    valid: { states: ['Stable'], types: ['consumer', 'SHARE'] },
    bad: { states: nullable(not((v) => Array.isArray(v) && v.every(isStr))), types: nullable(not((v) => Array.isArray(v) && v.every((t) => isOneOf(t, ['classic', 'consumer', 'share', 'streams'], true)), fc.constant(['connect']))) },
    nested: ['states', 'types'],
  },
  {
    call: 'listTransactions()',
    run: (o) => a.listTransactions!(o),
    at: '',
    valid: { states: ['Ongoing'], producerIds: [1, 2n], durationMs: 60_000 },
    bad: {
      states: nullable(not((v) => Array.isArray(v) && v.every(isStr))),
      producerIds: nullable(not((v) => Array.isArray(v) && v.every((id) => isInt64(id, 0n)), fc.constantFrom([-1], [1.5], ['1']))),
      durationMs: nullable(badInt64(-1n)),
    },
    nested: ['states', 'producerIds'],
  },
  { call: 'fenceProducers()', run: (o) => a.fenceProducers!(['tx'], o), at: '', valid: { transactionTimeoutMs: 1000 }, bad: { transactionTimeoutMs: nullable(badInt(1)) } },
];

const FIELD_CASES = CASES.flatMap((c) => Object.entries(c.bad).map(([field, bad]) => [`${c.call} ${c.at === '' ? '' : `${c.at}.`}${field}`, c, field, bad] as const));

/** The element with `field` set to `v` (left out when v is undefined: a missing field). */
function withField(valid: Fields, field: string, v: unknown): Fields {
  const el = { ...valid, [field]: v };
  if (v === undefined) delete el[field];
  return el;
}

describe('Admin argument fields', () => {
  it.each(FIELD_CASES)('%s: a wrong or missing value rejects the call, naming the field and the value', async (_, c, field, bad) => {
    const path = c.at === '' ? field : `${c.at}.${field}`;
    await fc.assert(
      fc.asyncProperty(bad, async (v) => {
        const e = await outcome(() => c.run(withField(c.valid, field, v)));
        expect(e).toBeInstanceOf(KafkaConfigError);
        const msg = (e as Error).message;
        expect(msg.startsWith(`${c.call}: ${path}`), msg).toBe(true);
        expect(msg).toContain(' must be ');
        if (!c.nested?.includes(field)) expect(msg.endsWith(`, got ${describeValue(v)}`), msg).toBe(true);
      }),
      // A missing check sends requests, each waiting out the timeout: report the first counterexample as drawn.
      { numRuns: 40, endOnFailure: true },
    );
  });

  it.each(CASES.map((c) => [`${c.call} ${c.at}`, c] as const))('%s: the valid shape passes the checks (and then fails only on the closed port)', async (_, c) => {
    const e = await outcome(() => c.run(c.valid));
    expect(e).not.toBeInstanceOf(KafkaConfigError);
    expect(e).toBeInstanceOf(Error);
  });
});

describe('Admin argument fields: the shapes found against a real broker, and inputs newly taken', () => {
  it('incrementalAlterConfigs with the resource not wrapped in { resource, ops } says how to wrap it', async () => {
    const e = await outcome(() => a.incrementalAlterConfigs!([{ type: 'topic', name: 't', ops: [{ name: 'retention.ms', op: 'set', value: '1' }] }]));
    expect(e).toBeInstanceOf(KafkaConfigError);
    expect((e as Error).message).toBe("incrementalAlterConfigs(): [0].resource must be the { type, name } resource (each item is { resource: { type: 'topic', name }, ops }), got undefined");
  });

  it('deleteRecords with offset instead of beforeOffset is refused before any request', async () => {
    const e = await outcome(() => a.deleteRecords!([{ topic: 't', partition: 0, offset: 1n }]));
    expect(e).toBeInstanceOf(KafkaConfigError);
    expect((e as Error).message).toBe('deleteRecords(): [0].beforeOffset must be a bigint or a safe integer ≥ -1 (-1: the high watermark), got undefined');
  });

  it('a value is required for set, append and subtract, not for delete', async () => {
    for (const op of ['set', 'append', 'subtract']) {
      const e = await outcome(() => a.incrementalAlterConfigs!([{ resource: { type: 'topic', name: 't' }, ops: [{ name: 'x', op: 'delete' }, { name: 'x', op }] }]));
      expect((e as Error).message).toBe('incrementalAlterConfigs(): [0].ops[1].value must be a string, got undefined');
    }
  });

  it('a broker resource is named by a node id', async () => {
    const e = await outcome(() => a.describeConfigs!([{ type: 'topic', name: 't' }, { type: 'broker-logger', name: 'one' }]));
    expect(e).toBeInstanceOf(KafkaConfigError);
    expect((e as Error).message).toMatch(/^describeConfigs\(\): \[1\]\.name must be a broker's node id/);
  });

  it('a SCRAM alteration with delete: false is an upsert (it needs a password), and one with both is refused', async () => {
    const e = await outcome(() => a.alterUserScramCredentials!([{ user: 'u', mechanism: 'SCRAM-SHA-256', delete: false }]));
    expect((e as Error).message).toBe('alterUserScramCredentials(): [0].password must be a string, got undefined');
    const both = await outcome(() => a.alterUserScramCredentials!([{ user: 'u', mechanism: 'SCRAM-SHA-256', password: 'p', delete: true }]));
    expect(both).toBeInstanceOf(KafkaConfigError);
    expect((both as Error).message).toMatch(/^alterUserScramCredentials\(\): \[0\] must be either \{ password \} or \{ delete: true \}, not both/);
  });

  it('describeAcls takes no filter, or an object', async () => {
    const e = await outcome(() => a.describeAcls!(null));
    expect((e as Error).message).toBe('describeAcls(): filter must be an object, got null');
  });

  it.each([
    ['deleteRecords beforeOffset -1 (the high watermark) and a number', () => a.deleteRecords!([{ ...tp, beforeOffset: -1 }, { topic: 't', partition: 1, beforeOffset: 7 }, { topic: 't', partition: 2, beforeOffset: -1n }])],
    ['alterConsumerGroupOffsets offsets as numbers', () => a.alterConsumerGroupOffsets!('g', [{ ...tp, offset: 5 }, { topic: 't', partition: 1, offset: 0n }])],
    ['listOffsets a bigint timestamp', () => a.listOffsets!([{ ...tp, spec: { timestamp: 1_700_000_000_000n } }, { topic: 't', partition: 1, spec: 'earliest' }])],
    ['createTopics replicas as an array of lists', () => a.createTopics!([{ topic: 't', replicaAssignment: [[1, 2], [2, 3]] }])],
    ['createPartitions without assignments', () => a.createPartitions!({ t: { totalCount: 4, assignments: null } })],
    ['createAcls names in lower case, pattern type and host left out', () => a.createAcls!([{ resourceType: 'group', resourceName: 'g', principal: 'User:a', operation: 'read', permission: 'deny' }])],
    ['a SCRAM deletion', () => a.alterUserScramCredentials!([{ user: 'u', mechanism: 'SCRAM-SHA-256', delete: true }])],
    ['listShareGroupOffsets (groupId, opts)', () => a.listShareGroupOffsets!('g', { timeoutMs: 100 })],
  ])('%s passes the checks', async (_, run) => {
    const e = await outcome(run);
    expect(e).not.toBeInstanceOf(KafkaConfigError);
    expect(e).toBeInstanceOf(Error);
  });
});

/** One broker that leads every partition of topic t and coordinates every group, answering each request with success. */
async function oneBroker(): Promise<FakeBroker> {
  const b: FakeBroker = await startFakeBroker((req) => {
    const reply = (body: unknown) => req.socket.write(responseFrame(req, body));
    const partitions = [0, 1, 2].map((partitionIndex) => ({ errorCode: 0, partitionIndex, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }));
    const topics = (req.body as { topics: Array<{ name: string; partitions: Array<{ partitionIndex: number }> }> }).topics;
    const answer = (extra: Record<string, unknown>) => topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0, ...extra })) }));
    switch (req.api.name) {
      case 'Metadata':
        reply({ throttleTimeMs: 0, brokers: [{ nodeId: 1, host: '127.0.0.1', port: b.port, rack: null }], clusterId: 'fake', controllerId: 1, clusterAuthorizedOperations: -2147483648,
          topics: [{ errorCode: 0, name: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', isInternal: false, partitions, topicAuthorizedOperations: -2147483648 }] });
        return true;
      case 'FindCoordinator':
        reply({ throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 1, host: '127.0.0.1', port: b.port, coordinators: [{ key: 'g', nodeId: 1, host: '127.0.0.1', port: b.port, errorCode: 0, errorMessage: null }] });
        return true;
      case 'DeleteRecords':
        reply({ throttleTimeMs: 0, topics: answer({ lowWatermark: 0n }) });
        return true;
      case 'OffsetCommit':
        reply({ throttleTimeMs: 0, topics: answer({}) });
        return true;
      case 'ListOffsets':
        reply({ throttleTimeMs: 0, topics: answer({ oldStyleOffsets: [], timestamp: -1n, offset: 0n, leaderEpoch: 0 }) });
        return true;
      default:
        return false;
    }
  });
  return b;
}

describe('Admin argument fields: numbers where int64s go', () => {
  it('offsets and timestamps given as numbers are sent as the same int64s as bigints', async () => {
    const b = await oneBroker();
    const live = new Admin({ bootstrapServers: `127.0.0.1:${b.port}`, retryBackoffMs: 10, retryBackoffMaxMs: 20 });
    try {
      const deleted = await live.deleteRecords([{ ...tp, beforeOffset: 7 }, { topic: 't', partition: 1, beforeOffset: -1 }, { topic: 't', partition: 2, beforeOffset: 3n }]);
      expect(deleted.map((r) => r.ok)).toEqual([true, true, true]);
      const committed = await live.alterConsumerGroupOffsets('g', [{ ...tp, offset: 5 }, { topic: 't', partition: 1, offset: 6n }]);
      expect(committed.map((r) => r.ok)).toEqual([true, true]);
      const listed = await live.listOffsets([{ ...tp, spec: { timestamp: 1_700_000_000_000 } }, { topic: 't', partition: 1, spec: { timestamp: 1_700_000_000_001n } }]);
      expect(listed.map((r) => r.ok)).toEqual([true, true]);
      const body = <T>(api: string) => b.requests.find((r) => r.api.name === api)!.body as T;
      expect(body<DeleteRecordsRequest>('DeleteRecords').topics.flatMap((t) => t.partitions.map((p) => p.offset))).toEqual([7n, -1n, 3n]);
      expect(body<OffsetCommitRequest>('OffsetCommit').topics.flatMap((t) => t.partitions.map((p) => p.committedOffset))).toEqual([5n, 6n]);
      expect(body<ListOffsetsRequest>('ListOffsets').topics.flatMap((t) => t.partitions.map((p) => p.timestamp))).toEqual([1_700_000_000_000n, 1_700_000_000_001n]);
    } finally {
      await live.close();
      await b.close();
    }
  });
});

describe('one thing named twice in a list of changes', () => {
  /** A list of distinct names with one of them repeated at a later position: [list, first index, repeat index]. */
  const withRepeat = fc
    .uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 6 })
    .chain((names) => fc.tuple(fc.constant(names), fc.nat(names.length - 1), fc.nat(names.length)))
    .map(([names, j, at]) => {
      const i = Math.max(at, j + 1);
      const list = [...names.slice(0, i), names[j]!, ...names.slice(i)];
      return { list, first: j, again: i };
    });

  it('createTopics(), incrementalAlterConfigs() and alterClientQuotas() refuse it, naming both places', async () => {
    const calls: Array<[string, (names: string[]) => Promise<unknown>]> = [
      ['createTopics()', (names) => a.createTopics!(names.map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })))],
      ['incrementalAlterConfigs()', (names) => a.incrementalAlterConfigs!(names.map((name) => ({ resource: { type: 'topic', name }, ops: [{ name: 'retention.ms', op: 'set', value: '1' }] })))],
      // The same entity whatever the order of its keys.
      ['alterClientQuotas()', (names) => a.alterClientQuotas!(names.map((user, k) => ({ entity: k % 2 === 0 ? { user, 'client-id': 'c' } : { 'client-id': 'c', user }, ops: { producer_byte_rate: 1 } })))],
    ];
    for (const [name, call] of calls) {
      await fc.assert(
        fc.asyncProperty(withRepeat, async ({ list, first, again }) => {
          const e = await outcome(() => call(list));
          expect(e, name).toBeInstanceOf(KafkaConfigError);
          expect((e as Error).message, name).toContain(`${name}: [${again}] names the same`);
          expect((e as Error).message, name).toContain(`as [${first}]: list each once, with all its changes in one entry`);
        }),
        { numRuns: 20 },
      );
    }
  });
});
