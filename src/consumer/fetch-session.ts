/**
 * The client side of an incremental fetch session (KIP-227). The first Fetch
 * to a broker is a full one (epoch 0) and opens a session; later ones list
 * only partitions that are new or whose fetch parameters changed, and name
 * the partitions to drop ("forgotten"). The broker answers only for
 * partitions with news. An error about the session (FETCH_SESSION_ID_NOT_FOUND,
 * INVALID_FETCH_SESSION_EPOCH), or any failed request, starts over with a
 * full fetch.
 */
export interface SessionPartition {
  topic: string;
  topicId: string;
  partition: number;
  fetchOffset: bigint;
  currentLeaderEpoch: number;
  partitionMaxBytes: number;
}

export interface FetchSessionRequest {
  sessionId: number;
  sessionEpoch: number;
  topics: Array<{ topic: string; topicId: string; partitions: Array<{ partition: number; currentLeaderEpoch: number; fetchOffset: bigint; lastFetchedEpoch: number; logStartOffset: bigint; partitionMaxBytes: number }> }>;
  forgottenTopicsData: Array<{ topic: string; topicId: string; partitions: number[] }>;
  /** Whether this is a full request (every partition listed). */
  full: boolean;
}

const key = (p: { topic: string; partition: number }): string => `${p.topic}:${p.partition}`;
const MAX_EPOCH = 0x7fffffff;

export class FetchSession {
  sessionId = 0;
  /** 0 opens a new session; higher values continue it. */
  epoch = 0;
  /** What the broker's session holds, as we last sent it. */
  private readonly cached = new Map<string, SessionPartition>();
  /** Requests sent incrementally, for tests and diagnostics. */
  incrementalRequests = 0;
  fullRequests = 0;

  /** Builds the next request for the partitions wanted now. */
  build(wanted: Map<string, SessionPartition>): FetchSessionRequest {
    const full = this.sessionId === 0 || this.epoch === 0;
    const byTopic = new Map<string, FetchSessionRequest['topics'][number]>();
    const add = (p: SessionPartition) => {
      let t = byTopic.get(p.topic);
      if (!t) byTopic.set(p.topic, (t = { topic: p.topic, topicId: p.topicId, partitions: [] }));
      t.partitions.push({ partition: p.partition, currentLeaderEpoch: p.currentLeaderEpoch, fetchOffset: p.fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: p.partitionMaxBytes });
    };
    const forgotten = new Map<string, FetchSessionRequest['forgottenTopicsData'][number]>();
    if (full) {
      for (const p of wanted.values()) add(p);
    } else {
      for (const [k, p] of wanted) {
        const c = this.cached.get(k);
        if (!c || c.fetchOffset !== p.fetchOffset || c.currentLeaderEpoch !== p.currentLeaderEpoch || c.partitionMaxBytes !== p.partitionMaxBytes || c.topicId !== p.topicId) add(p);
      }
      for (const [k, c] of this.cached) {
        if (wanted.has(k)) continue;
        let t = forgotten.get(c.topic);
        if (!t) forgotten.set(c.topic, (t = { topic: c.topic, topicId: c.topicId, partitions: [] }));
        t.partitions.push(c.partition);
      }
    }
    this.cached.clear();
    for (const [k, p] of wanted) this.cached.set(k, { ...p });
    if (full) this.fullRequests++;
    else this.incrementalRequests++;
    return { sessionId: full ? 0 : this.sessionId, sessionEpoch: full ? 0 : this.epoch, topics: [...byTopic.values()], forgottenTopicsData: [...forgotten.values()], full };
  }

  /** Takes in a response's top-level error code and session id. */
  handleResponse(errorCode: number, sessionId: number, wasFull: boolean): void {
    // FETCH_SESSION_ID_NOT_FOUND and INVALID_FETCH_SESSION_EPOCH mean the broker lost or rejects our session; any other top-level error leaves it in doubt too.
    if (errorCode !== 0) {
      this.reset();
      return;
    }
    if (wasFull) {
      this.sessionId = sessionId;
      // No session (the broker is out of slots, or does not keep one): every request stays a full one.
      this.epoch = sessionId === 0 ? 0 : 1;
    } else {
      this.epoch = this.epoch >= MAX_EPOCH ? 1 : this.epoch + 1;
    }
  }

  /** The broker answered only for partitions with news: the one named here was in the request (or the session). */
  has(topic: string, partition: number): boolean {
    return this.cached.has(key({ topic, partition }));
  }

  /** Forget the session (a failed request, a session error): the next request is a full one. */
  reset(): void {
    this.sessionId = 0;
    this.epoch = 0;
    this.cached.clear();
  }
}
