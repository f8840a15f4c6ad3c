import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing but Node; `integration` talks to a real
// Kafka cluster that test/kafka/global-setup.ts starts (or KAFKA_BOOTSTRAP names).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', 'node_modules/**'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/kafka/global-setup.ts'],
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
