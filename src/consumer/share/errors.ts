// Errors only the share consumer raises; each names the group and, where one applies, the partition and offset.
import { KafkaError } from '../../errors.js';

/**
 * The application used the acknowledgement API in a way the share consumer
 * cannot accept (Java throws IllegalStateException for these): acknowledge() in
 * implicit mode, acknowledging a record that is not waiting for an
 * acknowledgement, or poll() in explicit mode while records of the previous
 * poll are still unacknowledged.
 */
export class ShareAcknowledgementError extends KafkaError {
  readonly groupId: string;
  constructor(message: string, groupId: string, where: { topic?: string; partition?: number; offset?: bigint } = {}) {
    super(message, false, where);
    this.groupId = groupId;
  }
}
