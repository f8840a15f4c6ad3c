// `npm run build`, into another folder: tsc with the package's build config,
// then rolldown.config.mjs joining the entry points into <dist>/bundle/. Tests
// that run the package as users get it build into a scratch folder, so they
// never rewrite the checkout's dist/ while another test reads it.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function run(args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve(`${err ? `${err.message}\n` : ''}${stdout}${stderr}`);
    });
  });
}

/**
 * Builds into `dist` (an absolute path). `tscArgs` go to tsc after the build config (e.g. no declarations).
 * Rejects, with what the tools printed, when an entry point of the bundle is missing.
 */
export async function buildPackage(dist: string, tscArgs: string[] = []): Promise<void> {
  // tsc emits even when it reports type errors elsewhere; the bundle step is what must succeed.
  const tscOut = await run([path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.build.json'), '--outDir', dist, ...tscArgs]);
  const bundleOut = await run([path.join(root, 'node_modules', 'rolldown', 'bin', 'cli.mjs'), '-c', path.join(root, 'rolldown.config.mjs')], { KAFKAWIRE_DIST: dist });
  for (const entry of ['index.js', 'protocol.js', 'main.js']) {
    if (!fs.existsSync(path.join(dist, 'bundle', entry))) throw new Error(`the build did not write bundle/${entry}:\n${tscOut}\n${bundleOut}`);
  }
}
