import createDebug from 'debug';
import { errorFor } from '../messages/error-codes.js';
import type { InitProducerIdResponse } from '../messages/generated/index.js';
import type { ConnectionPool } from '../network/pool.js';

const log = createDebug('kafkawire:producer');

/**
 * The producer id and epoch an idempotent producer stamps on its batches, and
 * the next sequence number of each partition. The broker uses them to drop
 * duplicates of a retried batch and to detect gaps.
 */
export class ProducerState {
  producerId = -1n;
  epoch = -1;
  private readonly sequences = new Map<string, number>();

  get ready(): boolean {
    return this.producerId >= 0n;
  }

  /** Takes the next `count` sequence numbers of a partition; returns the first. */
  takeSequence(topic: string, partition: number, count: number): number {
    const key = `${topic}\u0000${partition}`;
    const seq = this.sequences.get(key) ?? 0;
    // Sequences wrap at 2^31 - 1, as the broker expects.
    this.sequences.set(key, (seq + count) % 2147483648);
    return seq;
  }

  resetSequences(): void {
    this.sequences.clear();
  }

  /**
   * An idempotent (not transactional) producer bumps its epoch itself after a
   * sequence problem, and starts every partition at sequence 0 again; the
   * broker accepts a higher epoch starting at 0. Returns false when the
   * epoch would overflow and a new producer id is needed instead.
   */
  bumpLocally(): boolean {
    if (this.epoch >= 32766) return false;
    this.epoch++;
    this.resetSequences();
    log('bumped epoch to %d for producer id %s', this.epoch, this.producerId);
    return true;
  }

  /**
   * Gets a producer id (first time) or a new epoch of the current one
   * (KIP-360: after an unknown producer id or a sequence gap), from `target`:
   * any broker for an idempotent producer, the transaction coordinator for a
   * transactional one.
   */
  async init(pool: ConnectionPool, target: number | 'any', transactionalId: string | null, transactionTimeoutMs: number, maxWaitMs = 60_000, retryBackoffMs = 100): Promise<void> {
    const deadline = Date.now() + maxWaitMs;
    for (let attempt = 1; ; attempt++) {
      const res = await pool.request<InitProducerIdResponse>(target, 'InitProducerId', {
        transactionalId,
        transactionTimeoutMs,
        producerId: this.producerId,
        producerEpoch: this.epoch,
      });
      if (res.errorCode === 0) {
        this.producerId = res.producerId;
        this.epoch = res.producerEpoch;
        this.resetSequences();
        log('producer id %s, epoch %d', res.producerId, res.producerEpoch);
        return;
      }
      const err = errorFor(res.errorCode, { api: 'InitProducerId', broker: target === 'any' ? undefined : target });
      // A new cluster is still loading its producer-id state: wait and ask again.
      if (!err.retriable || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, Math.min(retryBackoffMs * 2 ** (attempt - 1), 1000)));
    }
  }
}
