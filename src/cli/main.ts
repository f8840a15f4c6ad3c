// kafkawire's command-line tool: common options, --config files with Java
// property names, one module per command (commands/), one-line errors on
// stderr and documented exit codes.
import { parseArgs } from 'node:util';
import createDebug from 'debug';
import { KafkaConfigError } from '../errors.js';
import { Cli, UsageError, type CliIO, type Command, type OptionSpec } from './cli.js';
import { COMMANDS } from './commands/index.js';
import { applyProperties, emptySettings, readPropertiesFile, type ClientSettings } from './config.js';
import { EXIT, EXIT_HELP, exitCodeFor } from './exit-codes.js';

export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  bootstrap: { type: 'string', short: 'b', valueName: 'host:port,...', description: 'bootstrap servers (default: $KAFKA_BOOTSTRAP, or bootstrap.servers from --config)' },
  'bootstrap-server': { type: 'string', valueName: 'host:port,...', description: 'the same as --bootstrap, under the name Kafka\'s own tools use' },
  config: { type: 'string', valueName: 'file', description: 'Java client properties (bootstrap.servers, security.protocol, ssl.truststore.location as PEM, sasl.mechanism, sasl.jaas.config, client.id, acks, ...)' },
  tls: { type: 'boolean', description: 'connect with TLS' },
  'tls-ca': { type: 'string', valueName: 'file', description: 'PEM file of the CA that signed the brokers\' certificates (implies --tls)' },
  'sasl-mechanism': { type: 'string', valueName: 'name', description: 'PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512' },
  'sasl-username': { type: 'string', valueName: 'user', description: 'SASL user name' },
  'sasl-password': { type: 'string', valueName: 'password', description: 'SASL password (or $KAFKA_SASL_PASSWORD)' },
  json: { type: 'boolean', description: 'machine-readable output, one JSON value per line' },
  debug: { type: 'boolean', description: 'log connections, requests and retries to stderr (the debug module, kafkawire:*)' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
};

function optionLines(opts: Record<string, OptionSpec>): string {
  return Object.entries(opts)
    .map(([name, o]) => {
      const head = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` <${o.valueName ?? 'value'}>` : ''}${o.variadic ? '...' : o.multiple ? ' (repeatable)' : ''}`;
      // A long option name gets its description on the next line, aligned with the others.
      return head.length > 36 ? `  ${head}\n  ${''.padEnd(36)} ${o.description}` : `  ${head.padEnd(36)} ${o.description}`;
    })
    .join('\n');
}

export function mainHelp(): string {
  return [
    'kafkawire — Apache Kafka from the command line, no JVM needed',
    '',
    'Usage: kafkawire <command> [arguments] [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
    '',
    'Common options:',
    optionLines(COMMON_OPTIONS),
    '',
    'Run `kafkawire <command> --help` for the command\'s arguments.',
    '',
    EXIT_HELP,
    '',
  ].join('\n');
}

export function commandHelp(c: Command): string {
  return [
    `Usage:\n${c.usage.map((u) => `  kafkawire ${u}`).join('\n')}`,
    '',
    c.summary,
    '',
    ...(Object.keys(c.options).length > 0 ? ['Options:', optionLines(c.options), ''] : []),
    'Common options:',
    optionLines(COMMON_OPTIONS),
    '',
    ...(c.notes ? [c.notes, ''] : []),
    EXIT_HELP,
    '',
  ].join('\n');
}

/** Settings from --config, then the flags and environment on top. */
export function resolveSettings(values: Record<string, unknown>, env: NodeJS.ProcessEnv): ClientSettings {
  const s = emptySettings();
  const file = values.config as string | undefined;
  if (file) applyProperties(s, readPropertiesFile(file), file);
  if (values.bootstrap !== undefined && values['bootstrap-server'] !== undefined && values.bootstrap !== values['bootstrap-server']) {
    throw new UsageError('--bootstrap and --bootstrap-server name the same setting: give one');
  }
  const bootstrap = (values.bootstrap as string | undefined) ?? (values['bootstrap-server'] as string | undefined) ?? s.bootstrapServers ?? env.KAFKA_BOOTSTRAP;
  if (bootstrap) s.bootstrapServers = bootstrap;
  const ca = values['tls-ca'] as string | undefined;
  if (values.tls === true || ca) s.tls = s.tls && typeof s.tls === 'object' ? s.tls : {};
  if (ca) applyProperties(s, new Map([['ssl.truststore.location', ca]]), '--tls-ca');
  const mechanism = values['sasl-mechanism'] as string | undefined;
  const username = values['sasl-username'] as string | undefined;
  const password = (values['sasl-password'] as string | undefined) ?? (username ? env.KAFKA_SASL_PASSWORD : undefined);
  if (mechanism || username || password) {
    const mech = (mechanism ?? s.sasl?.mechanism ?? 'PLAIN').toUpperCase();
    if (!['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'].includes(mech)) throw new UsageError(`--sasl-mechanism ${mech}: expected PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512`);
    const user = username ?? s.sasl?.username;
    const pass = password ?? s.sasl?.password;
    if (!user || pass === undefined) throw new UsageError('SASL needs --sasl-username and --sasl-password (or $KAFKA_SASL_PASSWORD), or sasl.jaas.config in --config');
    s.sasl = { mechanism: mech as 'PLAIN', username: user, password: pass };
  }
  return s;
}

/**
 * Rewrites the command line into what parseArgs reads:
 * - `--throughput -1`: a negative number is the option's value, not an option;
 * - `get t 0 -1`: a negative number that no option takes is an argument (the
 *   command then says what it expects), not an unknown option `-1`;
 * - `--producer-props acks=1 linger.ms=5` (a variadic option): each k=v after
 *   it becomes one more value of it, as Java's perf tools (nargs +) take them.
 *   Only k=v words are taken, so a subcommand or topic after the list stays a
 *   positional argument (and an unexpected one is then reported, not lost).
 * Everything after `--` is left alone.
 */
/** Options of Kafka's own shell tools (kafka-console-consumer.sh and others) that kafkawire spells differently. */
const JAVA_TOOL_OPTIONS: Record<string, string> = {
  '--from-beginning': 'kafkawire consume reads from the start with --from earliest',
  '--max-messages': 'kafkawire consume stops after --count <n> records',
  '--topic': 'kafkawire takes the topic as the argument after the command (kafkawire {command} <topic>)',
  '--command-config': 'kafkawire reads client properties with --config <file>',
  '--consumer.config': 'kafkawire reads client properties with --config <file>',
  '--producer.config': 'kafkawire reads client properties with --config <file>',
};

/** Put before a negative-number argument so that parseArgs takes it as a positional; main() takes it off again. */
export const NEGATIVE_ARGUMENT = '\u0000';

export function expandArgs(argv: string[], options: Record<string, OptionSpec>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const eq = a.indexOf('=');
    const name = a.startsWith('--') ? a.slice(2, eq < 0 ? undefined : eq) : '';
    const spec = options[name];
    const next = argv[i + 1];
    if (spec?.variadic) {
      if (eq < 0 && next !== undefined && !next.startsWith('-')) {
        out.push(`--${name}=${next}`);
        i++;
      } else {
        out.push(a);
      }
      while (i + 1 < argv.length && !argv[i + 1]!.startsWith('-') && argv[i + 1]!.indexOf('=') > 0) out.push(`--${name}=${argv[++i]!}`);
    } else if (eq < 0 && spec?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else if (/^-\d/.test(a)) {
      out.push(NEGATIVE_ARGUMENT + a);
    } else {
      out.push(a);
    }
  }
  return out;
}

const processIO: CliIO = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };

/** The command running now, for the bin's Ctrl-C handler. */
let running: Cli | null = null;

/** Runs one command line; resolves to the exit code (never rejects). */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const name = argv.find((a) => !a.startsWith('-'));
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    if (name === undefined || name === 'help' || argv.includes('--help') || argv.includes('-h')) {
      io.stdout.write(mainHelp());
      return name === undefined && !argv.includes('--help') && !argv.includes('-h') ? EXIT.USAGE : EXIT.OK;
    }
    io.stderr.write(`kafkawire: error: unknown command ${JSON.stringify(name)}; run kafkawire --help for the list\n`);
    return EXIT.USAGE;
  }
  let cli: Cli | null = null;
  try {
    const options = { ...COMMON_OPTIONS, ...command.options };
    const args = expandArgs(argv, options);
    let parsed;
    try {
      parsed = parseArgs({
        args,
        options: Object.fromEntries(Object.entries(options).map(([k, o]) => [k, { type: o.type, ...(o.multiple || o.variadic ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) }])),
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      const unknown = /^Unknown option '([^']+)'/.exec((e as Error).message)?.[1];
      const hint = unknown === undefined ? undefined : JAVA_TOOL_OPTIONS[unknown.split('=')[0]!];
      if (hint) throw new UsageError(`unknown option ${unknown}: ${hint.replace('{command}', command.name)}; run kafkawire ${command.name} --help`);
      throw new UsageError(`${(e as Error).message.split('\n')[0]}; run kafkawire ${command.name} --help`);
    }
    const { values } = parsed;
    const positionals = parsed.positionals.map((p) => (p.startsWith(NEGATIVE_ARGUMENT) ? p.slice(1) : p));
    if (values.help) {
      io.stdout.write(commandHelp(command));
      return EXIT.OK;
    }
    if (values.debug) createDebug.enable('kafkawire:*');
    const settings = resolveSettings(values, io.env);
    for (const w of settings.warnings) io.stderr.write(`kafkawire: warning: ${w}\n`);
    positionals.splice(positionals.indexOf(command.name), 1);
    cli = new Cli(io, command, values as Record<string, string | boolean | string[] | undefined>, positionals, settings);
    running = cli;
    return await command.run(cli);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // One line: the first line of the message (details stay in --debug).
    io.stderr.write(`kafkawire: error: ${msg.split('\n').map((l) => l.trim()).filter(Boolean).join(' ')}\n`);
    if (io.env.KAFKAWIRE_STACK === '1' && e instanceof Error) io.stderr.write(`${e.stack}\n`);
    return e instanceof KafkaConfigError ? EXIT.USAGE : exitCodeFor(e);
  } finally {
    if (running === cli) running = null;
    await cli?.close();
  }
}

/**
 * The bin entry: runs main and sets the exit code. Ctrl-C exits with 130: at
 * once, or, for a command that can stop cleanly (consume commits and leaves
 * its group), when it has; a second Ctrl-C exits at once.
 */
export function run(argv: string[]): void {
  process.once('SIGINT', () => {
    if (running?.interrupt()) process.once('SIGINT', () => process.exit(EXIT.INTERRUPTED));
    else process.exit(EXIT.INTERRUPTED);
  });
  // The reader of stdout went away (`kafkawire topics list | head -1`): a command with a clean stop takes it
  // (consume commits and leaves its group), any other runs to its end, its further output dropped (produce still
  // sends every line). The exit code is then 0, as a Unix tool's. Without this listener, Node throws the failed
  // write as an uncaught error and prints its stack. Another write error (a full disk) is named, and exits 1.
  // A write's error comes a tick after the write, so it may come after the command has ended: both ends set the code.
  let outputError: NodeJS.ErrnoException | null = null;
  let commandCode: number | null = null;
  const setExitCode = (): void => {
    if (commandCode === null) return;
    const failed = outputError !== null && outputError.code !== 'EPIPE';
    process.exitCode = failed ? EXIT.FAILED : outputError !== null && commandCode === EXIT.INTERRUPTED ? EXIT.OK : commandCode;
  };
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (outputError !== null) return;
    outputError = e;
    if (e.code !== 'EPIPE') process.stderr.write(`kafkawire: error: cannot write to standard output: ${e.message}\n`);
    running?.interrupt();
    setExitCode();
  });
  process.stderr.on('error', () => undefined);
  main(argv).then(
    (code) => {
      commandCode = code;
      setExitCode();
    },
    (e: unknown) => {
      process.stderr.write(`kafkawire: error: ${String(e)}\n`);
      process.exitCode = EXIT.FAILED;
    },
  );
}
