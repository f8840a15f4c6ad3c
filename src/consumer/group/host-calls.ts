/**
 * Calls into the GroupHost, one at a time. A rebalance, a fence, a poll
 * timeout and leave() can all want to hand partitions to or take them from
 * the host; queueing them means the host never sees a `lost` overtake an
 * `assign` still under way, and each task reads the member's partitions only
 * when its turn comes (so it gives up exactly what the host holds).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import createDebug from 'debug';
import type { GroupHost, TopicPartition } from './contract.js';
import { describePartitions } from './topics.js';

const log = createDebug('kafkawire:consumer');

export class HostCalls {
  private queue: Promise<void> = Promise.resolve();
  /** Set inside a host callback, so a call back into the membership (leave() from onPartitionsRevoked) can tell. */
  private readonly inside = new AsyncLocalStorage<HostCalls>();

  constructor(
    private readonly host: GroupHost,
    private readonly groupId: string,
  ) {}

  /** Runs task after every task queued before it. */
  task(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Calls the host (inside a task); a failing callback is logged and does not stop the rebalance, as Java logs a listener's exception. */
  async call(what: 'revoke' | 'assign' | 'lost', partitions: TopicPartition[]): Promise<void> {
    log('group %s: %s %s', this.groupId, what, describePartitions(partitions));
    try {
      await this.inside.run(this, () => this.host[what](partitions));
    } catch (e) {
      log('group %s: host.%s(%s) failed: %s', this.groupId, what, describePartitions(partitions), (e as Error)?.message ?? e);
    }
  }

  /** True when running inside one of this membership's host callbacks. */
  get inCallback(): boolean {
    return this.inside.getStore() === this;
  }

  /**
   * Queues a task for leave(). Called from inside a host callback (the
   * application closing the consumer from onPartitionsRevoked), waiting for
   * the queue would wait for that very callback: then the task runs once the
   * callback returns, and leave() does not wait for it.
   */
  async leaveTask(task: () => Promise<void>): Promise<void> {
    const run = this.task(task);
    if (this.inCallback) {
      run.catch(() => undefined);
      return;
    }
    await run;
  }

  fatal(err: Error): void {
    try {
      this.host.fatal(err);
    } catch (e) {
      log('group %s: host.fatal threw: %s', this.groupId, (e as Error)?.message ?? e);
    }
  }
}
