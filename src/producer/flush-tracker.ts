/** Sends begun between two flush() calls. */
interface Generation {
  open: number;
  waiters: Array<() => void>;
  next: Generation | null;
}

/**
 * What flush() waits for: the sends begun before it was called, as in Java
 * (not "until the producer is idle", which never comes under steady load).
 * Sends are counted per generation; flush() starts a new generation and
 * waits until its own and every older one have settled. One object per
 * flush, one counter change per send.
 */
export class FlushTracker {
  private oldest: Generation = { open: 0, waiters: [], next: null };
  private current: Generation = this.oldest;

  /** A send begins; returns the token to pass to `settled`. */
  begin(): object {
    this.current.open++;
    return this.current;
  }

  settled(token: object): void {
    (token as Generation).open--;
    this.advance();
  }

  /** Resolves once every send begun before this call has settled. */
  wait(): Promise<void> {
    if (this.oldest === this.current && this.current.open === 0) return Promise.resolve();
    const g = this.current;
    this.current = g.next = { open: 0, waiters: [], next: null };
    return new Promise((r) => {
      g.waiters.push(r);
      this.advance();
    });
  }

  /** Whether a flush is waiting (the sender then sends without lingering). */
  get waiting(): boolean {
    return this.oldest !== this.current;
  }

  private advance(): void {
    while (this.oldest.open === 0 && this.oldest.next !== null) {
      const done = this.oldest;
      this.oldest = done.next as Generation;
      for (const w of done.waiters) w();
    }
  }
}
