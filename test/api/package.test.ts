// The package as users get it: `npm run build`'s output (tsc's, then the
// bundle's), packed by `npm pack` (so only what "files" names), resolved
// through package.json's "exports" by a project that depends on kafkawire. Checks that `kafkawire` and `kafkawire/protocol` load
// with the same exports as the sources and share their classes, that the bin
// runs, and that the types resolve under NodeNext resolution.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPackage } from '../build-package.js';
import { repoRoot } from './child.js';

const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
let tmp = '';
let pkg = '';
let app = '';

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kafkawire-package-'));
  const checkout = path.join(tmp, 'checkout');
  pkg = path.join(tmp, 'kafkawire');
  app = path.join(tmp, 'app');
  // npm run build, emitting into a temporary checkout instead of ./dist.
  await buildPackage(path.join(checkout, 'dist'));
  fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(checkout, 'package.json'));
  fs.mkdirSync(path.join(checkout, 'bin'));
  fs.copyFileSync(path.join(repoRoot, 'bin', 'kafkawire.mjs'), path.join(checkout, 'bin', 'kafkawire.mjs'));
  // What npm publishes: only the files package.json's "files" names (no build scripts run here).
  const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', tmp], { cwd: checkout, encoding: 'utf8' });
  const tarball = path.join(tmp, pack.stdout.trim().split('\n').pop() ?? '');
  if (pack.status !== 0 || !fs.existsSync(tarball)) throw new Error(`npm pack failed:\n${pack.stdout}${pack.stderr}`);
  fs.mkdirSync(pkg);
  const untar = spawnSync('tar', ['-xzf', tarball, '-C', pkg, '--strip-components=1'], { encoding: 'utf8' });
  if (untar.status !== 0) throw new Error(`could not unpack ${tarball}: ${untar.stderr}`);
  // The package's own dependencies (long, crc-32, ...) come from this checkout.
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(pkg, 'node_modules'), 'dir');
  fs.mkdirSync(path.join(app, 'node_modules'), { recursive: true });
  fs.symlinkSync(pkg, path.join(app, 'node_modules', 'kafkawire'), 'dir');
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', type: 'module', private: true }));
}, 180_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the built package', () => {
  it('ships the bundle, the type declarations and the bin, and not the per-module JavaScript', () => {
    const files = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === 'node_modules' ? [] : files(path.join(dir, e.name))) : [path.relative(pkg, path.join(dir, e.name))]));
    const shipped = files(pkg);
    expect(shipped).toContain('bin/kafkawire.mjs');
    expect(shipped).toContain('dist/index.d.ts');
    expect(shipped).toContain('dist/bundle/index.js');
    expect(shipped.filter((f) => f.endsWith('.js') && !f.startsWith('dist/bundle/'))).toEqual([]);
  });

  it('points every "exports" target at a file the build emits', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')) as { exports: Record<string, string | Record<string, string>> };
    expect(Object.keys(manifest.exports)).toEqual(expect.arrayContaining(['.', './protocol']));
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      for (const file of typeof target === 'string' ? [target] : Object.values(target)) {
        expect(fs.existsSync(path.join(pkg, file)), `${subpath} → ${file}`).toBe(true);
      }
    }
  });

  it('resolves kafkawire and kafkawire/protocol from a dependent project, with the exports of the sources', async () => {
    fs.writeFileSync(
      path.join(app, 'check.mjs'),
      `import * as root from 'kafkawire';
import * as protocol from 'kafkawire/protocol';
let fromRoot, fromProtocol;
try { new root.Producer({ bootstrapServers: 5 }); } catch (e) { fromRoot = e; }
try { new protocol.ConnectionPool({ bootstrapServers: '' }); } catch (e) { fromProtocol = e; }
console.log(JSON.stringify({
  root: Object.keys(root).sort(),
  protocol: Object.keys(protocol).sort(),
  // Every exported function and class keeps its own name (errors name themselves after their class).
  renamed: [...Object.entries(root), ...Object.entries(protocol)].filter(([k, v]) => typeof v === 'function' && v.name !== k).map(([k, v]) => k + ' is named ' + v.name),
  errors: [fromRoot, fromProtocol].map((e) => ({ name: e?.name, config: e instanceof root.KafkaConfigError, kafka: e instanceof root.KafkaError })),
}));
`,
    );
    const run = spawnSync(process.execPath, ['check.mjs'], { cwd: app, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const got = JSON.parse(run.stdout) as { root: string[]; protocol: string[]; renamed: string[]; errors: Array<{ name: string; config: boolean; kafka: boolean }> };
    expect(got.root).toEqual(Object.keys(await import('../../src/index.js')).sort());
    expect(got.protocol).toEqual(Object.keys(await import('../../src/protocol.js')).sort());
    expect(got.root).toContain('Producer');
    expect(got.protocol).toContain('ConnectionPool');
    // The low-level pieces are not reachable from the root.
    expect(got.root).not.toContain('ConnectionPool');
    expect(got.renamed).toEqual([]);
    // Both entry points hand out the same error classes, which keep their names through the bundle.
    expect(got.errors).toEqual([
      { name: 'KafkaConfigError', config: true, kafka: true },
      { name: 'KafkaConfigError', config: true, kafka: true },
    ]);
  });

  it('loads node:tls, node:crypto and node:zlib only once something needs them', () => {
    // A quarter of the import's CPU time went to loading them (see src/lazy-builtins.ts).
    fs.writeFileSync(
      path.join(app, 'builtins.mjs'),
      `const loaded = () => process.moduleLoadList.filter((m) => /^NativeModule (tls|crypto|zlib)$/.test(m)).map((m) => m.split(' ')[1]).sort();
const { Producer } = await import('kafkawire');
const { getCodec } = await import('kafkawire/protocol');
new Producer({ bootstrapServers: '127.0.0.1:9' });
const atImport = loaded();
getCodec('gzip').compress(Buffer.from('kafkawire'));
console.log(JSON.stringify({ atImport, afterGzip: loaded() }));
`,
    );
    const run = spawnSync(process.execPath, ['builtins.mjs'], { cwd: app, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ atImport: [], afterGzip: ['zlib'] });
  });

  it('runs the kafkawire command from the bundle', () => {
    const run = spawnSync(process.execPath, [path.join(pkg, 'bin', 'kafkawire.mjs'), '--help'], { cwd: app, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Usage: kafkawire <command>/);
    // The bin loads the bundle, not tsc's per-module output.
    expect(fs.readFileSync(path.join(pkg, 'bin', 'kafkawire.mjs'), 'utf8')).toMatch(/dist\/bundle\/main\.js/);
  });

  it('gives a TypeScript project (NodeNext) the types of both entry points', () => {
    fs.writeFileSync(
      path.join(app, 'check-types.ts'),
      `import { Producer, KafkaAuthorizationError, type ProducerOptions, type RecordMetadata, type SaslOptions, type KafkaErrorContext } from 'kafkawire';
import { Connection, ConnectionPool, type ApiVersionsResponse, type MetadataResponse, type ConnectionOptions } from 'kafkawire/protocol';
const sasl: SaslOptions = { mechanism: 'SCRAM-SHA-256', username: 'u', password: 'p' };
const options: ProducerOptions = { bootstrapServers: '127.0.0.1:9092', sasl };
export const producer = new Producer(options);
export const pool = new ConnectionPool({ bootstrapServers: '127.0.0.1:9092' });
export async function check(c: Connection, o: ConnectionOptions): Promise<number> {
  const versions = await c.request<ApiVersionsResponse>('ApiVersions', {});
  const md: MetadataResponse = await c.request<MetadataResponse>('Metadata', { topics: [] });
  const ctx: KafkaErrorContext = { broker: o.host };
  const m: RecordMetadata | undefined = undefined;
  return versions.apiKeys.length + md.brokers.length + (m ? 1 : 0) + (ctx.broker ? 1 : 0) + (KafkaAuthorizationError.name.length);
}
// @ts-expect-error the low-level pieces are not in the root entry point
import type { ConnectionPool as NotAtRoot } from 'kafkawire';
export type Unused = NotAtRoot;
`,
    );
    const check = spawnSync(
      process.execPath,
      [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--typeRoots', path.join(repoRoot, 'node_modules', '@types'), '--types', 'node', 'check-types.ts'],
      { cwd: app, encoding: 'utf8' },
    );
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
  });
});
