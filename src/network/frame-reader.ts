import { KafkaProtocolError } from '../errors.js';

const EMPTY = Buffer.alloc(0);

/**
 * Splits a TCP byte stream into Kafka frames (int32 size, then that many
 * bytes). Chunks are kept in a list and joined only when a frame spans
 * several of them, so a large response is copied at most once and a frame
 * that sits inside one chunk is handed out as a view of it.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Size of the frame being collected, or -1 while its size is not known. */
  private want = -1;

  /** `sender`: who the bytes come from, named in the error for a size no Kafka broker sends. */
  constructor(
    private readonly maxFrameBytes: number,
    private readonly onFrame: (frame: Buffer) => void,
    private readonly sender?: { label: string; broker: string },
  ) {}

  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Feeds a chunk; calls onFrame for every complete frame; throws KafkaProtocolError on a bad size. */
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.want < 0) {
        if (this.buffered < 4) return;
        const size = this.readSize();
        if (size < 0 || size > this.maxFrameBytes) {
          const what = size < 0 ? `frame size of ${size}, which is negative` : `frame of ${size} bytes, larger than the ${this.maxFrameBytes}-byte maximum`;
          const message = `${what} (${notKafkaHint(size)})`;
          throw this.sender ? new KafkaProtocolError(`${this.sender.label} sent a ${message}`, { broker: this.sender.broker }) : new KafkaProtocolError(message);
        }
        this.want = size;
      }
      if (this.buffered < this.want) return;
      const frame = this.take(this.want);
      this.want = -1;
      this.onFrame(frame);
    }
  }

  /** Consumes the 4-byte size prefix, which may span chunks. */
  private readSize(): number {
    const first = this.chunks[0] as Buffer;
    let size: number;
    if (first.length >= 4) {
      size = first.readInt32BE(0);
    } else {
      const four = this.peek(4);
      size = four.readInt32BE(0);
    }
    this.take(4);
    return size;
  }

  private peek(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let got = 0;
    for (const c of this.chunks) {
      const k = Math.min(c.length, n - got);
      c.copy(out, got, 0, k);
      got += k;
      if (got === n) break;
    }
    return out;
  }

  /** Removes n bytes from the front: a view when one chunk holds them, else one copy. */
  private take(n: number): Buffer {
    if (n === 0) return EMPTY;
    this.buffered -= n;
    const first = this.chunks[0] as Buffer;
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const c = this.chunks[0] as Buffer;
      const k = Math.min(c.length, n - got);
      c.copy(out, got, 0, k);
      got += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}

/**
 * What a nonsense size prefix suggests, from its four bytes: the start of an
 * HTTP answer, a TLS record (a TLS listener answering a plaintext client), or
 * just not Kafka.
 */
function notKafkaHint(size: number): string {
  const b0 = size >>> 24;
  const b1 = (size >>> 16) & 0xff;
  if (size === 0x48545450) return 'it began "HTTP": this port is an HTTP server, not a Kafka listener';
  if (b0 >= 0x14 && b0 <= 0x17 && b1 === 0x03) return 'it began like a TLS record: this listener expects TLS; set the tls option, or --tls on the command line';
  return 'is this port a Kafka listener, and TLS/plaintext set to match?';
}
