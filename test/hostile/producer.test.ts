// The kafkawire Producer against a broker that answers with well-formed but
// wrong responses. Each case: the send settles (a value, or a typed
// KafkaError) within a deadline; the next good response delivers; no crash
// (an unhandled rejection fails the run, see test/api/unhandled-setup.ts) and
// no allocation out of proportion.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KafkaBrokerError, KafkaError, Producer, type RecordMetadata } from '../../src/index.js';
import type { MetadataResponse, ProduceResponse } from '../../src/messages/generated/index.js';
import { memoryNow, splice, frameOf, startHostileBroker, type HostileBroker } from './hostile-broker.js';

const TOPIC = 'hostile';
const MEMORY_BUDGET = 48 * 1024 * 1024;
/** Upper bound on any wait here: deliveryTimeoutMs (3000) with a wide margin for a loaded machine. */
const DEADLINE_MS = 20_000;

let hb: HostileBroker;
let producer: Producer<string, string>;
let memoryBefore = 0;

type Settled = { ok: true; meta: RecordMetadata } | { ok: false; error: unknown };

/** The send's outcome; fails the test if it does not settle in time (a hang). */
async function settle(p: Promise<RecordMetadata>, what: string): Promise<Settled> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: ${what} did not settle within ${DEADLINE_MS} ms`)), DEADLINE_MS);
  });
  try {
    return await Promise.race([p.then((meta): Settled => ({ ok: true, meta }), (error: unknown): Settled => ({ ok: false, error })), hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** Settled with a value or a KafkaError, nothing else. */
function expectTyped(s: Settled, what: string): void {
  if (!s.ok) expect(s.error, `${what}: ${String(s.error)}`).toBeInstanceOf(KafkaError);
}

/** A good send after the fault: it is delivered and lands in the broker's log. */
async function recovers(partition = 0): Promise<void> {
  const s = await settle(producer.send({ topic: TOPIC, partition, value: 'after' }), 'the send after the fault');
  expect(s.ok ? 'delivered' : String((s as { error: unknown }).error)).toBe('delivered');
  expect(hb.log.get(`${TOPIC}/${partition}`)).toContain('after');
}

beforeEach(async () => {
  hb = await startHostileBroker({ topics: { [TOPIC]: 2 } });
  producer = new Producer<string, string>({
    bootstrapServers: hb.bootstrap,
    requestTimeoutMs: 1000,
    deliveryTimeoutMs: 3000,
    maxBlockMs: 3000,
    lingerMs: 0,
    retryBackoffMs: 20,
    retryBackoffMaxMs: 100,
    reconnectBackoffMs: 10,
    reconnectBackoffMaxMs: 50,
  });
  // Warm: the producer id and the topic's metadata are in place before the fault.
  const s = await settle(producer.send({ topic: TOPIC, partition: 0, value: 'warm' }), 'warm-up');
  expect(s.ok).toBe(true);
  memoryBefore = memoryNow();
});

afterEach(async () => {
  await producer.close({ timeoutMs: 5000 });
  await hb.close();
  expect(memoryNow() - memoryBefore, 'heap + buffers grew').toBeLessThan(MEMORY_BUDGET);
});

const produceFault = (change: (good: ProduceResponse) => ProduceResponse) => () =>
  hb.fault('Produce', (_req, good) => ({ body: change(structuredClone(good) as ProduceResponse) }));

describe('hostile Produce responses', () => {
  it('answers for a partition the client never asked about, and not for the one it asked about', async () => {
    produceFault((g) => {
      for (const t of g.responses) for (const p of t.partitionResponses) p.index = 1;
      return g;
    })();
    // Retried (the answer did not cover the batch) or failed typed; either way it settles.
    expectTyped(await settle(producer.send({ topic: TOPIC, partition: 0, value: 'x' }), 'send'), 'send');
    await recovers();
  });

  it('answers for a topic the client never sent to', async () => {
    produceFault((g) => {
      for (const t of g.responses) t.name = 'never-sent-to';
      return g;
    })();
    expectTyped(await settle(producer.send({ topic: TOPIC, partition: 0, value: 'x' }), 'send'), 'send');
    await recovers();
  });

  it('a throttle time of five hours: the answer is used, and the next send is not held for hours', async () => {
    produceFault((g) => ({ ...g, throttleTimeMs: 5 * 3600_000 }))();
    const s = await settle(producer.send({ topic: TOPIC, partition: 0, value: 'x' }), 'send');
    expect(s.ok).toBe(true);
    await recovers();
  });

  it('an error code no Kafka version defines: a typed broker error', async () => {
    produceFault((g) => {
      for (const t of g.responses) for (const p of t.partitionResponses) p.errorCode = 32000;
      return g;
    })();
    const s = await settle(producer.send({ topic: TOPIC, partition: 0, value: 'x' }), 'send');
    expect(s.ok).toBe(false);
    expect((s as { error: unknown }).error).toBeInstanceOf(KafkaBrokerError);
    await recovers();
  });

  it('a base offset of -1 and one of 2^63 - 1 with no error: reported as given, nothing breaks', async () => {
    for (const offset of [-1n, 2n ** 63n - 1n]) {
      produceFault((g) => {
        for (const t of g.responses) for (const p of t.partitionResponses) p.baseOffset = offset;
        return g;
      })();
      expectTyped(await settle(producer.send({ topic: TOPIC, partition: 0, value: 'x' }), 'send'), 'send');
    }
    await recovers();
  });

  it('a responses count of 2^32 - 2 in a well-framed response: the request fails, the retry delivers', async () => {
    hb.fault('Produce', (req, good) => {
      const f = frameOf(req, good);
      // Produce v9+ response: size 4, correlation id 4, header tags 1, then the responses count (a compact array).
      return { bytes: splice(f, 9, 1, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])) };
    });
    expectTyped(await settle(producer.send({ topic: TOPIC, partition: 0, value: 'x' }), 'send'), 'send');
    await recovers();
  });

  it('a Produce answer with a correlation id the client never used: the connection is dropped, the send settles typed', async () => {
    hb.fault('Produce', (req, good) => ({ bytes: frameOf({ ...req, correlationId: req.correlationId + 77 }, good) }));
    expectTyped(await settle(producer.send({ topic: TOPIC, partition: 0, value: 'x' }), 'send'), 'send');
    await recovers();
  });

  // The broker may have appended the batch (this fake did): the outcome is unknown, as after a dropped
  // connection, so the idempotent producer retries with the same sequence and the broker dedupes it.
  it('a stray correlation id on a Produce answer: the batch is retried and delivered', async () => {
    hb.fault('Produce', (req, good) => ({ bytes: frameOf({ ...req, correlationId: req.correlationId + 77 }, good) }));
    const s = await settle(producer.send({ topic: TOPIC, partition: 0, value: 'x' }), 'send');
    expect(s.ok ? 'delivered' : String((s as { error: unknown }).error)).toBe('delivered');
  });

  it('an undecodable Produce answer: the batch is retried and delivered', async () => {
    hb.fault('Produce', (req, good) => ({ bytes: splice(frameOf(req, good), 9, 1, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])) }));
    const s = await settle(producer.send({ topic: TOPIC, partition: 0, value: 'x' }), 'send');
    expect(s.ok ? 'delivered' : String((s as { error: unknown }).error)).toBe('delivered');
  });

  it('an endless run of empty Produce responses: each send fails typed by deliveryTimeoutMs, then delivery resumes', async () => {
    // Every Produce answered with no partitions at all, until the test stops it.
    for (let i = 0; i < 1000; i++) hb.fault('Produce', (_req, good) => ({ body: { ...(good as ProduceResponse), responses: [] } }));
    const outcomes = await Promise.all([0, 1, 0].map((p, i) => settle(producer.send({ topic: TOPIC, partition: p, value: `e${i}` }), `send ${i}`)));
    for (const [i, s] of outcomes.entries()) {
      expect(s.ok, `send ${i}`).toBe(false);
      expectTyped(s, `send ${i}`);
    }
    expect(hb.count('Produce')).toBeGreaterThan(1);
    hb.clearFaults('Produce');
    await recovers();
  });
});

describe('hostile Metadata and InitProducerId answers seen by the producer', () => {
  it('a leader id that is not among the brokers: the send waits for good metadata, then delivers', async () => {
    const topic = 'hostile';
    const badLeader = (_req: unknown, good: unknown) => {
      const g = structuredClone(good) as MetadataResponse;
      for (const t of g.topics) for (const p of t.partitions) p.leaderId = 7;
      return { body: g };
    };
    hb.fault('Metadata', badLeader, badLeader);
    // A fresh producer, whose first metadata answers are the bad ones.
    await producer.close();
    producer = new Producer<string, string>({ bootstrapServers: hb.bootstrap, requestTimeoutMs: 1000, deliveryTimeoutMs: 5000, maxBlockMs: 5000, lingerMs: 0, retryBackoffMs: 20, retryBackoffMaxMs: 100 });
    const s = await settle(producer.send({ topic, partition: 0, value: 'x' }), 'send');
    expect(s.ok ? 'delivered' : String((s as { error: unknown }).error)).toBe('delivered');
    expect(hb.pending('Metadata')).toBe(0);
    await recovers();
  });

  it('a partition index of 2^31 - 1 and one of -5 in the metadata: keyed sends settle, nothing huge is allocated', async () => {
    const odd = (_req: unknown, good: unknown) => {
      const g = structuredClone(good) as MetadataResponse;
      for (const t of g.topics) {
        const p = t.partitions[0]!;
        t.partitions.push({ ...p, partitionIndex: 2147483647 }, { ...p, partitionIndex: -5 });
      }
      return { body: g };
    };
    for (let i = 0; i < 5; i++) hb.fault('Metadata', odd);
    await producer.close();
    producer = new Producer<string, string>({ bootstrapServers: hb.bootstrap, requestTimeoutMs: 1000, deliveryTimeoutMs: 3000, maxBlockMs: 3000, lingerMs: 0, retryBackoffMs: 20, retryBackoffMaxMs: 100 });
    const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => settle(producer.send({ topic: TOPIC, key: `k${i}`, value: `v${i}` }), `keyed send ${i}`)));
    for (const [i, s] of outcomes.entries()) expectTyped(s, `keyed send ${i}`);
    hb.clearFaults('Metadata');
    await recovers();
  });

  const freshProducer = () =>
    new Producer<string, string>({ bootstrapServers: hb.bootstrap, requestTimeoutMs: 1000, deliveryTimeoutMs: 3000, maxBlockMs: 3000, lingerMs: 0, retryBackoffMs: 20, retryBackoffMaxMs: 100 });

  it('InitProducerId answering producer id -1 without an error: the send settles typed', async () => {
    hb.fault('InitProducerId', (_req, good) => ({ body: { ...(good as object), producerId: -1n, producerEpoch: -1 } }));
    await producer.close();
    producer = freshProducer();
    expectTyped(await settle(producer.send({ topic: TOPIC, partition: 0, value: 'x' }), 'send'), 'send');
    await recovers();
  });

  // Producer id -1 with error code 0 is no answer: asked again like a retriable error, not kept until the send expires.
  it('InitProducerId answering producer id -1 without an error: asked again, and the send delivers', async () => {
    hb.fault('InitProducerId', (_req, good) => ({ body: { ...(good as object), producerId: -1n, producerEpoch: -1 } }));
    await producer.close();
    producer = freshProducer();
    const s = await settle(producer.send({ topic: TOPIC, partition: 0, value: 'x' }), 'send');
    expect(s.ok ? 'delivered' : String((s as { error: unknown }).error)).toBe('delivered');
  });
});
