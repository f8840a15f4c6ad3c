// What the run records about the machine and the clients' versions, and
// where the Node 24 binary is (the registry's node@24 package through npx).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function cpuModel(): string {
  try {
    const m = /model name\s*:\s*(.+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1]!.trim();
  } catch {
    /* not Linux */
  }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

export const loadAverage = (): string => os.loadavg().map((x) => x.toFixed(2)).join(' ');

/** Absolute path and version of a Node 24 binary, fetched once by npx into its cache; null when that fails. */
export function node24(): { bin: string; version: string } | null {
  if (process.versions.node.startsWith('24.')) return { bin: process.execPath, version: process.version };
  const r = spawnSync('npx', ['-y', '-p', 'node@24', 'node', '-p', 'process.execPath + " " + process.version'], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) return null;
  const [bin, version] = r.stdout.trim().split('\n').pop()!.split(' ');
  return bin && version ? { bin, version } : null;
}

/** "version" of an installed package, read from its package.json. */
export function packageVersion(root: string, name: string): string | null {
  try {
    return (JSON.parse(fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

/** Kafka version from the client jar's name in the libs folder. */
export function kafkaJarVersion(libs: string): string {
  const jar = fs.readdirSync(libs).find((f) => /^kafka-clients-[\d.]+\.jar$/.test(f));
  return jar ? jar.replace(/^kafka-clients-|\.jar$/g, '') : 'unknown';
}

export function javaVersion(): string {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
  return (/version "([^"]+)"/.exec(`${r.stderr}${r.stdout}`)?.[1]) ?? 'unknown';
}
