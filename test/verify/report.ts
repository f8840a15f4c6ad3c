// What the delivery verifier counts, and how the counts are worked out from
// what the producer was told and what the log holds. Kept free of I/O so the
// arithmetic can be unit-tested with made-up histories.

/** What one send() came to. */
export interface SendOutcome {
  /** The record's value: unique per run ("<run>:<seq>"). */
  value: string;
  /** Sequence number in the order send() was called. */
  seq: number;
  /** Set once acknowledged. */
  acked?: { partition: number; offset: bigint };
  /** Set once failed: the error's class name and message. */
  error?: string;
  /** True when the record belongs to a transaction that was aborted (it must never be read committed). */
  aborted?: boolean;
  /** performance.now() at send(). */
  startedAt?: number;
  /** Milliseconds from send() to its settling; undefined while unsettled. */
  ms?: number;
  /**
   * Set by the load when it gave up waiting for this send, just before closing
   * the producer: close() then fails it, but it counts as never settled, not failed.
   */
  neverSettled?: boolean;
}

/** A record read back from the log. */
export interface LogRecord {
  partition: number;
  offset: bigint;
  value: string;
}

export interface ProducerReport {
  scenario: string;
  sent: number;
  acknowledged: number;
  failed: number;
  /** Records of transactions the run aborted on purpose (neither acknowledged nor failed). */
  aborted: number;
  /** Error class name → count, for the failed sends. */
  errors: Record<string, number>;
  /** Acknowledged, yet absent from the log (or not at the acknowledged offset). */
  lost: number;
  /** Values present more than once in the log (each extra copy counts once). */
  duplicates: number;
  /** Per partition: records that come after a record sent later (first copies only). */
  reordered: Record<number, number>;
  reorderedTotal: number;
  /** Records of aborted transactions that a read_committed reader saw. */
  abortedVisible: number;
  /** send() promises still open when the load stopped waiting for them (deliveryTimeoutMs and a margin after the last send). */
  neverSettled: number;
  /** Longest time a send took to settle before the producer was closed, in ms. */
  longestSendMs: number;
  /** Records read back. */
  read: number;
  /** Samples of what went wrong, to start debugging from. */
  examples: string[];
  durationMs: number;
}

/** Works the report out from the sends and the log read back (in offset order per partition). */
export function producerReport(scenario: string, sends: SendOutcome[], log: LogRecord[], durationMs: number): ProducerReport {
  const errors: Record<string, number> = {};
  let acknowledged = 0;
  let failed = 0;
  let aborted = 0;
  let neverSettled = 0;
  let longestSendMs = 0;
  for (const s of sends) {
    // What close() did to a send given up on does not count: it never settled by itself.
    if (s.neverSettled || s.ms === undefined) {
      neverSettled++;
      continue;
    }
    if (s.aborted) aborted++;
    else if (s.acked) acknowledged++;
    else if (s.error !== undefined) {
      failed++;
      const name = s.error.split(':')[0] ?? '';
      errors[name] = (errors[name] ?? 0) + 1;
    }
    longestSendMs = Math.max(longestSendMs, s.ms);
  }

  const bySeqValue = new Map(sends.map((s) => [s.value, s]));
  const copies = new Map<string, LogRecord[]>();
  for (const r of log) {
    const list = copies.get(r.value);
    if (list) list.push(r);
    else copies.set(r.value, [r]);
  }
  const examples: string[] = [];
  const note = (m: string) => void (examples.length < 10 && examples.push(m));

  let duplicates = 0;
  for (const [value, list] of copies) {
    if (list.length > 1) {
      duplicates += list.length - 1;
      note(`duplicate ${value} at ${list.map((r) => `${r.partition}@${r.offset}`).join(', ')}`);
    }
  }

  let lost = 0;
  let abortedVisible = 0;
  for (const s of sends) {
    const found = copies.get(s.value);
    if (s.aborted) {
      if (found) {
        abortedVisible++;
        note(`aborted record ${s.value} read committed at ${found[0]!.partition}@${found[0]!.offset}`);
      }
      continue;
    }
    if (!s.acked) continue;
    if (!found) {
      lost++;
      note(`lost ${s.value} (acknowledged at ${s.acked.partition}@${s.acked.offset})`);
    } else if (!found.some((r) => r.partition === s.acked!.partition && r.offset === s.acked!.offset)) {
      lost++;
      note(`${s.value} acknowledged at ${s.acked.partition}@${s.acked.offset} but in the log at ${found.map((r) => `${r.partition}@${r.offset}`).join(', ')}`);
    }
  }

  // Order: within a partition, the first copies of this run's records must have rising seq numbers.
  const reordered: Record<number, number> = {};
  const lastSeq = new Map<number, number>();
  const seen = new Set<string>();
  for (const r of log) {
    const s = bySeqValue.get(r.value);
    if (!s || seen.has(r.value)) continue;
    seen.add(r.value);
    const prev = lastSeq.get(r.partition) ?? -1;
    if (s.seq < prev) {
      reordered[r.partition] = (reordered[r.partition] ?? 0) + 1;
      note(`order: ${r.value} (seq ${s.seq}) at ${r.partition}@${r.offset} after seq ${prev}`);
    } else lastSeq.set(r.partition, s.seq);
  }
  const reorderedTotal = Object.values(reordered).reduce((a, b) => a + b, 0);

  return {
    scenario, sent: sends.length, acknowledged, failed, aborted, errors, lost, duplicates, reordered, reorderedTotal,
    abortedVisible, neverSettled, longestSendMs, read: log.length, examples, durationMs,
  };
}

/** What a consumer group processed, worked out from each member's lines. */
export interface GroupReport {
  scenario: string;
  /** Records the producer had acknowledged (the ones that must be processed). */
  produced: number;
  /** Distinct acknowledged records processed at least once. */
  processed: number;
  /** Acknowledged records no member processed. */
  skipped: number;
  /** Extra processings (a record processed n times counts n - 1). */
  processedTwice: number;
  /** Of those, how many no member's uncommitted window explains. */
  unexplainedDuplicates: number;
  /** Commits members saw fail. */
  failedCommits: number;
  /** read_committed groups: records of aborted transactions that were processed (must be 0). */
  abortedProcessed?: number;
  members: number;
  examples: string[];
  durationMs: number;
}

/** One member's history: records processed (in order) and offsets it committed, per partition. */
export interface MemberHistory {
  name: string;
  processed: Array<{ partition: number; offset: bigint }>;
  /** Successful commits in order: partition and the next offset to read. */
  commits: Array<{ partition: number; offset: bigint }>;
  failedCommits: number;
}

/**
 * A record processed more than once is explained (the at-least-once window)
 * when some member processed it and then never committed past it on that
 * partition: that member died, lost the partition or saw its commit fail
 * before the commit covering it, so the next owner started from an earlier offset.
 */
export function groupReport(scenario: string, acked: Array<{ partition: number; offset: bigint }>, members: MemberHistory[], durationMs: number): GroupReport {
  const key = (p: number, o: bigint) => `${p}:${o}`;
  const counts = new Map<string, number>();
  for (const m of members) for (const r of m.processed) counts.set(key(r.partition, r.offset), (counts.get(key(r.partition, r.offset)) ?? 0) + 1);
  const examples: string[] = [];
  const note = (m: string) => void (examples.length < 10 && examples.push(m));
  let skipped = 0;
  let processed = 0;
  for (const a of acked) {
    if (counts.has(key(a.partition, a.offset))) processed++;
    else {
      skipped++;
      note(`skipped ${key(a.partition, a.offset)}`);
    }
  }
  // Per member and partition: the highest offset committed.
  const committedBy = members.map((m) => {
    const top = new Map<number, bigint>();
    for (const c of m.commits) if ((top.get(c.partition) ?? -1n) < c.offset) top.set(c.partition, c.offset);
    return top;
  });
  let processedTwice = 0;
  let unexplainedDuplicates = 0;
  for (const [k, n] of counts) {
    if (n < 2) continue;
    processedTwice += n - 1;
    const [p, o] = k.split(':');
    const partition = Number(p);
    const offset = BigInt(o!);
    const explained = members.some((m, i) => m.processed.some((r) => r.partition === partition && r.offset === offset) && (committedBy[i]!.get(partition) ?? -1n) <= offset);
    if (!explained) {
      unexplainedDuplicates += n - 1;
      note(`${k} processed ${n} times, and every member that processed it committed past it`);
    }
  }
  return {
    scenario, produced: acked.length, processed, skipped, processedTwice, unexplainedDuplicates,
    failedCommits: members.reduce((a, m) => a + m.failedCommits, 0), members: members.length, examples, durationMs,
  };
}

/** Renders reports as a plain-text table, one row per report. */
export function formatProducerTable(reports: ProducerReport[]): string {
  const head = ['scenario', 'sent', 'acked', 'failed', 'aborted', 'lost', 'dup', 'reordered', 'abortedSeen', 'unsettled', 'longest ms', 'read', 's'];
  const rows = reports.map((r) => [r.scenario, r.sent, r.acknowledged, r.failed, r.aborted, r.lost, r.duplicates, r.reorderedTotal, r.abortedVisible, r.neverSettled, r.longestSendMs, r.read, (r.durationMs / 1000).toFixed(0)].map(String));
  return table(head, rows);
}

export function formatGroupTable(reports: GroupReport[]): string {
  // The abortedSeen column only where some group read read_committed.
  const aborted = reports.some((r) => r.abortedProcessed !== undefined);
  const head = ['scenario', 'produced', 'processed', 'skipped', 'twice', 'unexplained', ...(aborted ? ['abortedSeen'] : []), 'failed commits', 'members', 's'];
  const rows = reports.map((r) => [r.scenario, r.produced, r.processed, r.skipped, r.processedTwice, r.unexplainedDuplicates, ...(aborted ? [r.abortedProcessed ?? '-'] : []), r.failedCommits, r.members, (r.durationMs / 1000).toFixed(0)].map(String));
  return table(head, rows);
}

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(head), `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.map(line)].join('\n');
}
