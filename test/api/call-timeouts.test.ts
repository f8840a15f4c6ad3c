// Timeouts from untyped configuration. A Node.js timer fires at once when
// asked to wait longer than 2^31 - 1 ms, and a string or NaN added to
// Date.now() makes a deadline that is never reached or already passed. So a
// call's `timeoutMs` that is not a number of milliseconds ≥ 0 rejects that
// call with a KafkaConfigError (before close() starts closing: the producer
// stays usable and loses nothing), Infinity means "as long as a timer can
// wait", and a duration option above 2^31 - 1 is refused when the client is
// made. Nothing here connects: the bootstrap address is a closed port.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_DELAY_MS } from '../../src/config-checks.js';
import { Admin, Consumer, KafkaConfigError, Producer, ShareConsumer } from '../../src/index.js';
import { systemClock } from '../../src/network/clock.js';

const BOOTSTRAP = '127.0.0.1:9';
const tp = { topic: 't', partition: 0 };

/** timeoutMs values that are not a number of milliseconds ≥ 0. */
const badTimeout = fc.oneof(
  fc.string(),
  fc.constantFrom(NaN, -1, -Infinity, null, true, 10n, '5000', [], {}),
  fc.double({ max: -Number.MIN_VALUE, noNaN: true }),
  fc.object(),
);

async function rejection(p: () => Promise<unknown>): Promise<unknown> {
  try {
    await p();
  } catch (e) {
    return e;
  }
  return null;
}

function expectTimeoutError(e: unknown, call: string): void {
  expect(e, call).toBeInstanceOf(KafkaConfigError);
  expect((e as Error).message, call).toContain(call);
  expect((e as Error).message, call).toContain('timeoutMs');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a call given a timeoutMs that is not a duration', () => {
  it('Producer.close() rejects, and the producer is not closed by it', async () => {
    await fc.assert(
      fc.asyncProperty(badTimeout, async (t) => {
        const p = new Producer({ bootstrapServers: BOOTSTRAP });
        expectTimeoutError(await rejection(() => p.close({ timeoutMs: t as number })), 'close()');
        // Still open: a send is taken (it waits for metadata), and a proper close ends it.
        const sent = p.send({ topic: 't', value: 'v' });
        sent.catch(() => undefined);
        await p.close({ timeoutMs: 0 });
        await expect(sent).rejects.toThrow();
      }),
      { numRuns: 25 },
    );
  });

  it('Producer.close() refuses options that are not an object', async () => {
    const p = new Producer({ bootstrapServers: BOOTSTRAP });
    const e = await rejection(() => p.close(5000 as never));
    expect(e).toBeInstanceOf(KafkaConfigError);
    expect((e as Error).message).toContain('{ timeoutMs: 5000 }');
    await p.close();
  });

  it('each Consumer call with a timeout rejects before connecting', async () => {
    await fc.assert(
      fc.asyncProperty(badTimeout, async (t) => {
        const c = new Consumer({ bootstrapServers: BOOTSTRAP, groupId: 'g' });
        c.assign([tp]);
        const opts = { timeoutMs: t as number };
        expectTimeoutError(await rejection(() => c.poll(t as number)), 'poll()');
        expectTimeoutError(await rejection(() => c.position(tp, opts)), 'position()');
        expectTimeoutError(await rejection(() => c.committed([tp], opts)), 'committed()');
        expectTimeoutError(await rejection(() => c.beginningOffsets([tp], opts)), 'beginningOffsets()');
        expectTimeoutError(await rejection(() => c.endOffsets([tp], opts)), 'endOffsets()');
        expectTimeoutError(await rejection(() => c.offsetsForTimes([{ ...tp, timestamp: 0 }], opts)), 'offsetsForTimes()');
        expectTimeoutError(await rejection(() => c.close(opts)), 'close()');
        await c.close({ timeoutMs: 0 });
      }),
      { numRuns: 25 },
    );
  });

  it('ShareConsumer.commitSync() and close() reject', async () => {
    await fc.assert(
      fc.asyncProperty(badTimeout, async (t) => {
        const c = new ShareConsumer({ bootstrapServers: BOOTSTRAP, groupId: 'g' });
        expectTimeoutError(await rejection(() => c.commitSync({ timeoutMs: t as number })), 'commitSync()');
        expectTimeoutError(await rejection(() => c.close({ timeoutMs: t as number })), 'close()');
        await c.close({ timeoutMs: 0 });
      }),
      { numRuns: 25 },
    );
  });

  it('Admin calls reject before sending anything', async () => {
    await fc.assert(
      fc.asyncProperty(badTimeout, async (t) => {
        const a = new Admin({ bootstrapServers: BOOTSTRAP });
        const e = await rejection(() => a.deleteTopics(['t'], { timeoutMs: t as number }));
        expect(e).toBeInstanceOf(KafkaConfigError);
        expect((e as Error).message).toContain('timeoutMs');
        await a.close();
      }),
      { numRuns: 25 },
    );
  });
});

describe('timeouts longer than a timer can wait', () => {
  it('the system clock waits its longest instead of firing at once', () => {
    const warn = vi.spyOn(process, 'emitWarning');
    const fired = vi.fn();
    for (const ms of [MAX_DELAY_MS + 1, 1e12, Infinity]) systemClock.clearTimeout(systemClock.setTimeout(fired, ms));
    // Node warns (TimeoutOverflowWarning) whenever it cuts a delay down to 1 ms.
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([]);
    expect(fired).not.toHaveBeenCalled();
  });

  it('a duration option above 2^31 - 1 ms is refused by name', () => {
    const makers: Array<[string, string[], (o: Record<string, unknown>) => { close(): Promise<unknown> }]> = [
      ['Producer', ['lingerMs', 'requestTimeoutMs', 'maxBlockMs', 'deliveryTimeoutMs', 'retryBackoffMs', 'metadataMaxAgeMs', 'transactionTimeoutMs', 'reconnectBackoffMs', 'socketConnectionSetupTimeoutMs'], (o) => new Producer(o as never)],
      ['Consumer', ['requestTimeoutMs', 'defaultApiTimeoutMs', 'sessionTimeoutMs', 'maxPollIntervalMs', 'fetchMaxWaitMs', 'autoCommitIntervalMs', 'retryBackoffMs', 'reconnectBackoffMs'], (o) => new Consumer(o as never)],
      ['ShareConsumer', ['requestTimeoutMs', 'defaultApiTimeoutMs'], (o) => new ShareConsumer(o as never)],
      ['Admin', ['requestTimeoutMs', 'defaultApiTimeoutMs', 'retryBackoffMs', 'reconnectBackoffMs', 'socketConnectionSetupTimeoutMs'], (o) => new Admin(o as never)],
    ];
    const huge = fc.oneof(fc.integer({ min: MAX_DELAY_MS + 1, max: Number.MAX_SAFE_INTEGER }), fc.constant(Infinity));
    for (const [name, keys, make] of makers) {
      for (const key of keys) {
        fc.assert(
          fc.property(huge, (v) => {
            let err: unknown = null;
            try {
              void make({ bootstrapServers: BOOTSTRAP, groupId: 'g', [key]: v }).close();
            } catch (e) {
              err = e;
            }
            expect(err, `${name} ${key} ${v}`).toBeInstanceOf(KafkaConfigError);
            expect((err as Error).message, `${name} ${key}`).toContain(key);
          }),
          { numRuns: 10 },
        );
      }
    }
  });
});
