// Deterministic randomness and byte mutations for the fuzzer. A seeded PRNG
// (not fast-check's shrinking machinery) keeps a million inputs cheap, and a
// run with the same --seed replays the same inputs.

/** sfc32: small, fast, and good enough to pick bytes and positions. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed | 0;
    for (let i = 0; i < 16; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return n <= 0 ? 0 : this.u32() % n;
  }

  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.below(xs.length)] as T;
  }
}

/** Bytes that most often mean something on the wire: zero, one, sign bits, all ones. */
const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x7f, 0x80, 0xfe, 0xff];
/** Forged 32-bit words: largest int32, -1 (null / all ones), smallest int32, and a large but plausible size. */
const EXTREME_INT32 = [0x7fffffff, 0xffffffff, 0x80000000, 0x00ffffff];
/** Forged 16-bit words: a string length of 32767, and -1 (null). */
const EXTREME_INT16 = [0x7fff, 0xffff, 0x8000];
/** The largest unsigned varint the reader accepts: a forged compact length or count. */
const MAX_UVARINT = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]);

/** Random bytes: uniform, or drawn from the interesting ones. */
export function randomBytes(rng: Rng, maxLength: number): Buffer {
  const n = rng.below(maxLength + 1);
  const out = Buffer.allocUnsafe(n);
  const interesting = rng.chance(0.5);
  for (let i = 0; i < n; i++) out[i] = interesting ? rng.pick(INTERESTING) : rng.below(256);
  return out;
}

export type MutationName = 'flip' | 'byte' | 'truncate' | 'insert' | 'delete' | 'int32' | 'int16' | 'uvarint' | 'duplicate';

/** One random mutation of b (a new buffer; b is never changed). */
export function mutateOnce(rng: Rng, b: Buffer): { out: Buffer; op: MutationName } {
  const at = rng.below(b.length + 1);
  const op = rng.pick<MutationName>(['flip', 'byte', 'truncate', 'insert', 'delete', 'int32', 'int16', 'uvarint', 'duplicate']);
  switch (op) {
    case 'flip':
    case 'byte': {
      if (b.length === 0) return { out: Buffer.from(b), op };
      const out = Buffer.from(b);
      const i = at % b.length;
      out[i] = op === 'flip' ? (out[i] as number) ^ (1 << rng.below(8)) : rng.pick(INTERESTING);
      return { out, op };
    }
    case 'truncate':
      return { out: Buffer.from(b.subarray(0, at)), op };
    case 'insert':
      return { out: Buffer.concat([b.subarray(0, at), randomBytes(rng, 8), b.subarray(at)]), op };
    case 'delete':
      return { out: Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + rng.below(8))]), op };
    case 'int32':
    case 'int16': {
      const width = op === 'int32' ? 4 : 2;
      if (b.length < width) return { out: Buffer.from(b), op };
      const out = Buffer.from(b);
      const i = at % (b.length - width + 1);
      if (width === 4) out.writeUInt32BE(rng.pick(EXTREME_INT32), i);
      else out.writeUInt16BE(rng.pick(EXTREME_INT16), i);
      return { out, op };
    }
    case 'uvarint':
      return { out: Buffer.concat([b.subarray(0, at), MAX_UVARINT, b.subarray(Math.min(b.length, at + 1 + rng.below(5)))]), op };
    case 'duplicate': {
      // A slice repeated in place: repeated structures with forged counts.
      const from = rng.below(b.length + 1);
      const len = rng.below(Math.min(64, b.length - from) + 1);
      return { out: Buffer.concat([b.subarray(0, at), b.subarray(from, from + len), b.subarray(at)]), op };
    }
  }
}

/** 1 to `most` mutations in a row. */
export function mutate(rng: Rng, b: Buffer, most = 4): { out: Buffer; ops: MutationName[] } {
  const ops: MutationName[] = [];
  let out = b;
  const n = 1 + rng.below(most);
  for (let i = 0; i < n; i++) {
    const m = mutateOnce(rng, out);
    out = m.out;
    ops.push(m.op);
  }
  return { out, ops };
}
