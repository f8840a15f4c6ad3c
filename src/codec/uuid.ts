/**
 * Kafka UUIDs (topic ids, directory ids) travel as 16 bytes and are shown by
 * Kafka's tools in URL-safe base64 without padding (22 characters). kafkawire
 * uses that text form, so ids can be compared with what the CLI prints.
 */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export function uuidFromBytes(buf: Buffer, offset: number): string {
  return buf.toString('base64url', offset, offset + 16);
}

/** Writes a 22-character id as 16 bytes; throws on anything else. */
export function uuidToBytes(id: string, into: Buffer, offset: number): void {
  if (id.length !== 22 || into.write(id, offset, 16, 'base64url') !== 16 || !/^[A-Za-z0-9_-]{21}[AQgw]$/.test(id)) {
    throw new TypeError(`not a Kafka UUID (22 characters of URL-safe base64): ${JSON.stringify(id)}`);
  }
}
