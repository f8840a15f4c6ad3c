// What the orchestrator knows of a client: whether it can run a workload, and
// how to run it once in its own process(es) and turn that into a Sample.
import type { Sample, Workload } from '../lib/types.js';

export interface RunContext {
  bootstrap: string;
  topic: string;
  partitions: number;
  /** A fresh group id for consumers. */
  groupId: string;
  /** A scratch folder that lives as long as the run. */
  tmp: string;
  timeoutMs: number;
}

export interface BenchClient {
  label: string;
  /** Null when installed, else the text its column shows (e.g. "not installed"). */
  missing: string | null;
  /** Null when the client can run this workload, else why not ("n/a ..."). */
  unsupported(w: Workload): string | null;
  /** How this client's figures for that workload are measured, when it differs from the others. */
  note?(w: Workload): string | undefined;
  run(w: Workload, ctx: RunContext): Promise<Sample>;
}

export class ClientFailure extends Error {}

export function rate(records: number, bytes: number, seconds: number): Pick<Sample, 'recordsPerSec' | 'mbPerSec'> {
  return { recordsPerSec: records / seconds, mbPerSec: bytes / seconds / 1e6 };
}
