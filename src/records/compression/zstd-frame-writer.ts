/**
 * zstd frames from one long-lived node:zlib compression stream.
 *
 * node:zlib's one-shot zstdCompressSync() creates a zstd context per call:
 * at level 3 that is a 2 MiB window and about 768 KiB of match tables, which
 * the kernel hands over as fresh zeroed pages on every batch. zstd can write
 * frame after frame with one context (each frame ends with a flush of type
 * "end" and the next starts clean, without reference to the previous one), and
 * node:zlib's stream object holds such a context. Its synchronous path is
 * internal, though: the handle's writeSync() and the `_writeState` pair it
 * fills, which node:zlib's own processChunkSync() uses. So a writer is only
 * made after checking that those members exist and that a test frame
 * decompresses to its input; any surprise (then or later) makes the caller go
 * back to the one-shot call, which gives the same frames apart from the
 * content size in the header (zstd reads either).
 */
import type { ZstdZlib } from './zstd.js';

interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
}

/** The members of node:zlib's ZstdCompress that its synchronous path uses. */
interface ZstdStreamInternals {
  _handle: ZlibHandle | null;
  _writeState: Uint32Array;
  _finishFlushFlag: number;
  on(event: 'error', listener: (e: unknown) => void): unknown;
}

/** Output kept between frames up to this size; a larger frame gets a buffer of its own. */
const MAX_KEPT_OUTPUT = 4 << 20;

/** ZSTD_compressBound: the most a frame of `n` input bytes can take. */
function compressBound(n: number): number {
  return n + (n >>> 8) + (n < 131072 ? (131072 - n) >>> 11 : 0);
}

export class ZstdFrameWriter {
  private out = Buffer.allocUnsafe(0);
  private broken = false;

  private constructor(private readonly stream: ZstdStreamInternals) {
    // node:zlib destroys the stream on a zstd error and emits 'error' later; frame() sees the handle gone.
    stream.on('error', () => {
      this.broken = true;
    });
  }

  /** A writer for these parameters, or null if this Node.js's zstd stream does not work as expected. */
  static open(z: ZstdZlib, params: Record<number, number>): ZstdFrameWriter | null {
    try {
      const stream = z.createZstdCompress({ params }) as Partial<ZstdStreamInternals>;
      if (!(stream._writeState instanceof Uint32Array) || stream._writeState.length < 2) return null;
      if (typeof stream._finishFlushFlag !== 'number' || typeof stream._handle?.writeSync !== 'function') return null;
      if (typeof stream.on !== 'function') return null;
      const writer = new ZstdFrameWriter(stream as ZstdStreamInternals);
      // Two frames in a row, so the second shows that the context starts a new frame cleanly.
      const probe = Buffer.from('kafkawire checks that node:zlib writes zstd frames one after another. '.repeat(40));
      for (let i = 0; i < 2; i++) {
        const frame = writer.frame(probe);
        if (frame === undefined || !z.zstdDecompressSync(frame).equals(probe)) return null;
      }
      return writer;
    } catch {
      return null;
    }
  }

  /** `data` as one complete zstd frame, or undefined if the stream failed (the caller then uses the one-shot call). */
  frame(data: Uint8Array): Buffer | undefined {
    const stream = this.stream;
    const handle = stream._handle;
    if (this.broken || handle === null) return undefined;
    const bound = compressBound(data.length) + 64;
    let out = bound <= this.out.length ? this.out : Buffer.allocUnsafe(bound);
    if (bound <= MAX_KEPT_OUTPUT) this.out = out;
    const state = stream._writeState;
    let inOff = 0;
    let outOff = 0;
    for (;;) {
      const inLen = data.length - inOff;
      const outLen = out.length - outOff;
      try {
        handle.writeSync(stream._finishFlushFlag, data, inOff, inLen, out, outOff, outLen);
      } catch {
        this.broken = true;
      }
      if (this.broken || stream._handle !== handle) {
        this.broken = true;
        return undefined;
      }
      const outLeft = state[0] as number;
      const inLeft = state[1] as number;
      inOff += inLen - inLeft;
      outOff += outLen - outLeft;
      // With room left over, zstd has taken all the input and written the whole frame; a full buffer may mean more is to come.
      if (outLeft > 0) {
        if (inOff === data.length) break;
        this.broken = true;
        return undefined;
      }
      const bigger = Buffer.allocUnsafe(out.length * 2);
      out.copy(bigger, 0, 0, outOff);
      out = bigger;
    }
    return Buffer.from(out.subarray(0, outOff));
  }
}
