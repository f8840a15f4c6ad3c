// The delivery verifier's consumer-group scenario in its short CI form: three
// member processes committing after each poll while the producer load runs;
// one member SIGKILLed, then the group coordinator's node restarted. Nothing
// acknowledged may be skipped, and a record processed twice must lie in a
// member's uncommitted window (it processed it and never committed past it).
import { afterAll, expect, it } from 'vitest';
import { RemoteChaos } from '../../chaos/control.js';
import { cluster, describeKafka, kafka } from '../kafka.js';
import { runGroupScenario } from '../../verify/group.js';
import { formatGroupTable } from '../../verify/report.js';
import { waitHealthy, type VerifyEnv } from '../../verify/env.js';

const env: VerifyEnv = {
  bootstrap: kafka.chaos?.bootstrap ?? kafka.bootstrap,
  direct: kafka.bootstrap,
  cluster: cluster(),
  chaos: kafka.chaos ? new RemoteChaos(kafka.chaos.control) : null,
  log: (m) => console.log(m),
};

describeKafka('delivery verifier (consumer group, CI form)', () => {
  // Every node up and every ISR full for the next file, even when the scenario failed midway.
  afterAll(async () => {
    if (env.cluster) await waitHealthy(env);
  }, 200_000);

  it('classic group: a member SIGKILLed and the coordinator restarted; nothing skipped, duplicates only in the at-least-once window', async () => {
    const r = await runGroupScenario(env, 'group', { protocol: 'classic', seconds: 4, rate: 200, restartCoordinator: env.cluster !== null });
    const why = `\n${formatGroupTable([r])}\n${r.examples.join('\n')}`;
    console.log(why);
    expect(r.produced, `too little was produced${why}`).toBeGreaterThan(200);
    expect({ skipped: r.skipped, unexplained: r.unexplainedDuplicates }, why).toEqual({ skipped: 0, unexplained: 0 });
  }, 300_000);
});
