// The delivery verifier's producer scenarios in their short CI form: an
// idempotent (or transactional) producer through each fault; every
// acknowledged record must be in the log once, at its acknowledged offset, in
// send order per partition, and every send must settle. Scenarios that restart
// nodes leave every node up and every ISR full for the next file.
import { afterAll, expect, it } from 'vitest';
import { RemoteChaos } from '../../chaos/control.js';
import { cluster, describeKafka, kafka } from '../kafka.js';
import { formatProducerTable, type ProducerReport } from '../../verify/report.js';
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

function expectClean(r: ProducerReport): void {
  const why = `\n${formatProducerTable([r])}\n${r.examples.join('\n')}\nerrors: ${JSON.stringify(r.errors)}`;
  expect(r.acknowledged, `nothing acknowledged${why}`).toBeGreaterThan(100);
  expect({ lost: r.lost, duplicates: r.duplicates, reordered: r.reorderedTotal, neverSettled: r.neverSettled, abortedVisible: r.abortedVisible }, why)
    .toEqual({ lost: 0, duplicates: 0, reordered: 0, neverSettled: 0, abortedVisible: 0 });
}

describeKafka('delivery verifier (producer, CI form)', () => {
  // Every node up and every ISR full for the next file, even when a scenario failed midway.
  afterAll(async () => {
    if (env.cluster) await waitHealthy(env);
  }, 200_000);

  for (const s of CI) {
    const unavailable = (s.needs === 'cluster' && !env.cluster) || (s.needs === 'chaos' && !env.chaos);
    it.skipIf(unavailable)(`${s.name}: nothing lost, duplicated or reordered; every send settles`, async () => {
      const r = await runProducerScenario(env, s.name, { seconds: s.seconds, rate: 300 });
      console.log(formatProducerTable([r]));
      expectClean(r);
    }, 300_000);
  }
});
