import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadAll } from '../../protocol/gen/schema.js';
import { Reader } from '../../src/codec/reader.js';
import { Writer } from '../../src/codec/writer.js';
import { apiByKey } from '../../src/protocol.js';
import { messageArbitrary, versionsOf } from './arbitrary.js';

const messages = loadAll();

describe('every message in every version survives encode → decode', () => {
  for (const msg of messages) {
    const api = apiByKey(msg.key);
    it(`${msg.api} (key ${msg.key}), versions ${msg.versions.min}–${msg.versions.max}`, () => {
      expect(api, `generated codec for ${msg.api}`).toBeDefined();
      for (const v of versionsOf(msg)) {
        for (const side of ['request', 'response'] as const) {
          const encode = side === 'request' ? api!.encodeRequest : api!.encodeResponse;
          const decode = side === 'request' ? api!.decodeRequest : api!.decodeResponse;
          fc.assert(
            fc.property(messageArbitrary(msg, side, v), (value) => {
              const w = new Writer(8);
              encode(w, v, value);
              const bytes = w.finish();
              const r = new Reader(bytes, 0, bytes.length, { api: msg.api, version: v });
              const back = decode(r, v);
              expect(r.remaining, `${msg.api} ${side} v${v}: bytes left after decode`).toBe(0);
              expect(back).toEqual(value);
              // Encoding what was decoded gives the same bytes again.
              const w2 = new Writer(8);
              encode(w2, v, back);
              expect(Buffer.compare(w2.finish(), bytes)).toBe(0);
            }),
            { numRuns: 15 },
          );
        }
      }
    });
  }
});
