// Unit tests of the CLI's pieces that need no broker (kept here because the
// helper that wrote them owns test/admin; they belong in test/cli/).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyProperties, emptySettings, parseJaas } from '../../src/cli/config.js';
import { EXIT, exitCodeFor } from '../../src/cli/exit-codes.js';
import { main } from '../../src/cli/main.js';
import { parseTarget } from '../../src/cli/commands/offsets.js';
import { percentile, Throttle } from '../../src/cli/commands/perf.js';
import { parseProperties } from '../../src/cli/properties.js';
import { toJson } from '../../src/cli/cli.js';
import { KafkaAuthenticationError, KafkaConfigError, KafkaConnectionError, KafkaTimeoutError } from '../../src/errors.js';
import { errorFor, ErrorCode } from '../../src/messages/error-codes.js';
import { io } from './cli-io.js';

describe('Java .properties', () => {
  it('separators, comments, continuations and escapes', () => {
    const p = parseProperties(['# c', '! c', 'a=1', 'b : 2', 'c 3', '  d=x \\', '    y', 'e=tab\\there', 'f=\\u0041', 'g=', 'h=a=b'].join('\n'));
    expect(Object.fromEntries(p)).toEqual({ a: '1', b: '2', c: '3', d: 'x y', e: 'tab\there', f: 'A', g: '', h: 'a=b' });
  });

  it('property: key=value lines round-trip for plain keys and values', () => {
    const key = fc.stringMatching(/^[a-z][a-z0-9.]{0,15}$/);
    const value = fc.stringMatching(/^[A-Za-z0-9_./-]{0,20}$/);
    fc.assert(fc.property(fc.dictionary(key, value), (d) => {
      expect(Object.fromEntries(parseProperties(Object.entries(d).map(([k, v]) => `${k}=${v}`).join('\n')))).toEqual(d);
    }));
  });
});

describe('client settings from Java property names', () => {
  it('maps producer, admin and common properties; warns about unknown ones; keeps consumer ones', () => {
    const s = emptySettings();
    applyProperties(s, new Map([['bootstrap.servers', 'h:1'], ['acks', 'all'], ['linger.ms', '7'], ['enable.idempotence', 'false'], ['client.id', 'me'], ['default.api.timeout.ms', '5000'], ['group.id', 'g'], ['bogus', 'x']]), 'f.properties');
    expect(s.bootstrapServers).toBe('h:1');
    expect(s.producer).toMatchObject({ acks: 'all', lingerMs: 7, enableIdempotence: false, clientId: 'me' });
    expect(s.admin).toMatchObject({ defaultApiTimeoutMs: 5000, clientId: 'me' });
    // Consumer properties by Java name, the shared ones (client.id, default.api.timeout.ms) included.
    expect(s.consumer).toEqual({ 'group.id': 'g', 'client.id': 'me', 'default.api.timeout.ms': '5000' });
    expect(s.warnings).toEqual(['unknown property bogus in f.properties (ignored)']);
    expect(() => applyProperties(emptySettings(), new Map([['batch.size', 'big']]), 'f')).toThrow(KafkaConfigError);
  });

  it('SASL from sasl.jaas.config; TLS from security.protocol', () => {
    const s = emptySettings();
    applyProperties(s, new Map([['security.protocol', 'SASL_SSL'], ['sasl.mechanism', 'SCRAM-SHA-512'], ['sasl.jaas.config', 'org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p\\"w";']]), 'f');
    expect(s.sasl).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p"w' });
    expect(s.tls).toEqual({});
    expect(() => parseJaas('com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true;', 'f')).toThrow(/PlainLoginModule/);
    expect(() => applyProperties(emptySettings(), new Map([['security.protocol', 'SASL_PLAINTEXT']]), 'f')).toThrow(/GSSAPI/);
  });
});

describe('exit codes', () => {
  it('map error kinds to the documented codes', () => {
    expect(exitCodeFor(new KafkaConfigError('x'))).toBe(EXIT.USAGE);
    expect(exitCodeFor(new KafkaAuthenticationError('x'))).toBe(EXIT.DENIED);
    expect(exitCodeFor(errorFor(ErrorCode.TOPIC_AUTHORIZATION_FAILED))).toBe(EXIT.DENIED);
    expect(exitCodeFor(new KafkaConnectionError('x'))).toBe(EXIT.UNREACHABLE);
    expect(exitCodeFor(new KafkaTimeoutError('x'))).toBe(EXIT.UNREACHABLE);
    expect(exitCodeFor(errorFor(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION))).toBe(EXIT.FAILED);
  });
});

describe('main (in process)', () => {
  it('help, unknown commands and options, missing arguments', async () => {
    let t = io();
    expect(await main(['--help'], t.io)).toBe(EXIT.OK);
    expect(t.out()).toContain('Exit codes:');
    t = io();
    expect(await main(['frobnicate'], t.io)).toBe(EXIT.USAGE);
    expect(t.err()).toBe('kafkawire: error: unknown command "frobnicate"; run kafkawire --help for the list\n');
    t = io();
    expect(await main(['topics', '--help'], t.io)).toBe(EXIT.OK);
    expect(t.out()).toContain('kafkawire topics describe <topic>...');
    t = io();
    expect(await main(['offsets', 'reset', 'g', 't', '--to', 'soon', '--bootstrap', '127.0.0.1:1'], t.io)).toBe(EXIT.USAGE);
    expect(t.err()).toContain('--to "soon"');
    t = io();
    expect(await main(['produce', '--bootstrap', '127.0.0.1:1'], t.io)).toBe(EXIT.USAGE);
    expect(t.err()).toContain('missing the topic');
    t = io();
    expect(await main(['perf', 'produce', '--topic', 't', '--num-records', '-5', '--record-size', '1', '--bootstrap', '127.0.0.1:1'], t.io)).toBe(EXIT.USAGE);
    expect(t.err()).toContain('--num-records > 0');
  });
});

describe('command helpers', () => {
  it('offsets reset targets', () => {
    expect(parseTarget('earliest')).toEqual({ kind: 'earliest' });
    expect(parseTarget('42')).toEqual({ kind: 'offset', offset: 42n });
    expect(parseTarget('@1700000000000')).toEqual({ kind: 'time', ms: 1700000000000n });
    expect(() => parseTarget('-1')).toThrow(KafkaConfigError);
  });

  it('percentiles and the throttle', () => {
    const v = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
    expect([0.5, 0.95, 0.99, 0.999].map((p) => percentile(v, p))).toEqual([501, 951, 991, 1000]);
    expect(percentile([], 0.5)).toBe(0);
    expect(new Throttle(-1).waitMs(1e9)).toBe(0);
    expect(new Throttle(10).waitMs(100)).toBeGreaterThan(5000);
  });

  it('JSON output: bigints as numbers where exact, errors as their message', () => {
    expect(toJson({ a: 5n, b: 2n ** 60n, e: errorFor(ErrorCode.GROUP_ID_NOT_FOUND) })).toBe(
      `{"a":5,"b":"${2n ** 60n}","e":{"error":"KafkaBrokerError","message":"${errorFor(ErrorCode.GROUP_ID_NOT_FOUND).message}","code":"GROUP_ID_NOT_FOUND"}}`,
    );
  });
});
