/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum of a
 * v2 record batch, computed over the bytes from the attributes field to the
 * end of the batch. The table-driven work is done by the crc-32 package.
 */
import CRC32C from 'crc-32/crc32c.js';

/**
 * The CRC-32C of `data[start, end)`, as an unsigned 32-bit number (the way a
 * batch stores it). The range is clamped to the data like `subarray`.
 */
export function crc32c(data: Uint8Array, start = 0, end = data.length): number {
  const view = start === 0 && end >= data.length ? data : data.subarray(start, end);
  return CRC32C.buf(view, 0) >>> 0;
}
