/**
 * XXH32, the 32-bit xxHash that the LZ4 frame format uses for its header,
 * block and content checksums. Written from the published algorithm
 * description; all 32-bit products go through Math.imul and every sum is
 * folded back to 32 bits with `| 0`, so no intermediate ever loses precision.
 */

const PRIME1 = 0x9e3779b1;
const PRIME2 = 0x85ebca77;
const PRIME3 = 0xc2b2ae3d;
const PRIME4 = 0x27d4eb2f;
const PRIME5 = 0x165667b1;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function readU32LE(data: Uint8Array, i: number): number {
  return data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
}

/** One accumulator step over a 4-byte lane. */
function round(acc: number, lane: number): number {
  return Math.imul(rotl((acc + Math.imul(lane, PRIME2)) | 0, 13), PRIME1);
}

/**
 * XXH32 of `data[start, end)` with `seed`, as an unsigned 32-bit number.
 * `start` and `end` default to the whole array.
 */
export function xxhash32(data: Uint8Array, seed = 0, start = 0, end = data.length): number {
  if (start < 0 || end > data.length || start > end) {
    throw new RangeError(`xxhash32: range [${start}, ${end}) is outside 0..${data.length}`);
  }
  let p = start;
  const length = end - start;
  let h: number;

  if (length >= 16) {
    // Four independent accumulators consume 16-byte stripes.
    let v1 = (seed + PRIME1 + PRIME2) | 0;
    let v2 = (seed + PRIME2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - PRIME1) | 0;
    const lastStripe = end - 16;
    while (p <= lastStripe) {
      v1 = round(v1, readU32LE(data, p));
      v2 = round(v2, readU32LE(data, p + 4));
      v3 = round(v3, readU32LE(data, p + 8));
      v4 = round(v4, readU32LE(data, p + 12));
      p += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + PRIME5) | 0;
  }

  // The input length (mod 2^32) is mixed in before the tail.
  h = (h + length) | 0;

  // Remaining whole words, then single bytes.
  while (p + 4 <= end) {
    h = Math.imul(rotl((h + Math.imul(readU32LE(data, p), PRIME3)) | 0, 17), PRIME4);
    p += 4;
  }
  while (p < end) {
    h = Math.imul(rotl((h + Math.imul(data[p]!, PRIME5)) | 0, 11), PRIME1);
    p += 1;
  }

  // Final avalanche.
  h ^= h >>> 15;
  h = Math.imul(h, PRIME2);
  h ^= h >>> 13;
  h = Math.imul(h, PRIME3);
  h ^= h >>> 16;
  return h >>> 0;
}
