// Unit tests of the CLI's consumer pieces that need no broker: Java consumer
// properties, --from, record formatting, usage errors, the Ctrl-C hook.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cli, type Command } from '../../src/cli/cli.js';
import { applyProperties, emptySettings } from '../../src/cli/config.js';
import { consumerOptionsFrom } from '../../src/cli/consumer-config.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { main } from '../../src/cli/main.js';
import { parseEncoding, parseFrom, parseIsolation, recordJson, recordLine } from '../../src/cli/records.js';
import type { ConsumerRecord } from '../../src/consumer/completed-fetch.js';
import { resolveConsumerOptions } from '../../src/consumer/options.js';
import { KafkaConfigError } from '../../src/errors.js';
import { io } from './cli-io.js';

const record = (over: Partial<ConsumerRecord> = {}): ConsumerRecord => ({
  topic: 't',
  partition: 1,
  offset: 7n,
  timestamp: 1_700_000_000_000,
  timestampType: 'create',
  key: Buffer.from('k'),
  value: Buffer.from('v'),
  headers: [{ key: 'h', value: Buffer.from('x') }, { key: 'n', value: null }],
  leaderEpoch: 0,
  ...over,
});

describe('consumer properties (Java names)', () => {
  it('map to Consumer options the consumer accepts', () => {
    const s = emptySettings();
    applyProperties(
      s,
      new Map([
        ['group.id', 'g'], ['group.protocol', 'CONSUMER'], ['auto.offset.reset', 'earliest'], ['enable.auto.commit', 'false'], ['max.poll.records', '42'],
        ['fetch.max.wait.ms', '100'], ['isolation.level', 'read_committed'], ['client.id', 'me'], ['request.timeout.ms', '5000'], ['metadata.max.age.ms', '1000'],
        ['partition.assignment.strategy', 'org.apache.kafka.clients.consumer.RangeAssignor, roundrobin'], ['key.deserializer', 'org.apache.kafka.common.serialization.StringDeserializer'],
      ]),
      'f',
    );
    expect(s.warnings).toEqual([]);
    const o = consumerOptionsFrom(s.consumer);
    expect(o).toEqual({
      groupId: 'g', groupProtocol: 'consumer', autoOffsetReset: 'earliest', enableAutoCommit: false, maxPollRecords: 42, fetchMaxWaitMs: 100, isolationLevel: 'read_committed',
      clientId: 'me', requestTimeoutMs: 5000, metadataMaxAgeMs: 1000, partitionAssignmentStrategy: ['org.apache.kafka.clients.consumer.RangeAssignor', 'roundrobin'],
    });
    expect(resolveConsumerOptions({ bootstrapServers: 'h:1', ...o })).toMatchObject({ groupId: 'g', maxPollRecords: 42, groupProtocol: 'consumer' });
    expect(() => consumerOptionsFrom({ 'max.poll.records': 'many' })).toThrow(/max.poll.records=many: expected an integer/);
    expect(() => consumerOptionsFrom({ 'check.crcs': 'yes' })).toThrow(KafkaConfigError);
  });
});

describe('consume options', () => {
  it('--from: earliest, latest, offsets, @epoch-ms; anything else is a usage error', () => {
    expect(parseFrom('earliest')).toEqual({ kind: 'earliest' });
    expect(parseFrom('latest')).toEqual({ kind: 'latest' });
    expect(parseFrom('123')).toEqual({ kind: 'offset', offset: 123n });
    expect(parseFrom('@1700000000000')).toEqual({ kind: 'time', ms: 1700000000000 });
    for (const bad of ['', '-1', 'soon', '@', '@x', '1.5', `@${'9'.repeat(20)}`]) expect(() => parseFrom(bad), bad).toThrow(KafkaConfigError);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), (n) => {
        expect(parseFrom(String(n))).toEqual({ kind: 'offset', offset: n });
      }),
    );
    expect(parseEncoding(undefined)).toBe('utf8');
    expect(() => parseEncoding('hex')).toThrow(KafkaConfigError);
    expect(parseIsolation('read_committed')).toBe('read_committed');
    expect(() => parseIsolation('committed')).toThrow(KafkaConfigError);
  });

  it('records as lines and as JSON; base64 round-trips any bytes', () => {
    expect(recordLine(record(), 'utf8')).toBe('v');
    expect(recordLine(record(), 'utf8', ':')).toBe('k:v');
    expect(recordLine(record({ key: null }), 'utf8', ':')).toBe('v');
    expect(recordLine(record({ value: null }), 'utf8')).toBe('null');
    expect(JSON.stringify(recordJson(record(), 'utf8'), (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x))).toBe(
      '{"topic":"t","partition":1,"offset":7,"timestamp":1700000000000,"key":"k","value":"v","headers":[{"key":"h","value":"x"},{"key":"n","value":null}]}',
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const j = recordJson(record({ value: Buffer.from(bytes) }), 'base64');
        expect(Buffer.from(j.value as string, 'base64').equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });

  it('usage errors before any connection (exit 2)', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['consume'], /missing the topic/],
      [['consume', 't', '--from', 'soon'], /--from "soon"/],
      [['consume', 't', '--from', '5'], /--from <offset> needs --partition/],
      [['consume', 't', '--group', 'g', '--partition', '0'], /--partition cannot be used with a group/],
      [['consume', 't', '--group', 'g', '--from', '@5'], /with --group, --from is earliest or latest/],
      [['consume', 't', '--count', '0'], /--count must be > 0/],
      [['consume', 't', '--consumer-property', 'nokey'], /expected key=value/],
      [['get', 't', '0'], /missing the offset/],
      [['get', 't', 'p', '0'], /partition "p"/],
      [['get', 't', '0', '1e3'], /offset "1e3"/],
      [['perf', 'consume', '--topic', 't'], /--messages > 0/],
      [['perf', 'consume', '--topic', 't', '--messages', '5', '--from', '3'], /earliest or latest/],
    ];
    for (const [argv, msg] of cases) {
      const t = io();
      expect(await main([...argv, '--bootstrap', '127.0.0.1:1'], t.io), argv.join(' ')).toBe(EXIT.USAGE);
      expect(t.err(), argv.join(' ')).toMatch(msg);
      expect(t.err().trim().split('\n'), argv.join(' ')).toHaveLength(1);
    }
  });

  it('Ctrl-C: a command that registered a handler stops by itself; without one the bin exits', () => {
    const cmd: Command = { name: 'x', summary: '', usage: ['x'], options: {}, run: async () => 0 };
    const cli = new Cli(io().io, cmd, {}, [], emptySettings());
    expect(cli.interrupt()).toBe(false);
    let stopped = 0;
    const remove = cli.onInterrupt(() => stopped++);
    expect(cli.interrupt()).toBe(true);
    expect(stopped).toBe(1);
    // Once only: a second Ctrl-C is the bin's to handle (exit at once).
    expect(cli.interrupt()).toBe(false);
    cli.onInterrupt(() => stopped++);
    remove(); // removing an older handler leaves the newer one
    expect(cli.interrupt()).toBe(true);
    expect(stopped).toBe(2);
  });
});
