// kafkawire produce <topic>: one record per stdin line; after each, where it went.
import { fstatSync } from 'node:fs';
import readline from 'node:readline';
import type { RecordMetadata } from '../../producer/accumulator.js';
import { UsageError, type Cli, type Command } from '../cli.js';
import { EXIT } from '../exit-codes.js';
import { RateMeter } from '../progress.js';

/** How many sends may wait for their answer before reading more input. */
const MAX_PENDING = 5000;

export function parseHeaders(items: string[]): Array<{ key: string; value: string }> {
  return items.map((h) => {
    const i = h.indexOf('=');
    if (i <= 0) throw new UsageError(`--header ${JSON.stringify(h)}: expected key=value`);
    return { key: h.slice(0, i), value: h.slice(i + 1) };
  });
}

export const produce: Command = {
  name: 'produce',
  summary: 'send stdin lines as records; print each record\'s partition and offset',
  usage: ['produce <topic> [--key-separator <s>] [--header k=v]... [--partition <n>] [--acks all|1|0] [--compression <type>]'],
  options: {
    'key-separator': { type: 'string', valueName: 's', description: 'split each line at the first <s> into key and value (default: no key)' },
    header: { type: 'string', multiple: true, valueName: 'k=v', description: 'a header on every record' },
    partition: { type: 'string', valueName: 'n', description: 'send every record to this partition (default: the partitioner; keys hash as in Java)' },
    acks: { type: 'string', valueName: 'all|1|0', description: 'acknowledgement the broker must give (default all)' },
    compression: { type: 'string', valueName: 'type', description: 'none, gzip, snappy, lz4 or zstd (default none)' },
  },
  notes: 'Output per input line: "partition=<p> offset=<o>", or "error: <message>" for a record that failed;\nwith --json: {"topic","partition","offset","timestamp"} or {"topic","error"}. Exit code 1 if any record failed.',
  async run(cli: Cli): Promise<number> {
    const topic = cli.arg(0, 'the topic');
    if (cli.args.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(cli.args[1])}; usage: kafkawire ${produce.usage[0]}`);
    const sep = cli.str('key-separator');
    if (sep === '') throw new UsageError('--key-separator must not be empty');
    const headers = parseHeaders(cli.list('header'));
    const partition = cli.int('partition');
    if (partition !== undefined && partition < 0) throw new UsageError('--partition must be ≥ 0');
    const acksText = cli.str('acks');
    const acks = acksText === undefined ? undefined : acksText === 'all' || acksText === '-1' ? 'all' : acksText === '1' ? 1 : acksText === '0' ? 0 : undefined;
    if (acksText !== undefined && acks === undefined) throw new UsageError(`--acks ${acksText}: expected all, -1, 1 or 0`);
    const compression = cli.str('compression');
    if (compression !== undefined && !['none', 'gzip', 'snappy', 'lz4', 'zstd'].includes(compression)) throw new UsageError(`--compression ${compression}: expected none, gzip, snappy, lz4 or zstd`);
    checkInput(cli.io.stdin);

    // Fail fast (exit 3) when no bootstrap server answers, rather than waiting out maxBlockMs per record.
    await cli.admin();
    const producer = await cli.producer({
      ...(acks !== undefined ? { acks } : {}),
      ...(compression !== undefined ? { compressionType: compression as 'gzip' } : {}),
      // acks=0/1 cannot be idempotent; let the producer's own rule decide, as Java does.
    });
    const meter = new RateMeter();
    let failed = 0;
    // Answers are printed in input order: each line's promise waits for the one before.
    let chain: Promise<void> = Promise.resolve();
    let pending = 0;
    const waiters: Array<() => void> = [];
    const report = (res: { ok: true; md: RecordMetadata } | { ok: false; error: Error }) => {
      if (res.ok) {
        meter.add(1);
        if (cli.json) cli.printJson({ topic, partition: res.md.partition, offset: res.md.offset, timestamp: res.md.timestamp });
        else cli.print(`partition=${res.md.partition} offset=${res.md.offset}`);
      } else {
        failed++;
        if (cli.json) cli.printJson({ topic, error: res.error.message });
        else cli.print(`error: ${res.error.message.split('\n').join(' ')}`);
      }
      if (meter.due()) cli.progress(meter.describe('records'));
    };
    const rl = readline.createInterface({ input: cli.io.stdin, crlfDelay: Infinity, terminal: false });
    for await (const line of rl) {
      let key: string | null = null;
      let value = line;
      if (sep !== undefined) {
        const i = line.indexOf(sep);
        if (i >= 0) {
          key = line.slice(0, i);
          value = line.slice(i + sep.length);
        }
      }
      const sent = producer
        .send({ topic, key, value, headers: headers.length > 0 ? headers : undefined, ...(partition !== undefined ? { partition } : {}) })
        .then((md) => ({ ok: true as const, md }), (error: Error) => ({ ok: false as const, error }));
      pending++;
      chain = chain.then(async () => {
        report(await sent);
        pending--;
        waiters.shift()?.();
      });
      if (pending >= MAX_PENDING) await new Promise<void>((r) => waiters.push(r));
    }
    await producer.flush().catch(() => undefined);
    await chain;
    cli.endProgress();
    return failed > 0 ? EXIT.FAILED : EXIT.OK;
  },
};

/** Node.js reads a directory given as stdin (`produce t < /tmp`) as empty input: say so rather than send nothing. */
function checkInput(stdin: unknown): void {
  const fd = (stdin as { fd?: unknown }).fd;
  if (typeof fd !== 'number') return;
  let directory: boolean;
  try {
    directory = fstatSync(fd).isDirectory();
  } catch {
    return; // not a descriptor fstat can read: reading will tell
  }
  if (directory) throw new UsageError('standard input is a directory; redirect a file (< records.txt) or pipe the lines in');
}
