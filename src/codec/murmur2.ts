/**
 * MurmurHash2 exactly as the Java client computes it for partitioning
 * (seed 0x9747b28c, 32-bit signed result), so a key maps to the same
 * partition from kafkawire as from any Java producer. Math.imul keeps the
 * multiplications in 32 bits, as Java's int arithmetic does.
 */
const M = 0x5bd1e995;

export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const end4 = length & ~3;
  for (let i = 0; i < end4; i += 4) {
    let k = (data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  switch (length & 3) {
    case 3:
      h ^= (data[end4 + 2] as number) << 16;
    // falls through
    case 2:
      h ^= (data[end4 + 1] as number) << 8;
    // falls through
    case 1:
      h ^= data[end4] as number;
      h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Java's Utils.toPositive: clears the sign bit (not Math.abs, which differs for MIN_VALUE). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}
