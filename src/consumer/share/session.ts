/**
 * The client's side of one share session (KIP-932) with one broker: the
 * partitions the session fetches and its epoch. Epoch 0 opens a session with
 * every partition listed (and may not carry acknowledgements); each later
 * request lists only partitions added (or acknowledged) and those forgotten,
 * with the epoch one higher than the last one the broker accepted (wrapping
 * from 2147483647 to 1); -1 closes it. SHARE_SESSION_NOT_FOUND,
 * INVALID_SHARE_SESSION_EPOCH or a lost connection start over at epoch 0.
 *
 *   none ──full request (epoch 0) ok──▶ open(1) ──request ok──▶ open(n+1) ──close (-1)──▶ none
 *     ▲                                   │
 *     └──── session error / lost connection / close ─┘
 */
export const OPEN_EPOCH = 0;
export const CLOSE_EPOCH = -1;
const MAX_EPOCH = 2_147_483_647;

export function nextEpoch(epoch: number): number {
  return epoch >= MAX_EPOCH ? 1 : epoch + 1;
}

export interface SessionRequest {
  epoch: number;
  /** Partitions ("topic:partition") to list in `topics`: all on epoch 0, new ones otherwise. */
  add: string[];
  /** Partitions to list in forgottenTopicsData. */
  forget: string[];
  /** The set the session will fetch once the broker accepts this request. */
  next: Set<string>;
}

export class ShareSession {
  epoch = OPEN_EPOCH;
  partitions = new Set<string>();

  /** True once a full request was accepted (acknowledgements may be sent). */
  get open(): boolean {
    return this.epoch !== OPEN_EPOCH;
  }

  /** The request that makes the session fetch exactly `wanted`. */
  build(wanted: ReadonlySet<string>): SessionRequest {
    const next = new Set(wanted);
    if (!this.open) return { epoch: OPEN_EPOCH, add: [...next], forget: [], next };
    return { epoch: this.epoch, add: [...next].filter((k) => !this.partitions.has(k)), forget: [...this.partitions].filter((k) => !next.has(k)), next };
  }

  /** An acknowledgement-only request (ShareAcknowledge) leaves the partitions alone; null if no session is open. */
  ackEpoch(): number | null {
    return this.open ? this.epoch : null;
  }

  /** The broker accepted a request built from this session. */
  accepted(req: { next?: Set<string> }): void {
    if (req.next) this.partitions = req.next;
    this.epoch = nextEpoch(this.epoch);
  }

  /** Forget the session (error, lost connection, closed): the next request opens a new one. */
  reset(): void {
    this.epoch = OPEN_EPOCH;
    this.partitions = new Set();
  }
}
