// Module hooks behind ts-hooks.mjs: a relative `./x.js` imported from a .ts
// file means `./x.ts` when that exists (the sources import with .js, as
// NodeNext wants), and .ts files load as ES modules with their types stripped.
// Transpiled output is cached by content hash in the temp folder, so later
// child processes skip loading TypeScript at all (it is slow on a busy machine).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cacheDir = path.join(os.tmpdir(), 'kafkawire-ts-cache');
let ts;

export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (parent?.endsWith('.ts') && specifier.startsWith('.') && specifier.endsWith('.js')) {
    const url = new URL(`${specifier.slice(0, -3)}.ts`, parent);
    if (fs.existsSync(fileURLToPath(url))) return { url: url.href, format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const fileName = fileURLToPath(url);
  const source = fs.readFileSync(fileName, 'utf8');
  const cached = path.join(cacheDir, `${createHash('sha1').update(fileName).update('\0').update(source).digest('hex')}.js`);
  try {
    return { format: 'module', source: fs.readFileSync(cached, 'utf8'), shortCircuit: true };
  } catch {
    // not cached yet
  }
  ts ??= (await import('typescript')).default;
  const { outputText } = ts.transpileModule(source, {
    fileName,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true, inlineSourceMap: true },
  });
  // Written to a unique name, then renamed: concurrent children never read half a file.
  fs.mkdirSync(cacheDir, { recursive: true });
  const tmp = `${cached}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, outputText);
  fs.renameSync(tmp, cached);
  return { format: 'module', source: outputText, shortCircuit: true };
}
