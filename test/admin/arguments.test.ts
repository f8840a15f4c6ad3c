// Admin calls check the shape of their list arguments before any request: a
// bad one rejects that call (never throws, never reaches a broker) with a
// KafkaConfigError that names the call. A string where a list of names
// belongs is refused rather than read as one name per character.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/admin/admin.js';
import { describeValue } from '../../src/config-checks.js';
import { KafkaConfigError, KafkaError } from '../../src/errors.js';

// A closed port: a call that got past its checks would fail with a connection error, not a KafkaConfigError.
const admin = new Admin({ bootstrapServers: '127.0.0.1:1', defaultApiTimeoutMs: 2000, reconnectBackoffMaxMs: 100 });
afterAll(() => admin.close());

type Call = (v: unknown) => Promise<unknown>;
const a = admin as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;

/** Calls whose first (or, after a group id, second) argument is a list of names. */
const NAME_LISTS: Array<[string, Call]> = [
  ['deleteTopics()', (v) => a.deleteTopics!(v)],
  ['describeTopics()', (v) => a.describeTopics!(v)],
  ['describeConsumerGroups()', (v) => a.describeConsumerGroups!(v)],
  ['deleteConsumerGroups()', (v) => a.deleteConsumerGroups!(v)],
  ['listConsumerGroupOffsets()', (v) => a.listConsumerGroupOffsets!(v)],
  ['describeShareGroups()', (v) => a.describeShareGroups!(v)],
  ['deleteShareGroupOffsets()', (v) => a.deleteShareGroupOffsets!('g', v)],
  ['describeStreamsGroups()', (v) => a.describeStreamsGroups!(v)],
  ['describeTransactions()', (v) => a.describeTransactions!(v)],
  ['fenceProducers()', (v) => a.fenceProducers!(v)],
];

/** Calls whose list holds objects (partitions, resources, bindings, alterations). */
const OBJECT_LISTS: Array<[string, Call]> = [
  ['createTopics()', (v) => a.createTopics!(v)],
  ['describeConfigs()', (v) => a.describeConfigs!(v)],
  ['incrementalAlterConfigs()', (v) => a.incrementalAlterConfigs!(v)],
  ['listOffsets()', (v) => a.listOffsets!(v)],
  ['deleteRecords()', (v) => a.deleteRecords!(v)],
  ['alterConsumerGroupOffsets()', (v) => a.alterConsumerGroupOffsets!('g', v)],
  ['deleteConsumerGroupOffsets()', (v) => a.deleteConsumerGroupOffsets!('g', v)],
  ['alterShareGroupOffsets()', (v) => a.alterShareGroupOffsets!('g', v)],
  ['describeProducers()', (v) => a.describeProducers!(v)],
  ['createAcls()', (v) => a.createAcls!(v)],
  ['deleteAcls()', (v) => a.deleteAcls!(v)],
  ['alterUserScramCredentials()', (v) => a.alterUserScramCredentials!(v)],
  ['alterClientQuotas()', (v) => a.alterClientQuotas!(v)],
];

/** Settles the call, and fails if it threw instead of returning a promise. */
async function outcome(call: Call, v: unknown): Promise<unknown> {
  let p: Promise<unknown>;
  try {
    p = call(v);
  } catch (e) {
    return new Error(`threw synchronously: ${String(e)}`);
  }
  return p.then(() => new Error('resolved'), (e: unknown) => e);
}

const notArray = fc.anything().filter((v) => !Array.isArray(v));

describe('Admin list arguments', () => {
  it.each([...NAME_LISTS, ...OBJECT_LISTS])('%s: anything but an array rejects the call with a KafkaConfigError naming it', async (name, call) => {
    if (name === 'listConsumerGroupOffsets()') return; // takes an object too (next test)
    await fc.assert(
      fc.asyncProperty(notArray, async (v) => {
        const e = await outcome(call, v);
        expect(e).toBeInstanceOf(KafkaConfigError);
        expect((e as Error).message.startsWith(`${name} takes an array of `)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it.each(NAME_LISTS.filter(([n]) => n !== 'listConsumerGroupOffsets()'))('%s: a lone string is refused (not read as one name per character), with the fix in the message', async (name, call) => {
    const e = await outcome(call, 'orders');
    expect(e).toBeInstanceOf(KafkaConfigError);
    expect((e as Error).message).toContain(`${name} takes an array of`);
    expect((e as Error).message).toContain('(for one, pass ["orders"])');
  });

  it.each(NAME_LISTS)('%s: an element that is not a string is named by its index', async (name, call) => {
    const e = await outcome(call, ['ok', 7]);
    expect(e).toBeInstanceOf(KafkaConfigError);
    expect((e as Error).message).toMatch(new RegExp(`^${name.replace(/[()]/g, '\\$&')}: .*\\[1\\] must be a string, got 7$`));
  });

  it.each(OBJECT_LISTS)('%s: an element that is not an object is named by its index', async (name, call) => {
    const e = await outcome(call, [null]);
    expect(e).toBeInstanceOf(KafkaConfigError);
    expect((e as Error).message).toMatch(new RegExp(`^${name.replace(/[()]/g, '\\$&')}: .*\\[0\\] must be an object, got null$`));
  });

  it('partition lists need a string topic and a whole partition ≥ 0', async () => {
    for (const [tp, why] of [
      [{ topic: 5, partition: 0 }, '[0].topic must be a string, got 5'],
      [{ topic: 't', partition: -1 }, '[0].partition must be an integer ≥ 0, got -1'],
      [{ topic: 't', partition: '0' }, '[0].partition must be an integer ≥ 0, got "0"'],
    ] as const) {
      for (const call of [(v: unknown) => a.listOffsets!(v), (v: unknown) => a.deleteRecords!(v), (v: unknown) => a.describeProducers!(v)]) {
        const e = await outcome(call, [tp]);
        expect(e).toBeInstanceOf(KafkaConfigError);
        expect((e as Error).message).toContain(why);
      }
    }
  });

  it('createTopics: a topic name and whole counts the request can carry', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, '[0].topic must be a string, got undefined'],
      [{ topic: 't', numPartitions: 'x' }, '[0].numPartitions of t must be a whole number up to 2147483647'],
      [{ topic: 't', numPartitions: 1.5 }, '[0].numPartitions of t must be a whole number'],
      [{ topic: 't', replicationFactor: 40000 }, '[0].replicationFactor of t must be a whole number up to 32767'],
    ];
    for (const [topic, why] of cases) {
      const e = await outcome((v) => a.createTopics!(v), [topic]);
      expect(e).toBeInstanceOf(KafkaConfigError);
      expect((e as Error).message).toContain(why);
    }
  });

  it('listConsumerGroupOffsets takes an array of ids or an object of { groupId: partitions | null }; createPartitions an object', async () => {
    for (const v of ['g', 5, null, undefined]) {
      const e = await outcome((x) => a.listConsumerGroupOffsets!(x), v);
      expect(e).toBeInstanceOf(KafkaConfigError);
      expect((e as Error).message).toMatch(/^listConsumerGroupOffsets\(\) takes an object of \{ groupId: partitions \| null \}/);
      const f = await outcome((x) => a.createPartitions!(x), v);
      expect(f).toBeInstanceOf(KafkaConfigError);
      expect((f as Error).message).toMatch(/^createPartitions\(\) takes an object of/);
    }
    const arr = await outcome((x) => a.createPartitions!(x), [{ totalCount: 3 }]);
    expect(arr).toBeInstanceOf(KafkaConfigError);
  });

  it('well-formed arguments pass the checks (and then fail only on the closed port)', async () => {
    const e = await outcome((v) => a.deleteTopics!(v), ['orders']);
    expect(e).not.toBeInstanceOf(KafkaConfigError);
    expect(e).toBeInstanceOf(Error);
  });
});

describe('the options argument', () => {
  /** Each call with valid arguments before its options. */
  const WITH_OPTIONS: Array<[string, (o: unknown) => Promise<unknown>]> = [
    ['createTopics()', (o) => a.createTopics!([{ topic: 't' }], o)],
    ['deleteTopics()', (o) => a.deleteTopics!(['t'], o)],
    ['listTopics()', (o) => a.listTopics!(o)],
    ['describeCluster()', (o) => a.describeCluster!(o)],
    ['listOffsets()', (o) => a.listOffsets!([{ topic: 't', partition: 0, spec: 'latest' }], o)],
    ['listGroups()', (o) => a.listGroups!(o)],
    ['consumerGroupLag()', (o) => a.consumerGroupLag!('g', o)],
    ['listTransactions()', (o) => a.listTransactions!(o)],
    ['describeAcls()', (o) => a.describeAcls!(undefined, o)],
  ];

  it.each(WITH_OPTIONS)('%s: anything but an object (or null) is refused by name before any request', async (name, call) => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.array(fc.anything()), fc.bigInt()), async (o) => {
        const e = await outcome(call, o);
        expect(e, name).toBeInstanceOf(KafkaConfigError);
        expect((e as Error).message).toBe(`${name}: the options must be an object such as { timeoutMs: 5000 }, got ${describeValue(o)}`);
      }),
      { numRuns: 10 },
    );
  });

  it.each(WITH_OPTIONS)('%s: null means no options (the call goes on to the closed port, not a TypeError)', async (_name, call) => {
    // Calls with one result per item resolve (each item failed to connect); the others reject with that error.
    const e = await call(null).then(() => null, (err: unknown) => err);
    if (e !== null) {
      expect(e).toBeInstanceOf(KafkaError);
      expect(e).not.toBeInstanceOf(KafkaConfigError);
    }
  });
});
