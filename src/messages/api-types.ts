// The shape of an API definition, shared by the generated API table (apis.ts),
// the generated index and the registry.
import type { Reader } from '../codec/reader.js';
import type { Writer } from '../codec/writer.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Encoder = (w: Writer, v: number, m: any) => void;
type Decoder = (r: Reader, v: number) => unknown;

/** An API's codecs: request and response, each way. */
export interface ApiCodecs {
  encodeRequest: Encoder;
  decodeRequest: Decoder;
  encodeResponse: Encoder;
  decodeResponse: Decoder;
}

/** One Kafka API: its key, the versions kafkawire speaks, and its codecs. */
export interface ApiDefinition extends ApiCodecs {
  key: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  /** First flexible version, or -1 when no version is flexible. */
  flexibleFrom: number;
}

/** One row of the API table: the API's versions, and how to load its codecs. */
export interface ApiTableRow<Name extends string = string> {
  key: number;
  name: Name;
  minVersion: number;
  maxVersion: number;
  flexibleFrom: number;
  load: () => Promise<ApiCodecs>;
}

/** Groups a generated module's four codec functions. */
export function codecs<Req, Res>(
  encodeRequest: (w: Writer, v: number, m: Req) => void,
  decodeRequest: Decoder,
  encodeResponse: (w: Writer, v: number, m: Res) => void,
  decodeResponse: Decoder,
): ApiCodecs {
  return { encodeRequest: encodeRequest as Encoder, decodeRequest, encodeResponse: encodeResponse as Encoder, decodeResponse };
}
