// What a command gets: its parsed arguments, the client settings, output
// helpers (text or --json), and clients created on demand and closed after.
import { Admin } from '../admin/admin.js';
import type { Consumer } from '../consumer/consumer.js';
import type { ConsumerOptions } from '../consumer/options.js';
import { KafkaConfigError } from '../errors.js';
import type { Producer } from '../producer/producer.js';
import type { ProducerOptions } from '../producer/options.js';
import type { ClientSettings } from './config.js';
import { consumerOptionsFrom } from './consumer-config.js';

export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export type OptionSpec = {
  type: 'string' | 'boolean';
  multiple?: boolean;
  /**
   * Also takes the k=v arguments that follow it, as Java's perf tools read
   * `--producer-props acks=1 linger.ms=5` (implies multiple).
   */
  variadic?: boolean;
  short?: string;
  description: string;
  valueName?: string;
};

export interface Command {
  /** The word after `kafkawire`. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Usage lines, e.g. `topics describe <topic>...`. */
  usage: string[];
  options: Record<string, OptionSpec>;
  /** Extra help text after the options. */
  notes?: string;
  run(cli: Cli): Promise<number>;
}

/** A bad command line: exit code 2. */
export class UsageError extends KafkaConfigError {}

/** JSON with bigints as numbers where exact, else strings; errors as their message. */
export function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'bigint') return x >= BigInt(Number.MIN_SAFE_INTEGER) && x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x.toString();
    if (x instanceof Error) return { error: x.name, message: x.message, ...('errorName' in x ? { code: (x as { errorName: string }).errorName } : {}) };
    return x;
  });
}

export class Cli {
  private readonly closers: Array<() => Promise<void>> = [];
  private adminClient: Admin | null = null;
  private interruptHandler: (() => void) | null = null;

  constructor(
    readonly io: CliIO,
    readonly command: Command,
    readonly values: Record<string, string | boolean | string[] | undefined>,
    /** Positional arguments after the command name. */
    readonly args: string[],
    readonly settings: ClientSettings,
  ) {}

  get json(): boolean {
    return this.values.json === true;
  }

  get bootstrap(): string {
    const b = this.settings.bootstrapServers;
    if (!b) throw new UsageError('no bootstrap servers: pass --bootstrap host:port, set KAFKA_BOOTSTRAP, or put bootstrap.servers in a --config file');
    return b;
  }

  print(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  printJson(v: unknown): void {
    this.io.stdout.write(`${toJson(v)}\n`);
  }

  warn(text: string): void {
    this.io.stderr.write(`kafkawire: warning: ${text}\n`);
  }

  /** A status line on stderr, only when stderr is a terminal (overwritten in place). */
  progress(text: string): void {
    if (this.io.stderr.isTTY) this.io.stderr.write(`\r\x1b[2K${text}`);
  }

  endProgress(): void {
    if (this.io.stderr.isTTY) this.io.stderr.write('\r\x1b[2K');
  }

  str(name: string): string | undefined {
    const v = this.values[name];
    return typeof v === 'string' ? v : undefined;
  }

  list(name: string): string[] {
    const v = this.values[name];
    return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
  }

  flag(name: string): boolean {
    return this.values[name] === true;
  }

  /** An integer option, or `dflt`; rejects anything else as a usage error. */
  int(name: string, dflt?: number): number | undefined {
    const v = this.str(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new UsageError(`--${name} ${JSON.stringify(v)}: expected an integer`);
    return n;
  }

  /**
   * Rejects positional arguments after the first `n`: a stray word (a value
   * whose option was left out, a second k=v of a one-value option) must not be
   * silently ignored. Names the usage line of the subcommand given.
   */
  expectArgs(n: number): void {
    const extra = this.args[n];
    if (extra === undefined) return;
    const sub = this.args[0];
    const line = this.command.usage.find((u) => sub !== undefined && n > 0 && (u === `${this.command.name} ${sub}` || u.startsWith(`${this.command.name} ${sub} `))) ?? this.command.usage[0];
    throw new UsageError(`unexpected argument ${JSON.stringify(extra)}; usage: kafkawire ${line}`);
  }

  /** Positional argument i, required. */
  arg(i: number, what: string): string {
    const v = this.args[i];
    if (v === undefined) throw new UsageError(`missing ${what}; usage: kafkawire ${this.command.usage[0]}`);
    return v;
  }

  /**
   * The Admin client, connected: a cluster that cannot be reached fails here
   * at once (exit 3) instead of after the call's retries.
   */
  async admin(): Promise<Admin> {
    if (!this.adminClient) {
      const a = new Admin({
        defaultApiTimeoutMs: 30_000,
        ...this.settings.admin,
        bootstrapServers: this.bootstrap,
        clientId: this.settings.admin.clientId ?? 'kafkawire-cli',
        tls: this.settings.tls,
        sasl: this.settings.sasl,
      });
      this.adminClient = a;
      this.closers.push(() => a.close());
    }
    await this.adminClient.connect();
    return this.adminClient;
  }

  /** A producer with the CLI's settings (loaded on first use, so the admin commands start faster). */
  async producer(overrides: Partial<ProducerOptions> = {}): Promise<Producer> {
    const { Producer } = await import('../producer/producer.js');
    const p = new Producer({
      ...this.settings.producer,
      ...overrides,
      bootstrapServers: this.bootstrap,
      clientId: overrides.clientId ?? this.settings.producer.clientId ?? 'kafkawire-cli',
      tls: this.settings.tls,
      sasl: this.settings.sasl,
    } as ProducerOptions);
    this.closers.push(() => p.close({ timeoutMs: 5000 }));
    return p;
  }

  /**
   * A consumer with the CLI's settings: consumer properties from --config,
   * then `props` (Java names, e.g. from --consumer-property), then `overrides`.
   */
  async consumer<K = Buffer | null, V = Buffer | null>(overrides: Partial<ConsumerOptions<K, V>> = {}, props: Record<string, string> = {}): Promise<Consumer<K, V>> {
    const { Consumer } = await import('../consumer/consumer.js');
    const c = new Consumer<K, V>({
      ...consumerOptionsFrom({ ...this.settings.consumer, ...props }),
      ...overrides,
      bootstrapServers: this.bootstrap,
      clientId: overrides.clientId ?? props['client.id'] ?? this.settings.consumer['client.id'] ?? 'kafkawire-cli',
      tls: this.settings.tls,
      sasl: this.settings.sasl,
    } as ConsumerOptions<K, V>);
    this.closers.push(() => c.close({ timeoutMs: 10_000 }));
    return c;
  }

  /**
   * Lets a long-running command end cleanly on Ctrl-C (commit, leave its
   * group) instead of the process exiting at once; a second Ctrl-C still
   * exits at once. Returns a function that removes the handler.
   */
  onInterrupt(fn: () => void): () => void {
    this.interruptHandler = fn;
    return () => {
      if (this.interruptHandler === fn) this.interruptHandler = null;
    };
  }

  /** Called by the bin on SIGINT: true when the command stops by itself. */
  interrupt(): boolean {
    const h = this.interruptHandler;
    if (!h) return false;
    this.interruptHandler = null;
    h();
    return true;
  }

  /** Runs when the command ends, before the clients close. */
  onClose(fn: () => Promise<void>): void {
    this.closers.push(fn);
  }

  async close(): Promise<void> {
    for (const c of this.closers.splice(0).reverse()) await c().catch(() => undefined);
  }
}
