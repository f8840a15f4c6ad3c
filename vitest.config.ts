import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing but Node; `integration` talks to a real
// Kafka cluster that test/kafka/global-setup.ts starts (or KAFKA_BOOTSTRAP names).
// Every test file loads test/api/unhandled-setup.ts, so that a rejection nobody
// handles fails the run even when it happens just after a file's last test.
const setupFiles = ['test/api/unhandled-setup.ts', 'test/fast-check-setup.ts'];

export default defineConfig({
  test: {
    // Vitest's default, stated because the run's correctness depends on it: an unhandled
    // rejection or uncaught exception fails the run even when every test passed.
    dangerouslyIgnoreUnhandledErrors: false,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', 'node_modules/**'],
          setupFiles,
          testTimeout: 60_000,
          // Both cores: the default (cores - 1) leaves a 2-core CI machine running unit files one at a time.
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/kafka/global-setup.ts'],
          setupFiles,
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // The cluster is shared; run integration files one at a time so
          // failover tests never stop a node under another file's feet.
          fileParallelism: false,
        },
      },
    ],
  },
});
