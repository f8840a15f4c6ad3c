import createDebug from 'debug';
import { KafkaError } from '../errors.js';
import type { DescribeConfigsResponse } from '../messages/generated/index.js';
import type { ConnectionPool } from '../network/pool.js';
import { ProducerBatch, type RecordAccumulator } from './accumulator.js';
import type { PartitionState } from './partition-state.js';

const log = createDebug('kafkawire:producer');

export interface BatchFaultHooks {
  failed(ps: PartitionState, b: ProducerBatch, err: KafkaError): void;
  drain(): void;
  transactional: boolean;
  onBatchError(err: KafkaError): void;
}

/**
 * The answers that change a batch rather than retry or fail it whole: too
 * large (split it, or say both sizes), and KIP-467's per-record errors.
 */
export class BatchFaults {
  /** Batches being looked into (DescribeConfigs): counted so that whenIdle waits for them. */
  pending = 0;

  constructor(
    private readonly pool: ConnectionPool,
    private readonly acc: RecordAccumulator,
    private readonly hooks: BatchFaultHooks,
  ) {}

  /**
   * Splits a batch the broker found too large into two. As in Java, the halves
   * keep the original's producer id, epoch and sequence range (first half from
   * its base sequence, second half after it), so no gap opens before the
   * batches sent after it.
   */
  split(ps: PartitionState, b: ProducerBatch, idempotent: boolean): void {
    const half = Math.ceil(b.count / 2);
    const parts = [new ProducerBatch(b.topic, b.partition, b.createdAt), new ProducerBatch(b.topic, b.partition, b.createdAt)] as const;
    parts[0].takeFrom(b, (i) => i < half);
    parts[1].takeFrom(b, (i) => i >= half);
    parts[0].reserved = b.reserved;
    b.reserved = 0;
    for (const x of parts) {
      x.order = b.order;
      x.originSequence = b.originSequence;
      x.maybeWritten = b.maybeWritten;
      x.attempts = b.attempts;
    }
    if (b.baseSequence >= 0) {
      parts.forEach((x, i) => {
        x.producerId = b.producerId;
        x.producerEpoch = b.producerEpoch;
        x.baseSequence = (b.baseSequence + (i === 0 ? 0 : half)) % 2147483648;
      });
      ps.replace(b, [...parts]);
    }
    log('splitting a too-large batch of %d records for %s-%d', b.count, b.topic, b.partition);
    ps.retrying = idempotent;
    b.done = true;
    for (const x of parts) this.acc.requeue(ps, x);
  }

  /** A single record the broker refused as too large: say both sizes (the limit is read from the topic's config). */
  tooLarge(ps: PartitionState, b: ProducerBatch, err: KafkaError): void {
    const size = b.encoded?.length ?? b.bytes;
    // Its sequence numbers are lost now; the message waits for the topic's limit.
    ps.failed(b, true);
    this.pending++;
    const finish = (e: KafkaError) => {
      this.pending--;
      this.hooks.failed(ps, b, e);
      this.hooks.drain();
    };
    this.topicLimit(b.topic).then(
      (limit) =>
        finish(
          new KafkaError(
            `RECORD_TOO_LARGE: the broker refused a batch of ${size} bytes (one record) for ${b.topic}-${b.partition}: ` +
              `larger than the topic's max.message.bytes (${limit ?? 'unknown'} bytes); raise max.message.bytes or send smaller records`,
            false,
            { ...err.context, cause: err },
          ),
        ),
      () => finish(err),
    );
  }

  private async topicLimit(topic: string): Promise<string | undefined> {
    const res = await this.pool.request<DescribeConfigsResponse>('any', 'DescribeConfigs', {
      resources: [{ resourceType: 2, resourceName: topic, configurationKeys: ['max.message.bytes'] }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    return res.results[0]?.configs.find((c) => c.name === 'max.message.bytes')?.value ?? undefined;
  }

  /**
   * KIP-467: reject only the records the broker named; send the others again
   * as a new batch. The refused batch's sequence numbers were never written:
   * the partition's sequence bookkeeping sees the gap and moves to a new epoch.
   */
  dropInvalid(ps: PartitionState, b: ProducerBatch, errors: Array<{ batchIndex: number; batchIndexErrorMessage: string | null }>, err: KafkaError): void {
    const bad = new Map(errors.map((e) => [e.batchIndex, e.batchIndexErrorMessage]));
    const rest = new ProducerBatch(b.topic, b.partition, b.createdAt);
    rest.takeFrom(
      b,
      (i) => !bad.has(i),
      (i, slot, index) => slot.reject(index, new KafkaError(`record ${i} of its batch was rejected by the broker: ${bad.get(i) ?? err.message}`, false, err.context)),
    );
    ps.failed(b, true);
    b.done = true;
    // The rest keeps the refused batch's place among the batches of its lineage (splits share an order).
    rest.originSequence = b.baseSequence >= 0 ? b.baseSequence : b.originSequence;
    rest.reserved = b.reserved;
    b.reserved = 0;
    rest.order = b.order;
    if (rest.count === 0) {
      this.acc.releaseBatch(rest);
    } else if (this.hooks.transactional) {
      // A transaction cannot resend part of a batch without a sequence gap; it must be aborted anyway.
      this.hooks.failed(ps, rest, new KafkaError(`${rest.count} record(s) were sent in a batch the broker refused for other records: ${err.message}`, false, err.context));
    } else {
      this.acc.requeue(ps, rest);
    }
    if (this.hooks.transactional) this.hooks.onBatchError(err);
  }
}
