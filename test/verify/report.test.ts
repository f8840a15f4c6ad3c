// The verifier's arithmetic on made-up histories: every kind of fault it must
// count is counted, and a clean history counts nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatGroupTable, groupReport, producerReport, type LogRecord, type SendOutcome } from './report.js';

/** A clean run: n sends spread over partitions, each acknowledged at the next offset of its partition. */
function clean(n: number, partitions: number): { sends: SendOutcome[]; log: LogRecord[] } {
  const next = new Array<bigint>(partitions).fill(0n);
  const sends: SendOutcome[] = [];
  const log: LogRecord[] = [];
  for (let seq = 0; seq < n; seq++) {
    const partition = seq % partitions;
    const offset = next[partition]!++;
    sends.push({ value: `r:${seq}`, seq, acked: { partition, offset }, ms: 1 + (seq % 7) });
    log.push({ partition, offset, value: `r:${seq}` });
  }
  log.sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset));
  return { sends, log };
}

describe('producerReport', () => {
  it('a clean history counts nothing wrong, whatever its size', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 6 }), (n, p) => {
      const { sends, log } = clean(n, p);
      const r = producerReport('x', sends, log, 0);
      expect([r.sent, r.acknowledged, r.failed, r.lost, r.duplicates, r.reorderedTotal, r.neverSettled, r.read]).toEqual([n, n, 0, 0, 0, 0, 0, n]);
    }));
  });

  it('counts a lost record, a duplicate, a record at another offset than acknowledged, an unsettled send and a failure', () => {
    const { sends, log } = clean(20, 2);
    const without = log.filter((r) => r.value !== 'r:4');
    without.push({ partition: 1, offset: 100n, value: 'r:5' });
    sends[6]!.acked = { partition: 0, offset: 99n };
    sends.push({ value: 'r:20', seq: 20 });
    sends.push({ value: 'r:21', seq: 21, error: 'KafkaTimeoutError: too slow', ms: 60_000 });
    const r = producerReport('x', sends, without, 0);
    expect(r.lost).toBe(2);
    expect(r.duplicates).toBe(1);
    expect(r.neverSettled).toBe(1);
    expect(r.failed).toBe(1);
    expect(r.errors).toEqual({ KafkaTimeoutError: 1 });
    expect(r.longestSendMs).toBe(60_000);
  });

  it('a send the load gave up on counts as never settled even after close() failed it, and its time is not the longest send', () => {
    const { sends, log } = clean(5, 1);
    sends.push({ value: 'r:5', seq: 5, neverSettled: true, error: 'KafkaTimeoutError: closed with the record queued', ms: 90_000 });
    const r = producerReport('x', sends, log, 0);
    expect({ neverSettled: r.neverSettled, failed: r.failed, errors: r.errors }).toEqual({ neverSettled: 1, failed: 0, errors: {} });
    expect(r.longestSendMs).toBeLessThan(10);
  });

  it('counts records out of send order per partition, and aborted records read committed', () => {
    const { sends, log } = clean(12, 3);
    const p0 = log.filter((r) => r.partition === 0);
    [p0[1]!.value, p0[2]!.value] = [p0[2]!.value, p0[1]!.value];
    sends[11]!.aborted = true;
    const r = producerReport('x', sends, log, 0);
    expect(r.reordered).toEqual({ 0: 1 });
    expect(r.abortedVisible).toBe(1);
    expect(r.aborted).toBe(1);
  });
});

describe('groupReport', () => {
  const at = (partition: number, offset: number) => ({ partition, offset: BigInt(offset) });

  it('a record nobody processed is skipped; one processed twice inside the first processor\'s uncommitted window is explained', () => {
    const acked = [at(0, 0), at(0, 1), at(0, 2), at(1, 0)];
    const a = { name: 'a', processed: [at(0, 0), at(0, 1), at(0, 2)], commits: [at(0, 1)], failedCommits: 0 };
    const b = { name: 'b', processed: [at(0, 1), at(0, 2)], commits: [at(0, 3)], failedCommits: 1 };
    const r = groupReport('g', acked, [a, b], 0);
    expect(r.skipped).toBe(1);
    expect(r.processedTwice).toBe(2);
    expect(r.unexplainedDuplicates).toBe(0);
    expect(r.failedCommits).toBe(1);
  });

  it('a record processed again although its processor had committed past it is unexplained', () => {
    const a = { name: 'a', processed: [at(0, 0), at(0, 1)], commits: [at(0, 2)], failedCommits: 0 };
    const b = { name: 'b', processed: [at(0, 1)], commits: [at(0, 2)], failedCommits: 0 };
    const r = groupReport('g', [at(0, 0), at(0, 1)], [a, b], 0);
    expect(r.unexplainedDuplicates).toBe(1);
    expect(r.skipped).toBe(0);
  });

  it('the table shows an abortedSeen column only when a group read read_committed', () => {
    const r = groupReport('g', [at(0, 0)], [{ name: 'a', processed: [at(0, 0)], commits: [at(0, 1)], failedCommits: 0 }], 0);
    expect(formatGroupTable([r])).not.toContain('abortedSeen');
    const table = formatGroupTable([r, { ...r, scenario: 'txn', abortedProcessed: 2 }]).split('\n');
    expect(table[0]).toContain('abortedSeen');
    const col = table[0]!.split('|').findIndex((c) => c.trim() === 'abortedSeen');
    expect(table.slice(2).map((row) => row.split('|')[col]!.trim())).toEqual(['-', '2']);
  });
});
