/**
 * zstd frames through long-lived node:zlib contexts, one to compress per
 * level and one to decompress.
 *
 * node:zlib's one-shot zstdCompressSync() and zstdDecompressSync() create a
 * zstd context per call. Compressing at level 3 that is a 2 MiB window and
 * about 768 KiB of match tables; decompressing a frame that does not state its
 * size (the Java producer's frames do not) it is a window of 2 MiB. The kernel
 * hands those over as fresh zeroed pages on every batch. zstd can compress or
 * decompress frame after frame with one context (each frame starts clean,
 * without reference to the previous one), and node:zlib's stream objects hold
 * such a context. Their synchronous path is internal, though: the handle's
 * writeSync() and the `_writeState` pair it fills, which node:zlib's own
 * processChunkSync() uses. So a context is only used after checking that those
 * members exist and that it handles two probe frames correctly; any surprise
 * (then, or later on a frame) makes the caller use the one-shot call, which
 * gives the same bytes, or the same error.
 */
import type { ZstdZlib } from './zstd.js';

interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
}

/** The members of node:zlib's zstd streams that their synchronous path uses. */
interface ZstdStreamInternals {
  _handle: ZlibHandle | null;
  _writeState: Uint32Array;
  _finishFlushFlag: number;
  on(event: 'error', listener: (e: unknown) => void): unknown;
  close(): void;
}

/** Output buffers kept between calls up to this size; a larger output gets a buffer of its own. */
const MAX_KEPT_OUTPUT = 4 << 20;

/** ZSTD_compressBound: the most a frame of `n` input bytes can take. */
function compressBound(n: number): number {
  return n + (n >>> 8) + (n < 131072 ? (131072 - n) >>> 11 : 0);
}

/** The stream's internals, or null if they are missing or of another kind than expected. */
function internalsOf(stream: Partial<ZstdStreamInternals>): ZstdStreamInternals | null {
  if (!(stream._writeState instanceof Uint32Array) || stream._writeState.length < 2) return null;
  if (typeof stream._finishFlushFlag !== 'number' || typeof stream._handle?.writeSync !== 'function') return null;
  if (typeof stream.on !== 'function' || typeof stream.close !== 'function') return null;
  return stream as ZstdStreamInternals;
}

/**
 * One call of the handle: true if it ran, false if it failed (node:zlib then
 * drops the handle and emits 'error' later, which the owner's listener takes).
 */
function writeOnce(stream: ZstdStreamInternals, handle: ZlibHandle, input: Uint8Array, inOff: number, out: Uint8Array, outOff: number): boolean {
  try {
    handle.writeSync(stream._finishFlushFlag, input, inOff, input.length - inOff, out, outOff, out.length - outOff);
  } catch {
    return false;
  }
  return stream._handle === handle;
}

/** A node:zlib zstd stream used through its handle, with the output buffer kept between calls. */
abstract class ZstdContext {
  protected out = Buffer.allocUnsafe(0);
  protected broken = false;

  protected constructor(protected readonly stream: ZstdStreamInternals) {
    // node:zlib destroys the stream on a zstd error and emits 'error' later; the next call sees the handle gone.
    stream.on('error', () => {
      this.broken = true;
    });
  }

  /**
   * Runs all of `data` through the stream with one "end" flush, into an output
   * buffer of `first` bytes that doubles as needed up to `cap`. Returns the
   * output if zstd took all the input and finished it within `cap` bytes;
   * otherwise retires the stream and returns undefined. With `transient`, the
   * output is a view of the kept buffer, valid until the next call.
   */
  protected run(data: Uint8Array, first: number, cap: number, transient = false): Buffer | undefined {
    const stream = this.stream;
    const handle = stream._handle;
    if (this.broken || handle === null) return this.retire();
    let out = first <= this.out.length ? this.out : Buffer.allocUnsafe(first);
    if (out.length <= MAX_KEPT_OUTPUT) this.out = out;
    const state = stream._writeState;
    let inOff = 0;
    let outOff = 0;
    for (;;) {
      const view = out.length > cap ? out.subarray(0, cap) : out;
      const inLen = data.length - inOff;
      const outLen = view.length - outOff;
      if (!writeOnce(stream, handle, data, inOff, view, outOff) || this.broken) return this.retire();
      inOff += inLen - (state[1] as number);
      outOff += outLen - (state[0] as number);
      // Room left over: zstd has taken what it will and finished the frame (an unfinished one is an error on this
      // flush). Input left over (bytes after a frame) is left to the one-shot call, to be handled as before.
      if (outOff < view.length) {
        if (inOff !== data.length) return this.retire();
        const frames = out.subarray(0, outOff);
        return transient && out === this.out ? frames : Buffer.from(frames);
      }
      // Full at the cap (past a reader's limit): the one-shot call decides between that and an error in the frame.
      if (view.length >= cap) return this.retire();
      const bigger = Buffer.allocUnsafe(Math.min(cap, out.length * 2));
      out.copy(bigger, 0, 0, outOff);
      out = bigger;
      if (out.length <= MAX_KEPT_OUTPUT) this.out = out;
    }
  }

  /** Stops using the stream (it may be inside a frame) and frees its zstd context now rather than at garbage collection. */
  protected retire(): undefined {
    if (!this.broken) {
      this.broken = true;
      try {
        this.stream.close();
      } catch {
        // Already closed by node:zlib after an error.
      }
    }
    return undefined;
  }
}

export class ZstdFrameWriter extends ZstdContext {
  /** A writer for these parameters, or null if this Node.js's zstd stream does not work as expected. */
  static open(z: ZstdZlib, params: Record<number, number>): ZstdFrameWriter | null {
    try {
      const stream = internalsOf(z.createZstdCompress({ params }) as Partial<ZstdStreamInternals>);
      if (stream === null) return null;
      const writer = new ZstdFrameWriter(stream);
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

  /**
   * `data` as one complete zstd frame, or undefined if the stream failed (the
   * caller then uses the one-shot call). `transient`: see run().
   */
  frame(data: Uint8Array, transient = false): Buffer | undefined {
    return this.run(data, compressBound(data.length) + 64, Infinity, transient);
  }
}

export class ZstdFrameReader extends ZstdContext {
  /** A reader, or null if this Node.js's zstd stream does not work as expected. */
  static open(z: ZstdZlib): ZstdFrameReader | null {
    try {
      const stream = internalsOf(z.createZstdDecompress() as Partial<ZstdStreamInternals>);
      if (stream === null) return null;
      const reader = new ZstdFrameReader(stream);
      const probe = Buffer.from('kafkawire checks that node:zlib reads zstd frames one after another. '.repeat(40));
      const frame = z.zstdCompressSync(probe);
      for (let i = 0; i < 2; i++) {
        const got = reader.frames(frame, probe.length);
        if (!(got instanceof Buffer) || !got.equals(probe)) return null;
      }
      return reader;
    } catch {
      return null;
    }
  }

  /**
   * Decompresses `data` (complete frames) into at most `maxOutputBytes` bytes.
   * After any result but a Buffer the reader is spent: its context may be
   * inside a frame.
   */
  frames(data: Uint8Array, maxOutputBytes: number): Buffer | undefined {
    if (data.length === 0) return this.retire();
    // One byte past the limit shows whether the output would pass it.
    const cap = maxOutputBytes + 1;
    return this.run(data, Math.min(cap, Math.max(65536, data.length * 4)), cap);
  }
}
