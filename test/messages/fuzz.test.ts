/**
 * Fuzzing the generated decoders and the framing functions with hostile bytes.
 *
 * Contract under test (see src/codec/reader.ts): decoding either returns a
 * value or throws a KafkaProtocolError. Never another exception type, never a
 * slow call, never an allocation out of proportion to the input. Inputs:
 *   - random bytes, uniform and from a small "interesting" alphabet;
 *   - valid encodings of arbitrary values, cut at every position and with
 *     every 4-byte window forged to an extreme int32 (and every 5-byte window
 *     to the largest unsigned varint), so each length and count is forged;
 *   - the same encodings damaged by random flips, cuts, insertions, deletions;
 *   - whole request and response frames, through decodeRequestFrame and
 *     decodeResponseBody.
 * Runs are sized to keep this file around 10 s on a 2-core machine. A true
 * infinite loop cannot be caught from inside the same thread: it would show
 * as this file never finishing.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAll, type Message } from '../../protocol/gen/schema.js';
import { Reader } from '../../src/codec/reader.js';
import { Writer } from '../../src/codec/writer.js';
import { KafkaProtocolError } from '../../src/errors.js';
import { decodeRequestFrame, decodeResponseBody, encodeRequestFrame, encodeResponseFrame } from '../../src/messages/frame.js';
import { api as apiNamed, apiByKey, type ApiDefinition } from '../../src/protocol.js';
import { retainedMemory } from '../memory.js';
import { messageArbitrary, versionsOf } from './arbitrary.js';

/** Slowest acceptable single decode. */
const MAX_CALL_MS = 200;
/** Largest acceptable growth of heapUsed or arrayBuffers over the whole file. */
const MEMORY_BUDGET = 64 * 1024 * 1024;

/** Property runs per (API, version): responses get the most attention. */
const RUNS = { randomResponse: 12, randomRequest: 4, sweptResponse: 2, sweptRequest: 1, mutatedResponse: 12, mutatedRequest: 4, frames: 3 };

const messages = loadAll();
type Side = 'request' | 'response';

// ---------------------------------------------------------------- the check

const memory = { start: { heap: 0, buffers: 0 }, peak: { heap: 0, buffers: 0 } };

/**
 * Each sample is taken after a full collection (see test/memory.ts) and
 * measures what the decoders kept. A decode that allocates out of proportion
 * to its input is caught per call by checkProportion and the time limit.
 */
function sampleMemory(): void {
  const m = retainedMemory();
  memory.peak.heap = Math.max(memory.peak.heap, m.heap - memory.start.heap);
  memory.peak.buffers = Math.max(memory.peak.buffers, m.buffers - memory.start.buffers);
}

/**
 * Walks a decoded value and fails if it is out of proportion to the input:
 * an array longer than the input has bytes, a byte field that is not a view
 * into the input (the reader promises zero copy), or far more objects than
 * bytes. A forged count that slipped past the reader shows up here even when
 * the allocation itself happened to be cheap.
 */
function checkProportion(value: unknown, input: Buffer): void {
  const limit = input.length;
  let nodes = 0;
  const visit = (x: unknown): void => {
    if (++nodes > 16 * limit + 256) throw new Error(`decoded value has more than ${16 * limit + 256} parts for ${limit} input bytes`);
    if (x === null || typeof x !== 'object') {
      // Strings come from the input (at most one char per byte, 22 per 16-byte uuid) or are short defaults.
      if (typeof x === 'string' && x.length > 2 * limit + 64) throw new Error(`decoded string of ${x.length} chars from ${limit} bytes`);
      return;
    }
    if (x instanceof Uint8Array) {
      if (x.length > limit) throw new Error(`decoded ${x.length} bytes from ${limit}`);
      if (x.length > 0 && x.buffer !== input.buffer) throw new Error('a byte field was copied, not sliced from the input');
      return;
    }
    if (Array.isArray(x)) {
      if (x.length > limit) throw new Error(`decoded array of ${x.length} elements from ${limit} bytes`);
      for (const e of x) visit(e);
      return;
    }
    for (const v of Object.values(x)) visit(v);
  };
  visit(value);
}

/** Runs one decode and enforces the contract; anything else is rethrown with the input attached. */
function probe(decode: (b: Buffer) => unknown, given: Buffer, what: string): void {
  // An input of its own, outside Node's buffer pool, so a copied byte field never passes for a view of it.
  const bytes = Buffer.alloc(given.length);
  given.copy(bytes);
  let value: unknown;
  let ok = false;
  const once = (): number => {
    const started = performance.now();
    try {
      value = decode(bytes);
      ok = true;
    } catch (err) {
      if (!(err instanceof KafkaProtocolError)) {
        const e = err as Error;
        throw new Error(`${what}: ${e?.constructor?.name ?? typeof err} escaped: ${e?.message} — input ${bytes.toString('hex')}`, { cause: err });
      }
    }
    return performance.now() - started;
  };
  // A busy machine or a GC can stall one call; slow input is slow every time.
  let took = once();
  for (let retry = 0; retry < 2 && took > MAX_CALL_MS; retry++) took = Math.min(took, once());
  if (took > MAX_CALL_MS) throw new Error(`${what}: one decode took ${took.toFixed(0)} ms — input ${bytes.toString('hex')}`);
  if (ok) checkProportion(value, bytes);
}

/** The body decoder of one side of an API, on a fresh reader over the whole input. */
function bodyDecoder(api: ApiDefinition, side: Side, v: number): (b: Buffer) => unknown {
  const decode = side === 'request' ? api.decodeRequest : api.decodeResponse;
  return (b) => decode(new Reader(b, 0, b.length, { api: api.name, version: v }), v);
}

function encodeBody(api: ApiDefinition, side: Side, v: number, value: unknown): Buffer {
  const w = new Writer(64);
  (side === 'request' ? api.encodeRequest : api.encodeResponse)(w, v, value);
  // A copy, so that mutations never touch the writer's spare capacity.
  return Buffer.from(w.finish());
}

// ------------------------------------------------------------ the mutations

/** The forged words: largest int32, -1 (null or "all ones"), smallest int32. */
const EXTREME_INT32 = [0x7fffffff, 0xffffffff, 0x80000000];
/** The largest unsigned varint the reader accepts (2^32 - 1): a forged compact length or count. */
const MAX_UVARINT = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]);

/** Every cut of the encoding and every window forged: about 5 decodes per input byte. */
function sweep(decode: (b: Buffer) => unknown, bytes: Buffer, what: string): void {
  for (let end = 0; end < bytes.length; end++) probe(decode, bytes.subarray(0, end), `${what} cut at ${end}`);
  const scratch = Buffer.alloc(Math.max(bytes.length, 5));
  for (let at = 0; at + 4 <= bytes.length; at++) {
    for (const word of EXTREME_INT32) {
      bytes.copy(scratch);
      scratch.writeUInt32BE(word, at);
      probe(decode, Buffer.from(scratch.subarray(0, bytes.length)), `${what} int32 ${word.toString(16)} at ${at}`);
    }
  }
  for (let at = 0; at < bytes.length; at++) {
    const forged = Buffer.concat([bytes.subarray(0, at), MAX_UVARINT, bytes.subarray(Math.min(bytes.length, at + 5))]);
    probe(decode, forged, `${what} max uvarint at ${at}`);
  }
}

type Mutation =
  | { op: 'flip'; at: number; mask: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; count: number }
  | { op: 'forge'; at: number; word: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('forge' as const), at: fc.nat(), word: fc.constantFrom(...EXTREME_INT32) }),
);

function mutate(b: Buffer, m: Mutation): Buffer {
  const at = m.at % (b.length + 1);
  switch (m.op) {
    case 'flip': {
      if (b.length === 0) return b;
      const out = Buffer.from(b);
      const i = m.at % b.length;
      out[i] = (out[i] as number) ^ m.mask;
      return out;
    }
    case 'truncate':
      return b.subarray(0, at);
    case 'insert':
      return Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
    case 'delete':
      return Buffer.concat([b.subarray(0, at), b.subarray(at + m.count)]);
    case 'forge': {
      if (b.length < 4) return b;
      const out = Buffer.from(b);
      out.writeUInt32BE(m.word, m.at % (b.length - 3));
      return out;
    }
  }
}

/** Applies the mutations in turn and probes every intermediate result. */
function probeMutations(decode: (b: Buffer) => unknown, bytes: Buffer, muts: Mutation[], what: string): void {
  let b = bytes;
  for (const [i, m] of muts.entries()) {
    b = mutate(b, m);
    probe(decode, b, `${what} after mutation ${i} (${m.op})`);
  }
}

const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 5 });

/** Uniform random bytes, and bytes from the values that most often mean something on the wire. */
const randomBytesArb = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }),
  fc.array(fc.constantFrom(0x00, 0x01, 0x02, 0x03, 0x7f, 0x80, 0xff), { maxLength: 2048 }).map((a) => Uint8Array.from(a)),
);

// ------------------------------------------------------------------- tests

beforeAll(() => {
  memory.start = retainedMemory();
});

function eachSide(msg: Message, f: (api: ApiDefinition, v: number, side: Side) => void): void {
  const api = apiByKey(msg.key);
  expect(api, `generated codec for ${msg.api}`).toBeDefined();
  for (const v of versionsOf(msg)) for (const side of ['response', 'request'] as const) f(api!, v, side);
  sampleMemory();
}

describe('body decoders on random bytes', () => {
  for (const msg of messages) {
    it(`${msg.api} (key ${msg.key})`, () => {
      eachSide(msg, (api, v, side) => {
        const decode = bodyDecoder(api, side, v);
        fc.assert(
          fc.property(randomBytesArb, (raw) => probe(decode, Buffer.from(raw), `${msg.api} ${side} v${v}`)),
          { numRuns: side === 'response' ? RUNS.randomResponse : RUNS.randomRequest },
        );
      });
    });
  }
});

describe('body decoders on valid encodings, cut and forged at every position', () => {
  for (const msg of messages) {
    it(`${msg.api} (key ${msg.key})`, () => {
      eachSide(msg, (api, v, side) => {
        const decode = bodyDecoder(api, side, v);
        const what = `${msg.api} ${side} v${v}`;
        fc.assert(
          fc.property(messageArbitrary(msg, side, v), (value) => {
            const bytes = encodeBody(api, side, v, value);
            expect(() => decode(bytes), `${what}: undamaged`).not.toThrow();
            sweep(decode, bytes, what);
          }),
          { numRuns: side === 'response' ? RUNS.sweptResponse : RUNS.sweptRequest },
        );
      });
    });
  }
});

describe('body decoders on valid encodings with random damage', () => {
  for (const msg of messages) {
    it(`${msg.api} (key ${msg.key})`, () => {
      eachSide(msg, (api, v, side) => {
        const decode = bodyDecoder(api, side, v);
        const what = `${msg.api} ${side} v${v}`;
        fc.assert(
          fc.property(messageArbitrary(msg, side, v), mutationsArb, (value, muts) => {
            probeMutations(decode, encodeBody(api, side, v, value), muts, what);
          }),
          { numRuns: side === 'response' ? RUNS.mutatedResponse : RUNS.mutatedRequest },
        );
      });
    });
  }
});

describe('framing', () => {
  const correlationId = 0x01020304;

  it('decodeResponseBody: random frames, and valid frames damaged', () => {
    for (const msg of messages) {
      eachSide(msg, (api, v, side) => {
        if (side !== 'response') return;
        const what = `${msg.api} response frame v${v}`;
        const loose = (b: Buffer) => decodeResponseBody(api, v, b);
        const exact = (b: Buffer) => decodeResponseBody(api, v, b, true);
        fc.assert(
          fc.property(randomBytesArb, messageArbitrary(msg, 'response', v), mutationsArb, (raw, value, muts) => {
            probe(loose, Buffer.from(raw), what);
            // Without its size prefix, as the connection hands it over.
            const frame = Buffer.from(encodeResponseFrame(api, v, correlationId, value).subarray(4));
            expect(() => exact(frame), `${what}: undamaged`).not.toThrow();
            probeMutations(loose, frame, muts, what);
            probeMutations(exact, frame, muts, what);
          }),
          { numRuns: RUNS.frames },
        );
      });
    }
  });

  it('decodeRequestFrame: random frames, random headers, and valid frames damaged', () => {
    const decode = (b: Buffer) => decodeRequestFrame(b, apiByKey);
    // A header naming a real API but any version at all, then random bytes.
    const header = fc.record({ key: fc.constantFrom(...messages.map((m) => m.key)), version: fc.integer({ min: -32768, max: 32767 }) });
    fc.assert(
      fc.property(header, randomBytesArb, ({ key, version }, rest) => {
        probe(decode, Buffer.from(rest), 'request frame, random');
        const h = Buffer.alloc(8);
        h.writeInt16BE(key, 0);
        h.writeInt16BE(version, 2);
        h.writeInt32BE(correlationId, 4);
        probe(decode, Buffer.concat([h, rest]), `request frame, key ${key} v${version}`);
      }),
      { numRuns: 300 },
    );
    for (const msg of messages) {
      eachSide(msg, (api, v, side) => {
        if (side !== 'request') return;
        fc.assert(
          fc.property(messageArbitrary(msg, 'request', v), fc.option(fc.string({ maxLength: 10 }), { nil: null }), mutationsArb, (value, clientId, muts) => {
            const frame = Buffer.from(encodeRequestFrame(api, v, correlationId, clientId, value).subarray(4));
            expect(() => decode(frame), `${msg.api} request frame v${v}: undamaged`).not.toThrow();
            probeMutations(decode, frame, muts, `${msg.api} request frame v${v}`);
          }),
          { numRuns: RUNS.frames },
        );
      });
    }
  });
});

describe('forged lengths and counts are refused with the field named', () => {
  // Fixed cases worked out by hand, so a regression names itself whatever the random runs reach.
  const metadata = apiNamed('Metadata');
  const expectRefusal = (f: () => unknown, field: RegExp) => {
    let thrown: unknown;
    try {
      f();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(KafkaProtocolError);
    expect((thrown as KafkaProtocolError).fieldPath).toMatch(field);
  };

  it('a classic array count of 0x7fffffff', () => {
    // Metadata response v1: brokers count 0x7fffffff and nothing else.
    const r = new Reader(Buffer.from('7fffffff', 'hex'));
    expectRefusal(() => metadata.decodeResponse(r, 1), /^brokers$/);
  });

  it('a compact array count of 2^32 - 2 (varint ff ff ff ff 0f)', () => {
    // Metadata response v12: throttleTimeMs 0, then the brokers count.
    const r = new Reader(Buffer.from('00000000ffffffff0f', 'hex'));
    expectRefusal(() => metadata.decodeResponse(r, 12), /^brokers$/);
  });

  it('a string length of 0x7fff with two bytes behind it', () => {
    // Metadata response v0: one broker, nodeId 1, host length 32767.
    const r = new Reader(Buffer.from('00000001000000017fff6869', 'hex'));
    expectRefusal(() => metadata.decodeResponse(r, 0), /^brokers\[\]\.host$/);
  });

  it('a tagged-field size larger than the frame', () => {
    // Metadata response v12 frame: correlation id, header with one tag (tag 0, size 0x7f) and no more bytes.
    expectRefusal(() => decodeResponseBody(metadata, 12, Buffer.from('0000000701007f', 'hex')), /header tag/);
  });

  it('a request frame with an unknown API key', () => {
    expectRefusal(() => decodeRequestFrame(Buffer.from('7fff0000000000070000', 'hex'), apiByKey), /api key/);
  });
});

describe('the harness itself', () => {
  // The fuzz tests only mean something if probe() notices a broken decoder.
  const input = Buffer.alloc(7);
  input.write('00000003616263', 'hex');
  const fails = (decode: (b: Buffer) => unknown, why: RegExp) => expect(() => probe(decode, input, 'broken')).toThrow(why);

  it('passes a decoder that returns a slice or throws KafkaProtocolError', () => {
    expect(() => probe((b) => ({ s: b.subarray(4) }), input, 'good')).not.toThrow();
    expect(() => probe(() => new Reader(input).fail('bad', 'x'), input, 'good')).not.toThrow();
  });

  it('fails on any other exception', () => {
    fails((b) => b.readInt32BE(b.length), /RangeError escaped/);
    fails(() => (undefined as unknown as { x: number }).x, /TypeError escaped/);
  });

  it('fails on results out of proportion to the input', () => {
    fails(() => new Array(input.length + 1).fill(0), /array of 8 elements from 7 bytes/);
    fails((b) => ({ copy: Buffer.from(b) }), /copied/);
    fails(() => 'x'.repeat(1000), /string of 1000 chars/);
  });

  it('fails on a slow decode', () => {
    fails(() => {
      const until = performance.now() + MAX_CALL_MS + 20;
      while (performance.now() < until);
    }, /one decode took/);
  });
});

describe('memory over the whole file', () => {
  it(`heapUsed and arrayBuffers grew by less than ${MEMORY_BUDGET / 2 ** 20} MB`, () => {
    sampleMemory();
    const mb = (n: number) => (n / 2 ** 20).toFixed(1);
    console.info(`fuzz: peak growth heapUsed ${mb(memory.peak.heap)} MB, arrayBuffers ${mb(memory.peak.buffers)} MB`);
    expect(memory.peak.buffers).toBeLessThan(MEMORY_BUDGET);
    expect(memory.peak.heap).toBeLessThan(MEMORY_BUDGET);
  });
});
