/**
 * Everything the consumer knows about one assigned partition, in one place:
 * where the application is (position), where fetching is (fetchOffset, ahead
 * of the position by what is buffered), leader epochs, pause, buffered data
 * and errors to hand to the application. Fetchers and the API read and
 * change it; nothing else keeps per-partition copies.
 */
import type { KafkaError } from '../errors.js';
import type { CompletedFetch } from './completed-fetch.js';

export type ResetStrategy = 'earliest' | 'latest';

export class PartitionState {
  readonly key: string;
  /** Next offset to hand to the application; null until known (committed offset or reset). */
  position: bigint | null = null;
  /** Leader epoch of the record before the position (the last handed out, or from the committed offset); -1 if unknown. */
  positionEpoch = -1;
  /** Next offset to decode from the buffer (ahead of the position while a batch is being handed out record by record). */
  takeOffset = 0n;
  /** Next offset to fetch: the position plus what is buffered. */
  fetchOffset = 0n;
  /** Leader epoch this partition's fetches send as currentLeaderEpoch (from metadata); -1 until known. */
  leaderEpoch = -1;
  /** Waiting for a position from ListOffsets with this strategy. */
  reset: ResetStrategy | null = null;
  /** Waiting for the committed offset (assign with a group, or a new assignment). */
  needsCommitted = false;
  /**
   * The position carries a leader epoch that the current leader has not
   * confirmed (a committed offset, seek() with an epoch, or a leader change):
   * check for truncation with OffsetForLeaderEpoch before fetching (KIP-320).
   */
  needsValidation = false;
  paused = false;
  /** A fetch error said leadership moved: not fetched until the next metadata refresh. */
  awaitingMetadata = false;
  /** A Fetch including this partition is in flight. */
  inflight = false;
  /** Bumped whenever buffered data and in-flight fetches stop being valid (seek, revoke, error). */
  generation = 0;
  readonly buffered: CompletedFetch[] = [];
  bufferedBytes = 0;
  /** KIP-392: the replica the leader told us to read from, until preferredUntil. */
  preferredReplica = -1;
  preferredUntil = 0;
  /** An error the application gets from poll() until it seeks (no offset with 'none', authorization, corrupt data). */
  error: KafkaError | null = null;
  highWatermark = -1n;
  lastStableOffset = -1n;
  logStartOffset = -1n;
  /** No longer assigned. */
  removed = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {
    this.key = `${topic}:${partition}`;
  }

  /** Has a position and nothing blocks fetching it except, perhaps, its buffer. */
  get fetchable(): boolean {
    return !this.removed && !this.paused && !this.awaitingMetadata && this.position !== null && this.reset === null && !this.needsCommitted && !this.needsValidation && this.error === null;
  }

  /** Drops buffered data and invalidates fetches in flight; returns the bytes released. */
  clearBuffer(): number {
    const bytes = this.bufferedBytes;
    this.buffered.length = 0;
    this.bufferedBytes = 0;
    this.generation++;
    this.inflight = false;
    return bytes;
  }

  /** Moves the position (and the fetch position with it), dropping buffered data; returns the bytes released. */
  seek(offset: bigint, epoch = -1): number {
    const released = this.clearBuffer();
    this.position = offset;
    this.positionEpoch = epoch;
    this.fetchOffset = offset;
    this.takeOffset = offset;
    this.reset = null;
    this.needsCommitted = false;
    this.needsValidation = false;
    this.error = null;
    return released;
  }

  /**
   * Moves to a position whose leader epoch came from outside this consumer's
   * fetching (a committed offset, or seek() with an epoch). The log may have
   * been truncated below it since (an unclean election while nobody read), so
   * as Java's seekUnvalidated it waits for validation when the epoch is known.
   */
  seekUnvalidated(offset: bigint, epoch: number): number {
    const released = this.seek(offset, epoch);
    this.needsValidation = epoch >= 0;
    return released;
  }

  /** Why the position is being reset, for the log line that says where consumption starts. */
  resetReason = '';

  /** Forgets the position until a reset with this strategy finds one. */
  requestReset(strategy: ResetStrategy, reason: string): number {
    this.resetReason = reason;
    const released = this.clearBuffer();
    this.position = null;
    this.reset = strategy;
    this.needsValidation = false;
    this.error = null;
    return released;
  }
}
