// The delivery verifier's producer scenarios in their short CI form: an
// idempotent (or transactional) producer through each fault; every
// acknowledged record must be in the log once, at its acknowledged offset, in
// send order per partition, and every send must settle within the producer's
// deliveryTimeoutMs. A consumer group of three, committing after each poll,
// consumes through the same fault (read_committed for the transactions): it
// must process every acknowledged record, and process one twice only inside
// the at-least-once window. Scenarios that restart nodes leave every node up
// and every ISR full for the next file.
import { afterAll, expect, it } from 'vitest';
import { RemoteChaos } from '../../chaos/control.js';
import { cluster, describeKafka, kafka } from '../kafka.js';
import { VERIFY_PRODUCER } from '../../verify/load.js';
import { formatGroupTable, formatProducerTable, type GroupReport, type ProducerReport } from '../../verify/report.js';
import { runProducerScenario } from '../../verify/scenarios.js';
import { waitHealthy, type VerifyEnv } from '../../verify/env.js';

const env: VerifyEnv = {
  bootstrap: kafka.chaos?.bootstrap ?? kafka.bootstrap,
  direct: kafka.bootstrap,
  cluster: cluster(),
  chaos: kafka.chaos ? new RemoteChaos(kafka.chaos.control) : null,
  log: (m) => console.log(m),
};

/** Fault lengths of the CI form (the CLI's defaults are the 10-30 s). */
const CI: Array<{ name: string; seconds: number; needs: 'cluster' | 'chaos' | null }> = [
  { name: 'leader-kill', seconds: 3, needs: 'cluster' },
  { name: 'rolling-restart', seconds: 0, needs: 'cluster' },
  { name: 'pause-node', seconds: 6, needs: 'cluster' },
  { name: 'cut-connections', seconds: 8, needs: 'chaos' },
  { name: 'blackhole-broker', seconds: 8, needs: 'chaos' },
  { name: 'transactions', seconds: 8, needs: null },
];

/** Every scenario's producer uses the verifier's defaults; a send may take at most this long to settle. */
const DELIVERY_TIMEOUT_MS = VERIFY_PRODUCER.deliveryTimeoutMs!;

function expectClean(r: ProducerReport): void {
  const why = `\n${formatProducerTable([r])}\n${r.examples.join('\n')}\nerrors: ${JSON.stringify(r.errors)}`;
  expect(r.acknowledged, `nothing acknowledged${why}`).toBeGreaterThan(100);
  expect({ lost: r.lost, duplicates: r.duplicates, reordered: r.reorderedTotal, neverSettled: r.neverSettled, abortedVisible: r.abortedVisible }, why)
    .toEqual({ lost: 0, duplicates: 0, reordered: 0, neverSettled: 0, abortedVisible: 0 });
  expect(r.longestSendMs, `a send took longer than deliveryTimeoutMs to settle${why}`).toBeLessThanOrEqual(DELIVERY_TIMEOUT_MS);
}

function expectGroupClean(g: GroupReport | null, readCommitted: boolean): void {
  expect(g, 'the scenario ran without its consumer group').not.toBeNull();
  const why = `\n${formatGroupTable([g!])}\n${g!.examples.join('\n')}`;
  expect(g!.processed, `the group processed too little${why}`).toBeGreaterThan(100);
  expect({ skipped: g!.skipped, unexplained: g!.unexplainedDuplicates, abortedProcessed: g!.abortedProcessed }, why)
    .toEqual({ skipped: 0, unexplained: 0, abortedProcessed: readCommitted ? 0 : undefined });
}

describeKafka('delivery verifier (producer, CI form)', () => {
  // Every node up and every ISR full for the next file, even when a scenario failed midway.
  afterAll(async () => {
    if (env.cluster) await waitHealthy(env);
  }, 200_000);

  for (const s of CI) {
    const unavailable = (s.needs === 'cluster' && !env.cluster) || (s.needs === 'chaos' && !env.chaos);
    it.skipIf(unavailable)(`${s.name}: nothing lost, duplicated or reordered; every send settles`, async () => {
      const { producer, group } = await runProducerScenario(env, s.name, { seconds: s.seconds, rate: 300 });
      console.log(`${formatProducerTable([producer])}\n${group ? formatGroupTable([group]) : ''}`);
      expectClean(producer);
      expectGroupClean(group, s.name === 'transactions');
    }, 300_000);
  }
});
