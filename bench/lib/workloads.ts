// The workloads of issue 13 and their sizes for a full run and for --quick.
import type { Workload } from './types.js';

export interface Plan {
  workloads: Workload[];
  runs: number;
  nodes: number[];
  /** Lines for RESULTS.md on what differs from the issue's counts. */
  scaled: string[];
  microMs: number;
  timeoutMs: number;
  /** How long a fresh cluster's first workload runs unmeasured, again and again, before its measured runs. */
  freshWarmUpMs: number;
}

const w = (id: string, kind: Workload['kind'], count: number, size: number, acks: 1 | 'all', idempotent: boolean, compression: Workload['compression'] = 'none', consumers = 1): Workload =>
  ({ id, kind, count, size, acks, idempotent, compression, consumers });

/** The issue's counts: A 1M × 100 B, B 200k × 1 KB, C 20k, D and E 1M; 3 runs on 1 and on 3 nodes. */
export function plan(quick: boolean): Plan {
  if (quick) {
    return {
      workloads: [
        w('A', 'produce', 100_000, 100, 1, false),
        w('B none', 'produce', 20_000, 1024, 'all', true),
        w('B lz4', 'produce', 20_000, 1024, 'all', true, 'lz4'),
        w('B zstd', 'produce', 20_000, 1024, 'all', true, 'zstd'),
        w('C', 'awaited', 300, 100, 'all', true),
        w('D', 'consume', 200_000, 100, 1, false),
        w('E', 'group', 200_000, 100, 1, false, 'none', 3),
      ],
      runs: 1,
      nodes: [1],
      scaled: ['--quick: A 100k, B 20k, C 300, D and E 200k records; one node; one run.'],
      microMs: 100,
      timeoutMs: 60_000,
      freshWarmUpMs: 0,
    };
  }
  return {
    workloads: [
      w('A', 'produce', 1_000_000, 100, 1, false),
      w('B none', 'produce', 200_000, 1024, 'all', true),
      w('B lz4', 'produce', 200_000, 1024, 'all', true, 'lz4'),
      w('B zstd', 'produce', 200_000, 1024, 'all', true, 'zstd'),
      w('C', 'awaited', 2_000, 100, 'all', true),
      w('D', 'consume', 1_000_000, 100, 1, false),
      w('E', 'group', 1_000_000, 100, 1, false, 'none', 3),
    ],
    runs: 3,
    nodes: [1, 3],
    scaled: [
      'C: 2,000 awaited sends instead of 20,000 (at 1–5 ms each, 20,000 would take the whole budget); p99 of 2,000 is the 20th slowest.',
    ],
    microMs: 300,
    timeoutMs: 300_000,
    freshWarmUpMs: 30_000,
  };
}

export function title(x: Workload): string {
  const n = x.count.toLocaleString('en-US');
  const size = x.size >= 1024 ? `${x.size / 1024} KB` : `${x.size} B`;
  switch (x.kind) {
    case 'produce':
      return `${x.id}: produce ${n} × ${size}, acks ${x.acks}${x.idempotent ? ', idempotent' : ''}${x.kind === 'produce' && x.id.startsWith('B') ? `, ${x.compression}` : ''}`;
    case 'awaited':
      return `${x.id}: ${n} sends of ${size}, each awaited, acks ${x.acks}`;
    case 'consume':
      return `${x.id}: consume ${n} × ${size} from earliest, 1 consumer`;
    case 'group':
      return `${x.id}: group of ${x.consumers} consumers drains ${n} × ${size}`;
  }
}
