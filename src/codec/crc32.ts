/**
 * Plain CRC-32 (IEEE 802.3, the zlib one): the checksum of legacy magic 0 and
 * magic 1 messages, computed from the magic byte to the end of the message.
 */
import CRC32 from 'crc-32';

/**
 * The CRC-32 of `data[start, end)`, as an unsigned 32-bit number (the way a
 * legacy message stores it). The range is clamped to the data like `subarray`.
 */
export function crc32(data: Uint8Array, start = 0, end = data.length): number {
  const view = start === 0 && end >= data.length ? data : data.subarray(start, end);
  return CRC32.buf(view, 0) >>> 0;
}
