import createDebug from 'debug';
import { KafkaError } from '../errors.js';
import { errorFor } from '../messages/error-codes.js';
import type { InitProducerIdResponse } from '../messages/generated/index.js';

const log = createDebug('kafkawire:producer');

/** The InitProducerId request body: a first id (-1/-1), or KIP-360's bump of the current one. */
export interface InitProducerIdBody {
  transactionalId: string | null;
  transactionTimeoutMs: number;
  producerId: bigint;
  producerEpoch: number;
}

/**
 * The producer id and epoch the producer currently hands to partitions. It
 * only hands them out: each partition (PartitionState) decides when to move
 * to a newer one, and keeps its own sequence numbers. InitProducerId is sent
 * from here only; the caller says how to route it (any broker, or the
 * transaction coordinator with its retries).
 */
export class ProducerIdManager {
  producerId = -1n;
  epoch = -1;
  /** An InitProducerId under way (first id, or a bump past the last epoch). */
  pending: Promise<void> | null = null;

  constructor(
    private readonly transactionalId: string | null,
    private readonly transactionTimeoutMs: number,
  ) {}

  get ready(): boolean {
    return this.producerId >= 0n && this.pending === null;
  }

  /**
   * Asks for a producer id: a new one, or (`bump`, KIP-360) a higher epoch
   * of the current one. `send` routes the request and retries what it can.
   */
  async request(send: (body: InitProducerIdBody) => Promise<InitProducerIdResponse>, bump: boolean): Promise<void> {
    const res = await send({
      transactionalId: this.transactionalId,
      transactionTimeoutMs: this.transactionTimeoutMs,
      producerId: bump ? this.producerId : -1n,
      producerEpoch: bump ? this.epoch : -1,
    });
    if (res.errorCode !== 0) throw errorFor(res.errorCode, { api: 'InitProducerId' });
    // No error but no id either is not an answer to keep: ask again, as after a retriable error.
    if (res.producerId < 0n || res.producerEpoch < 0) {
      throw new KafkaError(`InitProducerId answered without an error but with producer id ${res.producerId}, epoch ${res.producerEpoch}; asking again`, true, { api: 'InitProducerId' });
    }
    this.producerId = res.producerId;
    this.epoch = res.producerEpoch;
    log('producer id %s, epoch %d', res.producerId, res.producerEpoch);
  }

  /** Runs `request` once for everyone who asks while it is under way. */
  once(run: () => Promise<void>): Promise<void> {
    this.pending ??= run().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  /**
   * An idempotent producer's own epoch bump (as Java's does, without asking
   * the broker; the broker accepts a higher epoch that starts at sequence 0).
   * Returns false when the epoch would overflow: a new id is needed instead.
   */
  bumpLocally(): boolean {
    if (this.epoch >= 32766) return false;
    this.epoch++;
    log('bumped epoch to %d for producer id %s', this.epoch, this.producerId);
    return true;
  }
}
