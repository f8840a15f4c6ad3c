// Under CI, an unhandled rejection anywhere in the suite must fail the run,
// even when every test passes. Proven on a fixture project run by the
// repository's own runner (test/run-tests.mjs) with the repository's own
// setup (vitest.config.ts), in a child process.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './child.js';

interface Run {
  code: number | null;
  output: string;
  /** The line the runner appended to KAFKAWIRE_TEST_TALLY: passed, failed, skipped. */
  tally: string;
}

function runFixture(name: 'clean' | 'during' | 'after'): Promise<Run> {
  const tallyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kafkawire-tally-')), 'tally');
  // A clean environment for the inner vitest: none of this run's VITEST_* variables.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')));
  const child = spawn(process.execPath, ['test/run-tests.mjs', '--config', 'test/api/fixtures/unhandled/vitest.config.ts'], {
    cwd: repoRoot,
    env: { ...env, CI: 'true', KAFKAWIRE_FIXTURE: name, KAFKAWIRE_TEST_TALLY: tallyFile, NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => {
    child.on('close', (code) => {
      const tally = fs.existsSync(tallyFile) ? fs.readFileSync(tallyFile, 'utf8').trim() : '';
      fs.rmSync(path.dirname(tallyFile), { recursive: true, force: true });
      resolve({ code, output, tally });
    });
  });
}

describe('an unhandled rejection under CI', () => {
  it('a clean fixture passes (the control)', async () => {
    const run = await runFixture('clean');
    expect(run.output).toContain('1 passed, 0 failed, 0 skipped');
    expect(run.code).toBe(0);
    expect(run.tally).toBe('1 0 0');
  });

  it('fails the run when it happens during a test that passes', async () => {
    const run = await runFixture('during');
    expect(run.output).toContain('Unhandled Rejection');
    expect(run.output).toContain('unhandled during the test');
    expect(run.output).toMatch(/1 passed, 1 failed, 0 skipped \(vitest exited with code 1 though no test failed/);
    expect(run.code).toBe(1);
    expect(run.tally).toBe('1 1 0');
  });

  it('fails the run when it happens just after the last test of a file', async () => {
    const run = await runFixture('after');
    expect(run.output).toContain('unhandled after the last test');
    expect(run.code).toBe(1);
    expect(run.tally).toBe('1 1 0');
  });
});
