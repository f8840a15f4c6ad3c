/**
 * Deterministic inputs for the compression tests. The same generators were
 * ported to the Java program that produced ./java-fixtures.ts, so a fixture's
 * expected plain bytes can be rebuilt here from its InputSpec.
 */

export type InputSpec =
  | { kind: 'empty' }
  | { kind: 'words'; length: number; seed: number }
  | { kind: 'random'; length: number; seed: number }
  | { kind: 'pattern'; length: number }
  | { kind: 'mixed' };

/** A 31-bit linear congruential generator (the classic ANSI C constants). */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
    return state;
  };
}

const WORDS = ['kafka ', 'record ', 'batch ', 'offset ', 'topic ', 'partition ', 'leader ', 'replica '];

/** Text made of eight words picked at random: compresses to roughly half. */
export function words(length: number, seed: number): Buffer {
  const next = lcg(seed);
  let text = '';
  while (text.length < length) text += WORDS[(next() >> 16) & 7]!;
  return Buffer.from(text.slice(0, length), 'latin1');
}

/** Bytes that no compressor can shrink. */
export function random(length: number, seed: number): Buffer {
  const next = lcg(seed);
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (next() >> 16) & 0xff;
  return out;
}

/** A period-251 ramp whose values change every 16 KiB: very compressible. */
export function pattern(length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i % 251) ^ ((i >> 14) & 0xff);
  return out;
}

export function makeInput(spec: InputSpec): Buffer {
  switch (spec.kind) {
    case 'empty':
      return Buffer.alloc(0);
    case 'words':
      return words(spec.length, spec.seed);
    case 'random':
      return random(spec.length, spec.seed);
    case 'pattern':
      return pattern(spec.length);
    case 'mixed':
      return Buffer.concat([pattern(65536), random(1500, 7)]);
  }
}

/**
 * Semi-compressible data, about what a batch of JSON-ish records looks like:
 * runs of words mixed with random bytes.
 */
export function semiCompressible(length: number, seed = 42): Buffer {
  const next = lcg(seed);
  const out = Buffer.alloc(length);
  let i = 0;
  while (i < length) {
    const r = next();
    if ((r & 3) === 0) {
      const n = Math.min(length - i, 8 + ((r >> 4) & 31));
      for (let j = 0; j < n; j++) out[i + j] = (next() >> 16) & 0xff;
      i += n;
    } else {
      const w = Buffer.from(WORDS[(r >> 8) & 7]!, 'latin1');
      const n = Math.min(length - i, w.length);
      w.copy(out, i, 0, n);
      i += n;
    }
  }
  return out;
}
