// Counting for progress lines: totals and the rate since the start.
export class RateMeter {
  private readonly started = Date.now();
  count = 0;
  bytes = 0;

  private lastShown = 0;

  /** True at most every intervalMs: whether to redraw a progress line now. */
  due(intervalMs = 250): boolean {
    const now = Date.now();
    if (now - this.lastShown < intervalMs) return false;
    this.lastShown = now;
    return true;
  }

  add(n: number, bytes = 0): void {
    this.count += n;
    this.bytes += bytes;
  }

  /** e.g. "1200 records, 400.0 records/s". */
  describe(unit: string): string {
    const s = Math.max((Date.now() - this.started) / 1000, 0.001);
    return `${this.count} ${unit}, ${(this.count / s).toFixed(1)} ${unit}/s`;
  }
}
