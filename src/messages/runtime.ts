// Small pieces the generated codecs share.
import { KafkaProtocolError } from '../errors.js';
import { Writer } from '../codec/writer.js';

/** A tagged field kafkawire does not know: its tag and raw bytes. */
export interface TaggedField {
  tag: number;
  data: Uint8Array;
}

/** A known tagged field to write: its tag and a function writing its value. */
export type TagWriter = [tag: number, write: (w: Writer) => void];

export const EMPTY_BYTES: Uint8Array = Buffer.alloc(0);
export const NO_TAGS: TagWriter[] = [];

export function nullNotAllowed(field: string, version: number): never {
  throw new KafkaProtocolError(`null is not allowed for ${field} in version ${version}`, { version, fieldPath: field });
}

/**
 * Writes the tagged-field section of a flexible struct: count, then each
 * field as tag, size and bytes, in ascending tag order as Kafka requires.
 * Known fields are sized by writing them to a scratch writer first; tagged
 * fields are rare and small, so the copy is cheap.
 */
export function writeTags(w: Writer, known: TagWriter[], unknown: TaggedField[] | undefined): void {
  if (known.length === 0 && (unknown === undefined || unknown.length === 0)) {
    w.uvarint(0);
    return;
  }
  const all: Array<[number, Uint8Array]> = [];
  for (const [tag, write] of known) {
    const scratch = new Writer(64);
    write(scratch);
    all.push([tag, scratch.finish()]);
  }
  if (unknown) for (const u of unknown) all.push([u.tag, u.data]);
  all.sort((a, b) => a[0] - b[0]);
  w.uvarint(all.length);
  for (const [tag, data] of all) {
    w.uvarint(tag);
    w.uvarint(data.length);
    w.raw(data);
  }
}
