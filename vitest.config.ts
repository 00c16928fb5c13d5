import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Real servers: starting a stack and crash-restarting Kafka take seconds, not milliseconds.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    minWorkers: 1,
    // Each file runs its own stack (a Kafka JVM among others); two at once suit a 2-core machine.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
