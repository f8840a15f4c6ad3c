/**
 * Buffers for encoded record batches, reused once a batch is acknowledged.
 *
 * A full batch is a few hundred KiB; allocating a fresh one per batch makes
 * the garbage collector run for the memory alone (V8 counts such buffers as
 * external memory) and every new buffer's pages are faulted in again. Large
 * batches therefore take a view of a fixed-size slab, and a slab comes back
 * here when the broker has answered the request that carried it (so the socket
 * has long passed its bytes on). Small batches are allocated as before: a slab
 * is only lent to a batch of at least half its size, so the memory held is at
 * most twice the batches' bytes, and at most `maxFree` idle slabs are kept.
 */
export class BatchBufferPool {
  private readonly free: ArrayBuffer[] = [];
  private readonly slabs = new WeakSet<ArrayBuffer>();

  constructor(
    readonly slabSize: number,
    private readonly maxFree = 8,
  ) {}

  /** A buffer of exactly `size` bytes, from a slab when the size is worth one. */
  take(size: number): Buffer {
    if (size > this.slabSize || size < this.slabSize / 2) return Buffer.allocUnsafe(size);
    let slab = this.free.pop();
    if (slab === undefined) {
      slab = new ArrayBuffer(this.slabSize);
      this.slabs.add(slab);
    }
    return Buffer.from(slab, 0, size);
  }

  /** Gives back a buffer from take() once nothing reads it any more; other buffers are ignored. */
  give(buf: Uint8Array): void {
    const slab = buf.buffer as ArrayBuffer;
    if (!this.slabs.has(slab) || this.free.length >= this.maxFree || this.free.includes(slab)) return;
    this.free.push(slab);
  }

  /** Idle slabs held (for tests). */
  get idle(): number {
    return this.free.length;
  }
}
