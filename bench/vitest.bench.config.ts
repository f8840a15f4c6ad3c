// Benchmarks only: `npx vitest bench --run --config bench/vitest.bench.config.ts`.
// A separate config so that the unit/integration projects of the root config
// stay out of benchmark runs, and benchmarks stay out of `npm test`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: path.dirname(path.dirname(fileURLToPath(import.meta.url))),
  test: {
    include: [],
    benchmark: {
      include: ['bench/**/*.bench.ts'],
    },
    // One file at a time, in one process: benchmarks must not compete for the CPU.
    fileParallelism: false,
  },
});
