// Runs vitest with the arguments given, then prints one plain closing line
// ("vitest: N passed, N failed, N skipped") that CI tooling can read, and
// exits with vitest's own exit code. A run that fails with no failed test
// (an unhandled rejection or error, a failed setup) says so on that line and
// counts as one failure in the tally, so no total reads "0 failed" for it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kafkawire-vitest-')), 'results.json');
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const r = spawnSync(process.execPath, [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: root,
});
let summary = 'vitest: no results were written';
try {
  const j = JSON.parse(fs.readFileSync(out, 'utf8'));
  const skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  // Vitest's JSON report leaves out unhandled errors: only its exit code tells of them.
  const failedOutside = r.status !== 0 && j.numFailedTests === 0;
  const failed = j.numFailedTests + (failedOutside ? 1 : 0);
  summary = `vitest (node ${process.versions.node}): ${j.numPassedTests} passed, ${failed} failed, ${skipped} skipped`;
  if (failedOutside) summary += ` (vitest exited with code ${r.status} though no test failed: unhandled errors or a failed setup, reported above)`;
  // CI adds up several runs (Node 20 and Node 24) into one closing line.
  if (process.env.KAFKAWIRE_TEST_TALLY) {
    fs.appendFileSync(process.env.KAFKAWIRE_TEST_TALLY, `${j.numPassedTests} ${failed} ${skipped}\n`);
  }
} catch {
  /* vitest died before writing; its exit code says so */
}
fs.rmSync(path.dirname(out), { recursive: true, force: true });
console.log(summary);
process.exit(r.status ?? 1);
