// Everything the fuzzer feeds: every API × version × direction of the
// generated codecs (bodies and whole frames), record sets (v2 batches, legacy
// message sets, compressed or not), every codec's decompressor, and the SASL
// exchanges. Each target decodes one input and has valid encodings to mutate.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { loadAll, type Message } from '../../protocol/gen/schema.js';
import { crc32c } from '../../src/codec/crc32c.js';
import { Reader } from '../../src/codec/reader.js';
import { Writer } from '../../src/codec/writer.js';
import { decodeRequestFrame, decodeResponseBody, encodeRequestFrame, encodeResponseFrame } from '../../src/messages/frame.js';
import { apiByKey, type ApiDefinition } from '../../src/protocol.js';
import type { SaslAuthenticateResponse, SaslHandshakeResponse } from '../../src/messages/generated/index.js';
import { runSaslExchange, type SaslOptions } from '../../src/network/sasl/index.js';
import {
  gzipCompress,
  gzipDecompress,
  lz4FrameCompress,
  lz4FrameDecompress,
  snappyCompressRaw,
  snappyCompressXerial,
  snappyDecompress,
  zstdAvailable,
  zstdCompress,
  zstdDecompress,
} from '../../src/records/compression/index.js';
import { lz4BlockBound, lz4CompressBlock, lz4DecompressBlock, newLz4HashTable } from '../../src/records/compression/lz4-block.js';
import { decodeRecordBatch, encodeRecordBatch, openRecordBatch } from '../../src/records/batch.js';
import { decodeRecords } from '../../src/records/legacy.js';
import type { CompressionTypeName } from '../../src/records/compression/index.js';
import { messageArbitrary, versionsOf } from '../messages/arbitrary.js';
import { JAVA_RECORD_SETS } from '../records/java-fixtures.js';
import type { Rng } from './mutate.js';

export type TargetGroup = 'body' | 'frame' | 'records' | 'codec' | 'sasl';

export interface Target {
  name: string;
  group: TargetGroup;
  /** Decodes one input; a value, a promise of one, or a thrown error. */
  decode(input: Buffer): unknown;
  /** Valid inputs to mutate, made on demand from a seed. */
  seeds(seed: number, count: number): Buffer[];
  /** Applied after mutation: e.g. recompute a checksum so the damage reaches past it. */
  fixup?(input: Buffer): Buffer;
  /** The decoded value must stay in proportion to the input (no decompression inside). */
  proportional: boolean;
  /** Slowest acceptable input for this target, when it is not the run's (see the SASL targets). */
  slowMs?: number;
  /**
   * SASL targets: exchanges run, and how many of them got as far as the round
   * the input replaces. A target whose earlier rounds fail never feeds its
   * input to the client, so it fuzzes nothing; the tests check for that.
   */
  rounds?: { runs: number; reachedFuzzed: number };
}

/** Largest output a decompressor may produce in the fuzzer: small, so a bomb shows as an error, not a stall. */
const MAX_OUT = 4 << 20;

/** protocol/messages, found from the working folder or this file, so a compiled copy finds it too. */
function messagesDir(): string {
  const candidates = [path.resolve('protocol/messages')];
  let dir = path.dirname(new URL(import.meta.url).pathname);
  for (let i = 0; i < 8; i++, dir = path.dirname(dir)) candidates.push(path.join(dir, 'protocol', 'messages'));
  const found = candidates.find((d) => fs.existsSync(d));
  if (!found) throw new Error(`protocol/messages not found (run from the repository root); looked in ${candidates.join(', ')}`);
  return found;
}

function encodeBody(api: ApiDefinition, side: 'request' | 'response', v: number, value: unknown): Buffer {
  const w = new Writer(64);
  (side === 'request' ? api.encodeRequest : api.encodeResponse)(w, v, value);
  return Buffer.from(w.finish());
}

function messageTargets(messages: Message[]): Target[] {
  const out: Target[] = [];
  for (const msg of messages) {
    const api = apiByKey(msg.key);
    if (!api) throw new Error(`no generated codec for ${msg.api} (key ${msg.key})`);
    for (const v of versionsOf(msg)) {
      for (const side of ['response', 'request'] as const) {
        const arb = messageArbitrary(msg, side, v);
        const sample = (seed: number, count: number) => fc.sample(arb, { seed, numRuns: count });
        const decodeBody = side === 'request' ? api.decodeRequest : api.decodeResponse;
        out.push({
          name: `${msg.api} ${side} v${v} body`,
          group: 'body',
          proportional: true,
          decode: (b) => decodeBody(new Reader(b, 0, b.length, { api: api.name, version: v }), v),
          seeds: (seed, count) => sample(seed, count).map((value) => encodeBody(api, side, v, value)),
        });
        if (side === 'response') {
          out.push({
            name: `${msg.api} response v${v} frame`,
            group: 'frame',
            proportional: true,
            decode: (b) => decodeResponseBody(api, v, b, true),
            // Without the size prefix, as the connection hands frames over.
            seeds: (seed, count) => sample(seed, count).map((value) => Buffer.from(encodeResponseFrame(api, v, 7, value).subarray(4))),
          });
        } else {
          out.push({
            name: `${msg.api} request v${v} frame`,
            group: 'frame',
            proportional: true,
            decode: (b) => decodeRequestFrame(b, apiByKey),
            seeds: (seed, count) => sample(seed, count).map((value) => Buffer.from(encodeRequestFrame(api, v, 7, 'fuzz', value).subarray(4))),
          });
        }
      }
    }
  }
  return out;
}

// --------------------------------------------------------------- records

const recordArb = fc.record({
  key: fc.option(fc.uint8Array({ maxLength: 16 }), { nil: null }),
  value: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: null }),
  headers: fc.array(fc.record({ key: fc.string({ maxLength: 6 }), value: fc.option(fc.uint8Array({ maxLength: 8 }), { nil: null }) }), { maxLength: 2 }),
});
const COMPRESSIONS: CompressionTypeName[] = ['none', 'gzip', 'snappy', 'lz4', ...(zstdAvailable() ? (['zstd'] as const) : [])];

/** v2 batches of random records, each compression, sometimes two batches back to back. */
function v2Seeds(seed: number, count: number): Buffer[] {
  return fc
    .sample(fc.tuple(fc.array(recordArb, { minLength: 1, maxLength: 6 }), fc.constantFrom(...COMPRESSIONS), fc.boolean(), fc.boolean()), { seed, numRuns: count })
    .map(([records, compression, transactional, two]) => {
      const one = encodeRecordBatch(records, { compression, transactional, baseOffset: 100n });
      return two ? Buffer.concat([one, encodeRecordBatch(records.slice(0, 1), { baseOffset: 100n + BigInt(records.length) })]) : one;
    });
}

/** Recomputes the CRC-32C of the v2 batch at the start, so mutations reach what the checksum guards. */
function fixV2Crc(b: Buffer): Buffer {
  if (b.length < 61) return b;
  const len = b.readInt32BE(8);
  const end = len >= 49 && 12 + len <= b.length ? 12 + len : b.length;
  b.writeUInt32BE(crc32c(b, 21, end), 17);
  return b;
}

/** Record sets the Java client wrote: v0/v1 message sets and v2 batches (zstd only where this Node.js has it). */
const javaFixtures = Object.entries(JAVA_RECORD_SETS)
  .filter(([name]) => zstdAvailable() || !name.includes('zstd'))
  .map(([, hex]) => Buffer.from(hex, 'hex'));

function recordTargets(): Target[] {
  const iterate = (b: Buffer) => {
    const opened = openRecordBatch(b, 0, { topic: 'fuzz', partition: 0, maxDecompressedBytes: MAX_OUT });
    let n = 0;
    while (opened.records.read() !== undefined) n++;
    return n;
  };
  return [
    {
      name: 'record batch v2 (decodeRecordBatch, checksum fixed after damage)',
      group: 'records',
      proportional: false,
      decode: (b) => decodeRecordBatch(b, 0, { maxDecompressedBytes: MAX_OUT }),
      seeds: v2Seeds,
      fixup: fixV2Crc,
    },
    { name: 'record batch v2 (openRecordBatch + read, checksum fixed)', group: 'records', proportional: false, decode: iterate, seeds: v2Seeds, fixup: fixV2Crc },
    {
      name: 'record batch v2 (decodeRecordBatch, checksum checked)',
      group: 'records',
      proportional: false,
      decode: (b) => decodeRecordBatch(b, 0, { maxDecompressedBytes: MAX_OUT }),
      seeds: v2Seeds,
    },
    {
      name: 'record set (decodeRecords: v2 batches)',
      group: 'records',
      proportional: false,
      decode: (b) => decodeRecords(b, { maxDecompressedBytes: MAX_OUT, verifyCrc: false }),
      seeds: v2Seeds,
    },
    {
      name: 'record set (decodeRecords: the Java client v0/v1 message sets and v2 batches, CRC unchecked)',
      group: 'records',
      proportional: false,
      decode: (b) => decodeRecords(b, { maxDecompressedBytes: MAX_OUT, verifyCrc: false }),
      seeds: () => javaFixtures,
    },
    {
      name: 'record set (decodeRecords: the Java client record sets, CRC checked)',
      group: 'records',
      proportional: false,
      decode: (b) => decodeRecords(b, { maxDecompressedBytes: MAX_OUT }),
      seeds: () => javaFixtures,
    },
  ];
}

// ------------------------------------------------------------ decompressors

/** Compressible payloads: runs, text, and random bytes. */
function payloads(seed: number, count: number): Buffer[] {
  return fc
    .sample(
      fc.oneof(
        fc.uint8Array({ maxLength: 512 }),
        fc.tuple(fc.string({ maxLength: 40 }), fc.integer({ min: 1, max: 200 })).map(([s, n]) => Buffer.from(s.repeat(n))),
      ),
      { seed, numRuns: count },
    )
    .map((a) => Buffer.from(a));
}

function codecTargets(): Target[] {
  const codec = (name: string, compress: (b: Buffer) => Buffer, decompress: (b: Buffer) => unknown): Target => ({
    name: `decompress ${name}`,
    group: 'codec',
    proportional: false,
    decode: decompress,
    seeds: (seed, count) => payloads(seed, count).map(compress),
  });
  const out = [
    codec('gzip', (b) => gzipCompress(b), (b) => gzipDecompress(b, MAX_OUT)),
    codec('snappy (xerial framing)', snappyCompressXerial, (b) => snappyDecompress(b, MAX_OUT)),
    codec('snappy (raw)', snappyCompressRaw, (b) => snappyDecompress(b, MAX_OUT)),
    codec('lz4 (frame)', (b) => lz4FrameCompress(b), (b) => lz4FrameDecompress(b, MAX_OUT)),
    codec(
      'lz4 (block)',
      (b) => {
        const dst = Buffer.alloc(lz4BlockBound(b.length));
        return dst.subarray(0, lz4CompressBlock(b, 0, b.length, dst, 0, newLz4HashTable()));
      },
      (b) => {
        const dst = Buffer.alloc(64 * 1024);
        return lz4DecompressBlock(b, 0, b.length, dst, 0, 0, dst.length);
      },
    ),
  ];
  if (zstdAvailable()) out.push(codec('zstd', (b) => zstdCompress(b), (b) => zstdDecompress(b, MAX_OUT)));
  return out;
}

// ------------------------------------------------------------------- SASL

/**
 * A transport that answers SaslHandshake with success and SaslAuthenticate
 * with the fuzzed server message: `build` makes it from the client's first
 * message (so the nonce can be right), then the mutation is applied.
 */
function saslTarget(name: string, sasl: SaslOptions, serverMessages: (clientFirst: string) => string[], fuzzedRound: number): Target {
  const handshake: SaslHandshakeResponse = { errorCode: 0, mechanisms: [sasl.mechanism] } as SaslHandshakeResponse;
  const answer = (authBytes: Buffer): SaslAuthenticateResponse =>
    ({ errorCode: 0, errorMessage: null, authBytes, sessionLifetimeMs: 0n }) as unknown as SaslAuthenticateResponse;
  const rounds = { runs: 0, reachedFuzzed: 0 };
  return {
    rounds,
    name: `SASL ${name}`,
    group: 'sasl',
    proportional: false,
    // SCRAM lets a server ask for up to MAX_ITERATIONS (1,000,000) PBKDF2 rounds, about a second of work:
    // a bound by design, so these targets get a wider time limit than the decoders.
    slowMs: 5000,
    // The input replaces the server's message of round `fuzzedRound`; the rounds before it are valid. The text
    // CLIENTNONCE in it stands for the client's random nonce, so a mutated message can get past the nonce check.
    decode: (input) => {
      rounds.runs++;
      let round = 0;
      let script: string[] = [];
      let nonce: string | null = null;
      return runSaslExchange(
        {
          handshake: async () => handshake,
          authenticate: async (token) => {
            if (round === 0) {
              const first = token.toString('utf8');
              script = serverMessages(first);
              nonce = /r=([^,]*)/.exec(first)?.[1] ?? null;
            }
            const r = round++;
            if (r === fuzzedRound) {
              rounds.reachedFuzzed++;
              return answer(nonce === null ? input : Buffer.from(input.toString('latin1').replaceAll('CLIENTNONCE', nonce), 'latin1'));
            }
            if (r < script.length) return answer(Buffer.from(script[r]!, 'utf8'));
            return answer(Buffer.alloc(0));
          },
        },
        sasl,
        'fuzz broker',
        'fuzz',
      );
    },
    seeds: (_seed, _count) => [Buffer.from(serverMessages('n,,n=fuzz,r=CLIENTNONCE')[fuzzedRound] ?? '', 'utf8')],
  };
}

/** A plausible SCRAM server-first message for a client-first message: the client's nonce extended, a salt, 4096 iterations. */
function scramServerFirst(clientFirst: string): string {
  const nonce = /r=([^,]*)/.exec(clientFirst)?.[1] ?? '';
  return `r=${nonce}SERVERPART,s=${Buffer.from('fuzz-salt').toString('base64')},i=4096`;
}

function saslTargets(): Target[] {
  const scram = (m: 'SCRAM-SHA-256' | 'SCRAM-SHA-512') => ({ mechanism: m, username: 'fuzz', password: 'pw' }) as SaslOptions;
  return [
    saslTarget('SCRAM-SHA-256 server-first', scram('SCRAM-SHA-256'), (c) => [scramServerFirst(c)], 0),
    saslTarget('SCRAM-SHA-512 server-first', scram('SCRAM-SHA-512'), (c) => [scramServerFirst(c)], 0),
    // server-final: a valid first round, then a verifier that cannot be right (e=, v= of wrong bytes, damage).
    saslTarget('SCRAM-SHA-256 server-final', scram('SCRAM-SHA-256'), (c) => [scramServerFirst(c), `v=${Buffer.alloc(32, 1).toString('base64')}`], 1),
    // SHA-512's verifier is 64 bytes; its round 0 must be a valid server-first too, or the client stops there.
    saslTarget('SCRAM-SHA-512 server-final', scram('SCRAM-SHA-512'), (c) => [scramServerFirst(c), `v=${Buffer.alloc(64, 1).toString('base64')}`], 1),
    saslTarget('PLAIN answer', { mechanism: 'PLAIN', username: 'fuzz', password: 'pw' }, () => [''], 0),
    saslTarget('OAUTHBEARER answer', { mechanism: 'OAUTHBEARER', oauthBearerProvider: async () => ({ value: 'e30.e30.' }) } as SaslOptions, () => ['{"status":"invalid_token"}', ''], 0),
  ];
}

export interface TargetSet {
  targets: Target[];
  /** Share of inputs per group, summing to 1. */
  weights: Record<TargetGroup, number>;
}

/** Every target; weights favour the response decoders (what a hostile broker reaches first) and keep slow SASL rare. */
export function allTargets(): TargetSet {
  const messages = loadAll(messagesDir());
  return {
    targets: [...messageTargets(messages), ...recordTargets(), ...codecTargets(), ...saslTargets()],
    weights: { body: 0.5, frame: 0.15, records: 0.2, codec: 0.13, sasl: 0.02 },
  };
}

/** A target picked by group weight, then uniformly within the group. */
export function picker(set: TargetSet): (rng: Rng) => number {
  const byGroup = new Map<TargetGroup, number[]>();
  set.targets.forEach((t, i) => byGroup.set(t.group, [...(byGroup.get(t.group) ?? []), i]));
  const groups = [...byGroup.keys()];
  const total = groups.reduce((s, g) => s + set.weights[g], 0);
  return (rng) => {
    let x = (rng.u32() / 4294967296) * total;
    for (const g of groups) {
      x -= set.weights[g];
      if (x < 0) return rng.pick(byGroup.get(g)!);
    }
    return rng.pick(byGroup.get(groups[groups.length - 1]!)!);
  };
}
