// Unit tests of the CLI's command-line reading that need no broker: the
// variadic --producer-props / --consumer-props of the perf tools (Java's
// `--producer-props acks=1 linger.ms=5`), and stray positional arguments,
// which are a usage error instead of being ignored.
import { createReadStream, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OptionSpec } from '../../src/cli/cli.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { expandArgs, main, NEGATIVE_ARGUMENT } from '../../src/cli/main.js';
import { io } from './cli-io.js';

async function run(argv: string[]) {
  const t = io();
  const code = await main(argv, t.io);
  return { code, out: t.out(), err: t.err() };
}

// A port nothing listens on: a command that gets past its argument checks fails here with exit 3, not 2.
const closed = ['--bootstrap', '127.0.0.1:1'];

describe('expandArgs', () => {
  const opts: Record<string, OptionSpec> = {
    'producer-props': { type: 'string', variadic: true, description: '' },
    throughput: { type: 'string', description: '' },
    json: { type: 'boolean', description: '' },
  };

  it('a variadic option takes every k=v after it, in both spellings, and stops at an option or a plain word', () => {
    expect(expandArgs(['perf', 'produce', '--producer-props', 'acks=1', 'linger.ms=5', 'compression.type=gzip', '--json'], opts)).toEqual([
      'perf', 'produce', '--producer-props=acks=1', '--producer-props=linger.ms=5', '--producer-props=compression.type=gzip', '--json',
    ]);
    expect(expandArgs(['--producer-props=acks=1', 'linger.ms=5'], opts)).toEqual(['--producer-props=acks=1', '--producer-props=linger.ms=5']);
    // A word without "=" is not a property: it stays a positional argument.
    expect(expandArgs(['--producer-props', 'acks=1', 'produce', 'x=1'], opts)).toEqual(['--producer-props=acks=1', 'produce', 'x=1']);
    // Repeating the option still works, and "--" ends option reading.
    expect(expandArgs(['--producer-props', 'a=1', '--producer-props', 'b=2', '--', 'c=3'], opts)).toEqual(['--producer-props=a=1', '--producer-props=b=2', '--', 'c=3']);
  });

  it('a negative number is the value of the option before it, else an argument', () => {
    expect(expandArgs(['--throughput', '-1', '--json'], opts)).toEqual(['--throughput=-1', '--json']);
    expect(expandArgs(['--json', '-1'], opts)).toEqual(['--json', `${NEGATIVE_ARGUMENT}-1`]);
  });

  it('a negative number as an argument reaches the command, which names what it expects', async () => {
    const r = await run(['get', 't', '0', '-1', ...closed]);
    expect(r.err).toBe('kafkawire: error: offset "-1": expected a number ≥ 0\n');
    expect(r.code).toBe(EXIT.USAGE);
    const p = await run(['get', 't', '-2', '5', ...closed]);
    expect(p.err).toBe('kafkawire: error: partition "-2": expected a number ≥ 0\n');
  });
});

describe('perf --producer-props / --consumer-props take several properties (as the Java perf tools)', () => {
  const produce = ['perf', 'produce', '--topic', 't', '--num-records', '1', '--record-size', '1'];

  it('the second property is read: a bad value of it is a usage error naming it', async () => {
    const r = await run([...produce, '--producer-props', 'acks=1', 'linger.ms=soon', ...closed]);
    expect(r.err).toBe('kafkawire: error: linger.ms=soon in --producer-props: expected a number\n');
    expect(r.code).toBe(EXIT.USAGE);
  });

  it('an unknown second property is a warning, for the producer and the consumer', async () => {
    const p = await run([...produce, '--producer-props', 'acks=1', 'bogus.one=5', ...closed]);
    expect(p.err.split('\n')[0]).toBe('kafkawire: warning: unknown property bogus.one in --producer-props (ignored)');
    expect(p.code).toBe(EXIT.UNREACHABLE);
    const c = await run(['perf', 'consume', '--topic', 't', '--messages', '1', '--consumer-props', 'fetch.max.wait.ms=100', 'bogus.two=1', ...closed]);
    expect(c.err.split('\n')[0]).toBe('kafkawire: warning: bogus.two in --consumer-props is not a consumer property (ignored)');
    expect(c.code).toBe(EXIT.UNREACHABLE);
  });

  it('--help shows that the option takes several values', async () => {
    const r = await run(['perf', '--help']);
    expect(r.code).toBe(EXIT.OK);
    expect(r.out).toContain('--producer-props <k=v>...');
    expect(r.out).toContain('--consumer-props <k=v>...');
  });
});

describe('unexpected positional arguments are a usage error (exit 2), not ignored', () => {
  it.each([
    [['perf', 'produce', '--topic', 't', '--num-records', '1', '--record-size', '1', '--producer-props', 'acks=1', '--json', 'linger.ms=5'], 'linger.ms=5', 'perf produce --topic'],
    [['perf', 'consume', 'extra', '--topic', 't', '--messages', '1'], 'extra', 'perf consume --topic'],
    [['configs', 'describe', '--topic', 't', 'retention.ms'], 'retention.ms', 'configs describe --topic'],
    [['configs', 'alter', '--topic', 't', '--set', 'a=1', 'b=2'], 'b=2', 'configs alter --topic'],
    [['acls', 'list', 'User:bob'], 'User:bob', 'acls list'],
    [['groups', 'list', 'g'], 'g', 'groups list'],
    [['groups', 'describe', 'g', 'h'], 'h', 'groups describe <group>'],
    [['offsets', 'reset', 'g', 't', 'earliest', '--to', 'earliest'], 'earliest', 'offsets reset <group> <topic>'],
    [['topics', 'list', 't'], 't', 'topics list'],
    [['check', 'localhost:9092'], 'localhost:9092', 'check [--topic'],
  ])('%j', async (argv, extra, usage) => {
    const r = await run([...argv, ...closed]);
    expect(r.err).toMatch(new RegExp(`^kafkawire: error: unexpected argument ${JSON.stringify(extra).replace(/[.]/g, '\\.')}; usage: kafkawire ${usage.replace(/[[\]]/g, '\\$&')}`));
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.code).toBe(EXIT.USAGE);
  });

  it('commands that take several names still do', async () => {
    // Past the argument checks: the closed port answers (exit 3), no usage error.
    for (const argv of [['topics', 'describe', 'a', 'b'], ['groups', 'delete', 'a', 'b']]) {
      const r = await run([...argv, ...closed]);
      expect(r.err).not.toContain('unexpected argument');
      expect(r.code, argv.join(' ')).toBe(EXIT.UNREACHABLE);
    }
  });
});

describe('produce with a directory as standard input', () => {
  it('is a usage error naming it, before any connection (Node.js would read it as empty)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafkawire-stdin-'));
    const stdin = createReadStream(dir, { fd: openSync(dir, 'r') });
    try {
      const t = io();
      const code = await main(['produce', 't', ...closed], { ...t.io, stdin });
      expect(t.err()).toBe('kafkawire: error: standard input is a directory; redirect a file (< records.txt) or pipe the lines in\n');
      expect(code).toBe(EXIT.USAGE);
    } finally {
      stdin.destroy();
      rmSync(dir, { recursive: true });
    }
  });

  it('a file as standard input is read (the check lets it through to the connection, which fails here)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafkawire-stdin-'));
    const file = join(dir, 'lines.txt');
    writeFileSync(file, 'a\nb\n');
    const stdin = createReadStream(file, { fd: openSync(file, 'r') });
    try {
      const t = io();
      expect(await main(['produce', 't', ...closed], { ...t.io, stdin })).toBe(EXIT.UNREACHABLE);
    } finally {
      stdin.destroy();
      rmSync(dir, { recursive: true });
    }
  });
});

describe("the names of Kafka's own shell tools", () => {
  it('--bootstrap-server is --bootstrap; giving both with different values is a usage error', async () => {
    const r = await run(['topics', 'list', '--bootstrap-server', '127.0.0.1:1']);
    // It got past the arguments to the connection, which fails here (exit 3), naming the address given.
    expect(r.code).toBe(EXIT.UNREACHABLE);
    expect(r.err).toContain('127.0.0.1:1');
    const both = await run(['topics', 'list', '--bootstrap-server', '127.0.0.1:1', '-b', '127.0.0.2:1']);
    expect(both.err).toBe('kafkawire: error: --bootstrap and --bootstrap-server name the same setting: give one\n');
    expect(both.code).toBe(EXIT.USAGE);
  });

  it.each([
    [['consume', 't', '--from-beginning'], 'unknown option --from-beginning: kafkawire consume reads from the start with --from earliest'],
    [['consume', 't', '--max-messages', '5'], 'unknown option --max-messages: kafkawire consume stops after --count <n> records'],
    [['produce', '--topic', 't'], 'unknown option --topic: kafkawire takes the topic as the argument after the command (kafkawire produce <topic>)'],
    [['consume', 't', '--consumer.config=c.properties'], 'unknown option --consumer.config: kafkawire reads client properties with --config <file>'],
  ])('%j says what kafkawire calls it', async (argv, message) => {
    const r = await run([...argv, ...closed]);
    expect(r.err).toBe(`kafkawire: error: ${message}; run kafkawire ${argv[0]} --help\n`);
    expect(r.code).toBe(EXIT.USAGE);
  });
});
