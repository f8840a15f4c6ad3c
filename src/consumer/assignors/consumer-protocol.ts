/**
 * The ConsumerProtocol bytes of the classic group protocol: a member's
 * Subscription (JoinGroup metadata) and Assignment (SyncGroup), as Java's
 * ConsumerProtocol writes them, so kafkawire and Java consumers can share a
 * group. Both start with an int16 version and use the non-flexible encoding.
 *
 * Subscription v0: topics, userData; v1: + ownedPartitions; v2: +
 * generationId; v3: + rackId. Assignment v0-3: partitions, userData (the
 * same layout in every version). Bytes of a newer version are read with the
 * newest layout we know, ignoring what follows, as Java does.
 */
import { KafkaProtocolError } from '../../errors.js';
import { Reader } from '../../codec/reader.js';
import { Writer } from '../../codec/writer.js';
import type { TopicPartition } from '../group/contract.js';
import type { MemberAssignment, MemberSubscription } from './types.js';
import { compareJavaStrings } from './java-hash.js';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';
export const CONSUMER_PROTOCOL_MAX_VERSION = 3;

function checkEncodeVersion(version: number, what: string): number {
  if (!Number.isInteger(version) || version < 0 || version > 0x7fff) {
    throw new KafkaProtocolError(`ConsumerProtocol ${what} version ${version} is not a valid version (0-${CONSUMER_PROTOCOL_MAX_VERSION})`);
  }
  // Java clamps a newer requested version to its newest (header included).
  return Math.min(version, CONSUMER_PROTOCOL_MAX_VERSION);
}

function writeString(w: Writer, s: string): void {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length > 0x7fff) throw new KafkaProtocolError(`ConsumerProtocol string of ${bytes.length} bytes is longer than 32767`);
  w.int16(bytes.length);
  w.raw(bytes);
}

function writeNullableBytes(w: Writer, b: Uint8Array | null): void {
  if (b === null) {
    w.int32(-1);
    return;
  }
  w.int32(b.byteLength);
  w.raw(b);
}

/** Partitions grouped by topic in the order topics first appear. */
function groupByTopic(partitions: readonly TopicPartition[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (const tp of partitions) {
    let list = groups.get(tp.topic);
    if (list === undefined) groups.set(tp.topic, (list = []));
    list.push(tp.partition);
  }
  return groups;
}

function writeTopicPartitions(w: Writer, groups: Map<string, number[]>): void {
  w.int32(groups.size);
  for (const [topic, partitions] of groups) {
    writeString(w, topic);
    w.int32(partitions.length);
    for (const p of partitions) w.int32(p);
  }
}

/**
 * Encodes a Subscription as Java does: topics sorted, owned partitions
 * sorted by topic then partition, grouped by topic. Fields the version does
 * not have are left out. Default version 3.
 */
export function encodeSubscription(sub: MemberSubscription, version = CONSUMER_PROTOCOL_MAX_VERSION): Buffer {
  const v = checkEncodeVersion(version, 'Subscription');
  const w = new Writer(64);
  w.int16(v);
  const topics = [...sub.topics].sort(compareJavaStrings);
  w.int32(topics.length);
  for (const t of topics) writeString(w, t);
  writeNullableBytes(w, sub.userData);
  if (v >= 1) {
    const owned = [...sub.ownedPartitions].sort((a, b) => compareJavaStrings(a.topic, b.topic) || a.partition - b.partition);
    writeTopicPartitions(w, groupByTopic(owned));
  }
  // Java keeps a negative generation as "none" and writes -1 for it.
  if (v >= 2) w.int32(sub.generationId < 0 ? -1 : sub.generationId);
  if (v >= 3) {
    if (sub.rackId === null) w.int16(-1);
    else writeString(w, sub.rackId);
  }
  return Buffer.from(w.finish());
}

/** Encodes an Assignment as Java does: partitions grouped by topic, topics in order of first appearance. */
export function encodeAssignment(assignment: MemberAssignment, version = CONSUMER_PROTOCOL_MAX_VERSION): Buffer {
  const v = checkEncodeVersion(version, 'Assignment');
  const w = new Writer(64);
  w.int16(v);
  writeTopicPartitions(w, groupByTopic(assignment.partitions));
  writeNullableBytes(w, assignment.userData);
  return Buffer.from(w.finish());
}

function readVersion(r: Reader, what: string): number {
  if (r.remaining < 2) r.fail(`${what} is ${r.remaining} bytes, too short for its version header`, 'version');
  const version = r.int16('version');
  if (version < 0) r.fail(`unsupported ${what} version ${version}`, 'version', 0);
  return version;
}

function readTopicPartitions(r: Reader, field: string): TopicPartition[] {
  const out: TopicPartition[] = [];
  const n = r.arrayLength(false, field);
  if (n < 0) r.fail('null where an array is required', field);
  for (let i = 0; i < n; i++) {
    const topic = r.string(`${field}[${i}].topic`);
    const count = r.arrayLength(false, `${field}[${i}].partitions`);
    if (count < 0) r.fail('null where an array is required', `${field}[${i}].partitions`);
    for (let j = 0; j < count; j++) out.push({ topic, partition: r.int32(`${field}[${i}].partitions[${j}]`) });
  }
  return out;
}

/** A copy, so userData does not keep the whole JoinGroup/SyncGroup response alive. */
function copyBytes(b: Buffer | null): Uint8Array | null {
  return b === null ? null : new Uint8Array(b);
}

export interface DecodedSubscription extends MemberSubscription {
  /** The version in the bytes' header (may be newer than we know). */
  version: number;
}

/**
 * Decodes a Subscription. Fields the version lacks get Java's defaults
 * (no owned partitions, generation -1, no rack); as in Java, any negative
 * generation reads as -1 and an empty rack as null. Throws KafkaProtocolError on malformed bytes.
 */
export function decodeSubscription(bytes: Uint8Array): DecodedSubscription {
  const r = new Reader(bytes, 0, bytes.length, { api: 'ConsumerProtocolSubscription' });
  const version = readVersion(r, 'Subscription');
  r.context = { api: 'ConsumerProtocolSubscription', version };
  const n = r.arrayLength(false, 'topics');
  if (n < 0) r.fail('null where an array is required', 'topics');
  const topics: string[] = [];
  for (let i = 0; i < n; i++) topics.push(r.string(`topics[${i}]`));
  const userData = copyBytes(r.nullableBytes('userData'));
  const ownedPartitions = version >= 1 ? readTopicPartitions(r, 'ownedPartitions') : [];
  const generation = version >= 2 ? r.int32('generationId') : -1;
  const rack = version >= 3 ? r.nullableString('rackId') : null;
  return { version, topics, userData, ownedPartitions, generationId: generation < 0 ? -1 : generation, rackId: rack === '' ? null : rack };
}

export interface DecodedAssignment extends MemberAssignment {
  version: number;
}

/** Decodes an Assignment. Throws KafkaProtocolError on malformed bytes. */
export function decodeAssignment(bytes: Uint8Array): DecodedAssignment {
  const r = new Reader(bytes, 0, bytes.length, { api: 'ConsumerProtocolAssignment' });
  const version = readVersion(r, 'Assignment');
  r.context = { api: 'ConsumerProtocolAssignment', version };
  const partitions = readTopicPartitions(r, 'assignedPartitions');
  const userData = copyBytes(r.nullableBytes('userData'));
  return { version, partitions, userData };
}
