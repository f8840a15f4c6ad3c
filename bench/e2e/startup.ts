// `npm run bench:startup [-- --runs N]`: what loading kafkawire costs a process,
// the built package (dist/bundle/, what `import 'kafkawire'` loads) beside the
// same code as tsc's one-file-per-module output (dist/), each imported in a
// fresh process, alternating, under this Node and Node 24. Reports the median
// CPU milliseconds (user + system) and wall milliseconds of the import alone.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

// Compiled to bench/.build/bench/e2e/.
const root = path.resolve(import.meta.dirname, '../../../..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const runs = Math.max(1, Number(values.runs));

const probe = `const c0 = process.cpuUsage(); const w0 = performance.now();
await import(process.argv[1]);
const c = process.cpuUsage(c0);
console.log(JSON.stringify({ cpu: (c.user + c.system) / 1000, wall: performance.now() - w0 }));`;

const targets = [
  { label: 'dist/bundle/index.js (the package)', file: path.join(root, 'dist', 'bundle', 'index.js') },
  { label: 'dist/index.js (one file per module)', file: path.join(root, 'dist', 'index.js') },
];
for (const t of targets) {
  if (!fs.existsSync(t.file)) throw new Error(`${t.file} is missing: run npm run build first`);
}

function node24(): string | null {
  try {
    return execFileSync('npx', ['-y', '-p', 'node@24', 'node', '-p', 'process.execPath'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

console.log(`${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; median of ${runs} runs`);
const nodes = [process.execPath, node24()].filter((n): n is string => n !== null);
for (const exe of nodes) {
  const version = execFileSync(exe, ['--version'], { encoding: 'utf8' }).trim();
  const samples = targets.map(() => ({ cpu: [] as number[], wall: [] as number[] }));
  for (let r = 0; r < runs; r++) {
    targets.forEach((t, i) => {
      const out = JSON.parse(execFileSync(exe, ['--input-type=module', '-e', probe, t.file], { encoding: 'utf8', cwd: root })) as { cpu: number; wall: number };
      samples[i]?.cpu.push(out.cpu);
      samples[i]?.wall.push(out.wall);
    });
  }
  const base = median(samples[1]?.cpu ?? []);
  targets.forEach((t, i) => {
    const cpu = median(samples[i]?.cpu ?? []);
    console.log(`Node ${version}  ${t.label.padEnd(38)} CPU ${cpu.toFixed(0).padStart(4)} ms (${(cpu / base).toFixed(2)}×)  wall ${median(samples[i]?.wall ?? []).toFixed(0).padStart(4)} ms`);
  });
}
