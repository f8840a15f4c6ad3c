// Runs vitest with the arguments given, then prints one plain closing line
// ("vitest: N passed, N failed, N skipped") that CI tooling can read, and
// exits with vitest's own exit code.
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
  summary = `vitest (node ${process.versions.node}): ${j.numPassedTests} passed, ${j.numFailedTests} failed, ${skipped} skipped`;
  // CI adds up several runs (Node 20 and Node 24) into one closing line.
  if (process.env.KAFKAWIRE_TEST_TALLY) {
    fs.appendFileSync(process.env.KAFKAWIRE_TEST_TALLY, `${j.numPassedTests} ${j.numFailedTests} ${skipped}\n`);
  }
} catch {
  /* vitest died before writing; its exit code says so */
}
fs.rmSync(path.dirname(out), { recursive: true, force: true });
console.log(summary);
process.exit(r.status ?? 1);
