// F: runs bench/micro/worker.js under each Node binary, runs times, and folds
// the results into one row per op and runtime.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MicroSample } from '../micro/worker.js';
import { measure, tailOf } from './proc.js';
import { stat } from './stats.js';
import type { MicroRow } from './types.js';

const worker = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'micro', 'worker.js');

export async function runMicro(runtimes: Array<{ runtime: string; bin: string }>, runs: number, msPerOp: number, log: (m: string) => void): Promise<MicroRow[]> {
  const rows: MicroRow[] = [];
  for (const { runtime, bin } of runtimes) {
    const byOp = new Map<string, MicroSample[]>();
    for (let r = 0; r < runs; r++) {
      const res = await measure(bin, [worker, String(msPerOp)], { timeoutMs: 120_000 }).done;
      if (res.code !== 0) {
        log(`F ${runtime} FAILED: ${tailOf(res)}`);
        break;
      }
      for (const s of JSON.parse(res.stdout.trim().split('\n').pop()!) as MicroSample[]) byOp.set(s.op, [...(byOp.get(s.op) ?? []), s]);
    }
    for (const [op, ss] of byOp) {
      const mb = stat(ss.map((s) => s.mbPerSec));
      const copy = stat(ss.map((s) => s.memcpyMbPerSec));
      rows.push({ op, runtime, bytes: ss[0]!.bytes, mbPerSec: mb, memcpyMbPerSec: copy, memcpyTimes: copy.median / mb.median });
      log(`F ${runtime} ${op}: ${Math.round(mb.median).toLocaleString('en-US')} MB/s, memcpy ${Math.round(copy.median).toLocaleString('en-US')} MB/s`);
    }
  }
  return rows;
}
