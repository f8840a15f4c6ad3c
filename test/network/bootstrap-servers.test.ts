// bootstrapServers often comes from untyped configuration (JSON files, the
// environment). Whatever it holds, each client's constructor either accepts it
// or throws a KafkaConfigError naming the option: never a TypeError from
// inside the address parser.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Admin, Consumer, KafkaConfigError, Producer } from '../../src/index.js';
import { ConnectionPool } from '../../src/protocol.js';
import { parseBootstrap } from '../../src/network/address.js';

const constructors: Array<[string, (servers: unknown) => { close(): Promise<void> } | object]> = [
  ['Producer', (s) => new Producer({ bootstrapServers: s as string })],
  ['Consumer', (s) => new Consumer({ bootstrapServers: s as string, groupId: 'g' })],
  ['Admin', (s) => new Admin({ bootstrapServers: s as string })],
  ['ConnectionPool', (s) => new ConnectionPool({ bootstrapServers: s as string })],
];

/** Values that are not a string or an array of strings: a wrong type at the top, or one wrong element. */
const wrongType = fc.oneof(
  fc.anything().filter((v) => typeof v !== 'string' && !Array.isArray(v)),
  fc.tuple(fc.array(fc.constant('127.0.0.1:9092'), { maxLength: 3 }), fc.anything().filter((v) => typeof v !== 'string'), fc.nat(3)).map(([good, bad, at]) => {
    const list: unknown[] = [...good];
    list.splice(Math.min(at, list.length), 0, bad);
    return list;
  }),
);

describe('bootstrapServers of the wrong type', () => {
  it('is a KafkaConfigError naming the option, in every client', () => {
    fc.assert(
      fc.property(wrongType, fc.constantFrom(...constructors), (servers, [, make]) => {
        let err: unknown;
        try {
          make(servers);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(KafkaConfigError);
        expect((err as Error).message).toMatch(/bootstrapServers/);
      }),
      { numRuns: 300 },
    );
  });

  it('names the element that is wrong', () => {
    expect(() => parseBootstrap(['127.0.0.1:9092', 5 as unknown as string])).toThrow(/element 1: 5;|element 1: 5$/);
    expect(() => parseBootstrap(7n as unknown as string)).toThrow(/got 7n \(a bigint\)/);
    expect(() => parseBootstrap({} as unknown as string)).toThrow(/got \{\}/);
  });

  it('still parses what is right', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('127.0.0.1', 'localhost', '[::1]', 'broker.invalid'), fc.integer({ min: 1, max: 65535 })), { minLength: 1, maxLength: 4 }), fc.boolean(), (pairs, asArray) => {
        const texts = pairs.map(([h, p]) => `${h}:${p}`);
        const parsed = parseBootstrap(asArray ? texts : texts.join(','));
        expect(parsed.map((a) => a.port)).toEqual(pairs.map(([, p]) => p));
        expect(parsed.map((a) => (a.host === '::1' ? '[::1]' : a.host))).toEqual(pairs.map(([h]) => h));
      }),
    );
  });
});
