// `npm run verify -- --scenario <name> [--seconds N] [--rate N]`: runs delivery
// verifier scenarios and prints the report table. Against KAFKA_BOOTSTRAP when
// set (only the scenarios that need neither node control nor proxies), else
// against a 3-node cluster it starts with a chaos proxy in front of every node
// (ports from KAFKA_BASE_PORT, default 24092) and stops at the end.
// `--scenario all` runs every one; `--list` names them. Every producer scenario
// runs a consumer group of three beside the producer (`--no-group` leaves it
// out). Exits 1 when any report shows a lost, duplicated, reordered or
// unsettled record, or for a group a skipped record, a duplicate outside the
// at-least-once window or an aborted record read committed.
import { parseArgs } from 'node:util';
import { runGroupScenario } from './group.js';
import { formatGroupTable, formatProducerTable, type GroupReport, type ProducerReport } from './report.js';
import { PRODUCER_SCENARIOS, runProducerScenario } from './scenarios.js';
import { startVerifyEnv } from './start.js';

const GROUP_SCENARIOS: Record<string, { what: string; protocol: 'classic' | 'consumer' }> = {
  group: { what: 'three committing members (classic, cooperative-sticky): one SIGKILLed, then the coordinator node restarted', protocol: 'classic' },
  'group-848': { what: 'the same with the KIP-848 consumer protocol', protocol: 'consumer' },
};

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', multiple: true },
    seconds: { type: 'string' },
    rate: { type: 'string' },
    list: { type: 'boolean' },
    quiet: { type: 'boolean' },
    'no-group': { type: 'boolean' },
  },
});

if (values.list || !values.scenario?.length) {
  console.log('scenarios:');
  for (const [n, s] of Object.entries(PRODUCER_SCENARIOS)) console.log(`  ${n.padEnd(18)} ${s.what} (default --seconds ${s.seconds})`);
  for (const [n, s] of Object.entries(GROUP_SCENARIOS)) console.log(`  ${n.padEnd(18)} ${s.what}`);
  console.log('usage: npm run verify -- --scenario <name|all> [--scenario <name> ...] [--seconds N] [--rate N] [--no-group]');
  console.log('  each producer scenario also runs a consumer group of three through the fault (--no-group: without it)');
  process.exit(values.list ? 0 : 2);
}

const names = values.scenario.includes('all') ? [...Object.keys(PRODUCER_SCENARIOS), ...Object.keys(GROUP_SCENARIOS)] : values.scenario;
for (const n of names) if (!PRODUCER_SCENARIOS[n] && !GROUP_SCENARIOS[n]) throw new Error(`unknown scenario ${n} (--list names them)`);
const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
const log = values.quiet ? undefined : (m: string) => console.error(`${new Date().toISOString().slice(11, 19)} ${m}`);

const { env, stop } = await startVerifyEnv(log);
process.once('SIGINT', () => void stop().finally(() => process.exit(130)));

const producerReports: ProducerReport[] = [];
const groupReports: GroupReport[] = [];
let failed = false;
try {
  for (const n of names) {
    try {
      if (PRODUCER_SCENARIOS[n]) {
        const { producer: r, group: g } = await runProducerScenario(env, n, { seconds: num(values.seconds), rate: num(values.rate), group: !values['no-group'] });
        producerReports.push(r);
        if (r.lost || r.duplicates || r.reorderedTotal || r.neverSettled || r.abortedVisible) failed = true;
        if (r.examples.length) log?.(`[${n}] ${r.examples.join('\n')}`);
        if (g) {
          groupReports.push(g);
          if (g.skipped || g.unexplainedDuplicates || g.abortedProcessed) failed = true;
          if (g.examples.length) log?.(`[${n}] group: ${g.examples.join('\n')}`);
        }
      } else {
        const r = await runGroupScenario(env, n, { protocol: GROUP_SCENARIOS[n]!.protocol, seconds: num(values.seconds), rate: num(values.rate) });
        groupReports.push(r);
        if (r.skipped || r.unexplainedDuplicates) failed = true;
        if (r.examples.length) log?.(`[${n}] ${r.examples.join('\n')}`);
      }
    } catch (e) {
      failed = true;
      console.error(`scenario ${n} could not run: ${(e as Error).stack ?? String(e)}`);
    }
  }
} finally {
  await stop();
}
if (producerReports.length) console.log(`\n${formatProducerTable(producerReports)}`);
for (const r of producerReports) if (Object.keys(r.errors).length) console.log(`${r.scenario} errors: ${JSON.stringify(r.errors)}`);
if (groupReports.length) console.log(`\n${formatGroupTable(groupReports)}`);
process.exit(failed ? 1 : 0);
