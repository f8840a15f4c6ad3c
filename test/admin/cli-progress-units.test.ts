// Progress lines (records, records/s) on stderr: the real produce, consume
// and perf produce commands run in process against fake clients, once with a
// stderr that is a terminal (the line appears, then is cleared) and once with
// one that is not (nothing extra on stderr).
import { describe, expect, it } from 'vitest';
import type { Admin } from '../../src/admin/admin.js';
import { Cli, type Command } from '../../src/cli/cli.js';
import { consume } from '../../src/cli/commands/consume.js';
import { perf } from '../../src/cli/commands/perf.js';
import { produce } from '../../src/cli/commands/produce.js';
import { emptySettings } from '../../src/cli/config.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { RateMeter } from '../../src/cli/progress.js';
import type { ConsumerRecord } from '../../src/consumer/completed-fetch.js';
import type { Consumer } from '../../src/consumer/consumer.js';
import type { Producer } from '../../src/producer/producer.js';
import { io } from './cli-io.js';

/** Erase-line sequence the progress line starts with (and the clear at the end). */
const CLEAR = '\r\x1b[2K';

/** Sends answer at once, at offsets 0, 1, 2, ... of partition 0. */
function fakeProducer(): Producer {
  let next = 0n;
  return {
    send: async (r: { topic: string }) => ({ topic: r.topic, partition: 0, offset: next++, timestamp: 1_700_000_000_000 }),
    flush: async () => undefined,
  } as unknown as Producer;
}

/** One partition of topic t holding `values`, handed out by the first poll. */
function fakeConsumer(values: string[]): Consumer {
  let polled = false;
  return {
    assign: () => undefined,
    seekToBeginning: () => undefined,
    poll: async (): Promise<ConsumerRecord[]> => {
      if (polled) return [];
      polled = true;
      return values.map((v, i) => ({ topic: 't', partition: 0, offset: BigInt(i), timestamp: 1_700_000_000_000, timestampType: 'create', key: null, value: Buffer.from(v), headers: [], leaderEpoch: 0 }));
    },
    close: async () => undefined,
  } as unknown as Consumer;
}

const fakeAdmin = {
  describeTopics: async (names: string[]) => names.map((name) => ({ ok: true, value: { name, partitions: [{ partition: 0 }] } })),
} as unknown as Admin;

/** A Cli whose clients are the fakes above (no broker). */
class FakeCli extends Cli {
  override async admin(): Promise<Admin> {
    return fakeAdmin;
  }
  override async producer(): Promise<Producer> {
    return fakeProducer();
  }
  override async consumer<K, V>(): Promise<Consumer<K, V>> {
    return fakeConsumer(['a', 'b', 'c']) as unknown as Consumer<K, V>;
  }
}

function cli(t: ReturnType<typeof io>, command: Command, values: Record<string, string | boolean | string[] | undefined>, args: string[]): FakeCli {
  const settings = emptySettings();
  settings.bootstrapServers = 'fake:9092';
  return new FakeCli(t.io, command, values, args, settings);
}

describe('progress on stderr only when it is a terminal', () => {
  it('produce: "<n> records, <rate> records/s" on a terminal, cleared at the end; nothing when not', async () => {
    const tty = io({ stderrTTY: true, input: 'x\ny\n' });
    expect(await produce.run(cli(tty, produce, {}, ['t']))).toBe(EXIT.OK);
    expect(tty.out()).toBe('partition=0 offset=0\npartition=0 offset=1\n');
    // The first record draws the line at once (then at most every 250 ms); the end clears it.
    expect(tty.err()).toMatch(/^\r\x1b\[2K1 records, [\d.]+ records\/s(\r\x1b\[2K\d+ records, [\d.]+ records\/s)*\r\x1b\[2K$/);

    const pipe = io({ stderrTTY: false, input: 'x\ny\n' });
    expect(await produce.run(cli(pipe, produce, {}, ['t']))).toBe(EXIT.OK);
    expect(pipe.out()).toBe(tty.out());
    expect(pipe.err()).toBe('');
  });

  it('consume: the progress line and the total on a terminal; nothing when stderr is not one, or stdout is (records on screen)', async () => {
    const values = { from: 'earliest', count: '3' };
    const tty = io({ stderrTTY: true });
    expect(await consume.run(cli(tty, consume, values, ['t']))).toBe(EXIT.OK);
    expect(tty.out()).toBe('a\nb\nc\n');
    expect(tty.err()).toMatch(/^\r\x1b\[2K3 records, [\d.]+ records\/s\r\x1b\[2KProcessed a total of 3 records\n$/);

    for (const t of [io({ stderrTTY: false }), io({ stderrTTY: true, stdoutTTY: true })]) {
      expect(await consume.run(cli(t, consume, values, ['t']))).toBe(EXIT.OK);
      expect(t.out()).toBe('a\nb\nc\n');
      expect(t.err()).toBe('');
    }
  });

  it('perf produce: the Java tool\'s interval line on a terminal; only the summary (stdout) when not', async () => {
    const values = { topic: 't', 'num-records': '3', 'record-size': '10', 'reporting-interval': '0' };
    const tty = io({ stderrTTY: true });
    expect(await perf.run(cli(tty, perf, values, ['produce']))).toBe(EXIT.OK);
    expect(tty.err()).toContain(CLEAR);
    expect(tty.err()).toMatch(/\r\x1b\[2K\d+ records sent, [\d.]+ records\/sec \([\d.]+ MB\/sec\)/);
    expect(tty.err().endsWith(CLEAR)).toBe(true);
    expect(tty.out()).toMatch(/^3 records sent, /);

    const pipe = io({ stderrTTY: false });
    expect(await perf.run(cli(pipe, perf, values, ['produce']))).toBe(EXIT.OK);
    expect(pipe.err()).toBe('');
    expect(pipe.out()).toMatch(/^3 records sent, /);
  });

  it('RateMeter: counts, the rate, and a redraw at most once per interval', () => {
    const m = new RateMeter();
    m.add(5, 100);
    expect(m.count).toBe(5);
    expect(m.bytes).toBe(100);
    expect(m.describe('records')).toMatch(/^5 records, [\d.]+ records\/s$/);
    expect(m.due(60_000)).toBe(true);
    expect(m.due(60_000)).toBe(false);
    expect(m.due(0)).toBe(true);
  });
});
