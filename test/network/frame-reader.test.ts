import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KafkaProtocolError } from '../../src/errors.js';
import { FrameReader } from '../../src/network/frame-reader.js';

function framed(payloads: Uint8Array[]): Buffer {
  return Buffer.concat(payloads.flatMap((p) => {
    const size = Buffer.alloc(4);
    size.writeInt32BE(p.length);
    return [size, Buffer.from(p)];
  }));
}

describe('FrameReader', () => {
  const payloads = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 });

  it('yields the same frames however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(payloads, fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 50 }), (ps, cuts) => {
        const stream = framed(ps);
        const got: Buffer[] = [];
        const r = new FrameReader(1 << 20, (f) => got.push(Buffer.from(f)));
        let at = 0;
        let i = 0;
        while (at < stream.length) {
          const n = cuts[i++ % cuts.length] as number;
          r.push(stream.subarray(at, at + n));
          at += n;
        }
        expect(got.map((g) => [...g])).toEqual(ps.map((p) => [...p]));
        expect(r.bufferedBytes).toBe(0);
      }),
    );
  });

  it('handles a stream split at every single byte, and several frames in one chunk', () => {
    const ps = [Buffer.from('abc'), Buffer.alloc(0), Buffer.from('defgh')];
    const stream = framed(ps);
    const one: string[] = [];
    const r1 = new FrameReader(100, (f) => one.push(f.toString()));
    for (const b of stream) r1.push(Buffer.from([b]));
    expect(one).toEqual(['abc', '', 'defgh']);
    const all: string[] = [];
    new FrameReader(100, (f) => all.push(f.toString())).push(stream);
    expect(all).toEqual(['abc', '', 'defgh']);
  });

  it('hands out a frame inside one chunk without copying it', () => {
    const stream = framed([Buffer.from('zero-copy')]);
    let frame: Buffer | undefined;
    new FrameReader(100, (f) => (frame = f)).push(stream);
    expect(frame!.buffer).toBe(stream.buffer);
  });

  it('says what a nonsense size suggests: an HTTP server, a TLS listener, or no Kafka listener', () => {
    const refuse = (bytes: Buffer) => () => new FrameReader(1 << 20, () => undefined).push(bytes);
    expect(refuse(Buffer.from('HTTP/1.1 400 Bad Request\r\n'))).toThrow(/^frame of 1213486160 bytes, larger than the 1048576-byte maximum \(it began "HTTP": this port is an HTTP server, not a Kafka listener\)$/);
    // A TLS alert (21) or handshake (22) record of TLS 1.x: the first bytes a TLS listener sends a plaintext client.
    for (const type of [0x15, 0x16]) expect(refuse(Buffer.from([type, 0x03, 0x03, 0x00, 0x02, 0x02, 0x32]))).toThrow(/TLS record: this listener expects TLS; set the tls option/);
    expect(refuse(Buffer.from([0x7f, 0, 0, 0]))).toThrow(/\(is this port a Kafka listener, and TLS\/plaintext set to match\?\)$/);
    expect(refuse(Buffer.from([0xff, 0xff, 0xff, 0xfe]))).toThrow(/^frame size of -2, which is negative \(is this port/);
  });

  it('refuses a frame above the maximum and a negative size, naming the size', () => {
    const big = Buffer.alloc(4);
    big.writeInt32BE(1000);
    expect(() => new FrameReader(999, () => undefined).push(big)).toThrow(KafkaProtocolError);
    expect(() => new FrameReader(999, () => undefined).push(big)).toThrow(/1000 bytes, larger than the 999-byte maximum/);
    const neg = Buffer.from([0xff, 0xff, 0xff, 0xfe]);
    expect(() => new FrameReader(999, () => undefined).push(neg)).toThrow(/negative/);
  });

  it('never buffers more than one maximum frame plus a chunk, whatever garbage arrives', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), (chunks) => {
        const r = new FrameReader(1000, () => undefined);
        for (const c of chunks) {
          try {
            r.push(Buffer.from(c));
          } catch (e) {
            expect(e).toBeInstanceOf(KafkaProtocolError);
            return;
          }
          expect(r.bufferedBytes).toBeLessThanOrEqual(1000 + 4 + 200);
        }
      }),
    );
  });
});
