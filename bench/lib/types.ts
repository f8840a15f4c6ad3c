// Shapes shared by the orchestrator (bench/run.ts), the client adapters and
// the report writers. Plain data only, so the writers can be tested with
// made-up results and no cluster.

/** A: pipelined produce; B: idempotent acks-all produce with a codec; C: awaited sends; D: one consumer; E: a group. */
export type WorkloadKind = 'produce' | 'awaited' | 'consume' | 'group';
export type Compression = 'none' | 'lz4' | 'zstd';

export interface Workload {
  /** 'A', 'B none', 'B lz4', 'B zstd', 'C', 'D', 'E'. */
  id: string;
  kind: WorkloadKind;
  count: number;
  size: number;
  acks: 1 | 'all';
  idempotent: boolean;
  compression: Compression;
  /** Consumers in the group (E), 1 otherwise. */
  consumers: number;
}

/** What the orchestrator hands a Node worker (as JSON on its command line). */
export interface WorkerJob {
  client: NodeClientKind;
  workload: Workload;
  bootstrap: string;
  topic: string;
  partitions: number;
  groupId: string;
}

/** 'floor': no client, the cluster's own limit (clients/floor.ts). */
export type NodeClientKind = 'kafkawire' | 'kafkajs' | 'platformatic' | 'floor';

/** What a Node worker prints (one JSON line) at its end. */
export interface WorkerResult {
  records: number;
  bytes: number;
  /** From the first send (after connecting) to the last ack, or from the first record consumed to the last. */
  seconds: number;
  p50Ms?: number;
  p99Ms?: number;
}

/** One measured run of one client on one workload. */
export interface Sample {
  recordsPerSec: number;
  mbPerSec: number;
  /** User + system CPU seconds of the client's process(es), start-up included. */
  cpuSeconds: number;
  /** Peak resident set of the client's process (summed over processes for E). */
  peakRssMb: number;
  p50Ms?: number;
  p99Ms?: number;
}

export interface Stat {
  median: number;
  min: number;
  max: number;
}

export type Status = 'ok' | 'n/a' | 'failed' | 'not installed';

export interface Row {
  workload: string;
  /** Human text of the workload (counts included). */
  title: string;
  nodes: number;
  client: string;
  status: Status;
  /** Why n/a or failed, or how this client was measured differently. */
  note?: string;
  runs: number;
  recordsPerSec?: Stat;
  mbPerSec?: Stat;
  cpuSeconds?: Stat;
  peakRssMb?: Stat;
  p50Ms?: Stat;
  p99Ms?: Stat;
  /**
   * Per round of runs (every client runs once per round, one after another),
   * the figure a ratio compares: p50 for awaited sends, records/s otherwise;
   * null where this client's run of that round is missing.
   */
  byRound?: Array<number | null>;
}

/** F: one micro-benchmark beside the memcpy of the same bytes, same process. */
export interface MicroRow {
  op: string;
  runtime: string;
  bytes: number;
  mbPerSec: Stat;
  memcpyMbPerSec: Stat;
  /** Time of one op over the time of one memcpy of the same bytes (median runs). */
  memcpyTimes: number;
}

export interface Meta {
  date: string;
  cpuModel: string;
  cores: number;
  loadAverage: string;
  quick: boolean;
  runs: number;
  clusters: string;
  /** e.g. { 'Node (kafkawire Node 20)': 'v20.20.2', KafkaJS: '2.2.4' }. */
  versions: Record<string, string>;
  /** What was scaled down from the counts, and why. */
  scaled: string[];
  /** How long a fresh cluster's first workload ran unmeasured, again and again, before its measured runs. */
  freshWarmUpSeconds: number;
  durationSeconds: number;
}

export interface BenchResults {
  meta: Meta;
  /** Client labels in column order; the first two are kafkawire under Node 20 and Node 24. */
  clients: string[];
  rows: Row[];
  micro: MicroRow[];
}

export const KW20 = 'kafkawire Node 20';
export const KW24 = 'kafkawire Node 24';
/** Not a client: pre-encoded requests, the most the cluster takes (bench/clients/floor.ts). Left out of the chart. */
export const FLOOR = 'wire floor (Node 24)';
