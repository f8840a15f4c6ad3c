// Request and response framing: the 4-byte size prefix, the request header
// (v1, or v2 for flexible versions) and the response header (v0, or v1 for
// flexible versions; ApiVersions answers always use v0 so that a client can
// read them whatever version it asked for).
import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { KafkaProtocolError } from '../errors.js';
import { ApiKeys, type ApiDefinition } from './generated/apis.js';

export function isFlexible(api: ApiDefinition, version: number): boolean {
  return api.flexibleFrom >= 0 && version >= api.flexibleFrom;
}

export function requestHeaderVersion(api: ApiDefinition, version: number): 1 | 2 {
  return isFlexible(api, version) ? 2 : 1;
}

export function responseHeaderVersion(api: ApiDefinition, version: number): 0 | 1 {
  if (api.key === ApiKeys.ApiVersions) return 0;
  return isFlexible(api, version) ? 1 : 0;
}

/**
 * Encodes one whole request frame (size, header, body) into w and returns it.
 * The size is written last, in place, once the body's length is known.
 */
export function encodeRequestFrame(
  api: ApiDefinition,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: unknown,
  w: Writer = new Writer(512),
): Buffer {
  const start = w.offset;
  writeRequest(w, api, version, correlationId, clientId, body);
  w.buf.writeInt32BE(w.offset - start - 4, start);
  return w.buf.subarray(start, w.offset);
}

/** A size placeholder (0), the request header and the body. */
function writeRequest(w: Writer, api: ApiDefinition, version: number, correlationId: number, clientId: string | null, body: unknown): void {
  w.int32(0);
  w.int16(api.key);
  w.int16(version);
  w.int32(correlationId);
  w.string(clientId); // a classic string even in header v2
  if (requestHeaderVersion(api, version) === 2) w.uvarint(0); // no tagged header fields
  api.encodeRequest(w, version, body);
}

/**
 * encodeRequestFrame for a writer that may keep large byte fields (record
 * batches) by reference: the frame as a list of buffers to write in order.
 * The writer must be new (nothing written before the frame).
 */
export function encodeRequestFrameParts(api: ApiDefinition, version: number, correlationId: number, clientId: string | null, body: unknown, w: Writer): Uint8Array[] {
  if (w.length !== 0) throw new Error('encodeRequestFrameParts needs a new Writer');
  writeRequest(w, api, version, correlationId, clientId, body);
  const parts = w.finishParts();
  // The size goes into the first part, which holds the header: the writer's buffer may have been replaced since.
  const head = parts[0] as Uint8Array;
  new DataView(head.buffer, head.byteOffset, 4).setInt32(0, w.length - 4);
  return parts;
}

/** A response frame (without its size prefix) split into header and body reader. */
export interface ResponseFrame {
  correlationId: number;
  /** Reader positioned at the body's first byte. */
  body: Reader;
}

/** Reads the correlation id of a response frame (size prefix already removed). */
export function peekCorrelationId(frame: Buffer): number {
  if (frame.length < 4) throw new KafkaProtocolError(`response frame of ${frame.length} bytes is too short for a header`, { byteOffset: 0 });
  return frame.readInt32BE(0);
}

/**
 * Decodes a response body. With `exact`, bytes left after the body are an
 * error (the conformance tests use it); otherwise they are ignored, as a
 * newer broker may append fields a client does not know.
 */
export function decodeResponseBody<T = unknown>(api: ApiDefinition, version: number, frame: Buffer, exact = false): T {
  const r = new Reader(frame, 0, frame.length, { api: api.name, version });
  r.int32('<correlation id>');
  if (responseHeaderVersion(api, version) === 1) {
    const n = r.arrayLength(true, '<response header tags>') + 1;
    for (let i = 0; i < n; i++) {
      r.uvarint('<tag>');
      r.skip(r.uvarint('<tag size>'), '<header tag>');
    }
  }
  const body = api.decodeResponse(r, version) as T;
  if (exact && r.remaining !== 0) r.fail(`${r.remaining} bytes left over after the response body`, '<end>');
  return body;
}

/** Encodes a response frame (the fake brokers in the tests use it). */
export function encodeResponseFrame(api: ApiDefinition, version: number, correlationId: number, body: unknown, w: Writer = new Writer(512)): Buffer {
  const start = w.offset;
  w.int32(0);
  w.int32(correlationId);
  if (responseHeaderVersion(api, version) === 1) w.uvarint(0);
  api.encodeResponse(w, version, body);
  w.buf.writeInt32BE(w.offset - start - 4, start);
  return w.buf.subarray(start, w.offset);
}

/** Decodes a request frame without size prefix: header fields and body (fake brokers). */
export function decodeRequestFrame(frame: Buffer, apis: (key: number) => ApiDefinition | undefined): {
  api: ApiDefinition;
  version: number;
  correlationId: number;
  clientId: string | null;
  body: unknown;
} {
  const r = new Reader(frame);
  const key = r.int16('<api key>');
  const version = r.int16('<api version>');
  const correlationId = r.int32('<correlation id>');
  const api = apis(key);
  if (!api) return r.fail(`unknown API key ${key}`, '<api key>', 0);
  r.context = { api: api.name, version };
  if (version < api.minVersion || version > api.maxVersion) r.fail(`version ${version} of ${api.name} is outside ${api.minVersion}–${api.maxVersion}`, '<api version>', 2);
  const clientId = r.nullableString('<client id>');
  if (requestHeaderVersion(api, version) === 2) {
    const n = r.arrayLength(true, '<request header tags>') + 1;
    for (let i = 0; i < n; i++) {
      r.uvarint('<tag>');
      r.skip(r.uvarint('<tag size>'), '<header tag>');
    }
  }
  return { api, version, correlationId, clientId, body: api.decodeRequest(r, version) };
}
