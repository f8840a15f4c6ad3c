/**
 * A buffer kept between synchronous uses, so that work repeated batch after
 * batch does not allocate a fresh buffer of the batch's size each time (V8
 * counts such buffers as external memory, and collects garbage to keep that
 * in check). Sizes over `max` get a fresh buffer, so what is held stays bounded.
 */
export class KeptBuffer {
  private buf: Buffer | null = null;

  constructor(private readonly max = 4 << 20) {}

  /** A buffer of exactly `size` bytes, valid until the next take(). */
  take(size: number): Buffer {
    if (size > this.max) return Buffer.allocUnsafe(size);
    if (this.buf === null || this.buf.length < size) this.buf = Buffer.allocUnsafe(Math.max(size, 65536));
    return this.buf.subarray(0, size);
  }
}
