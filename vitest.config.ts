import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import LongestFirstSequencer from './test/longest-first-sequencer.ts';

/** What every test job shares: the stack set-up, and time and worker limits for real servers. */
export const sharedTestOptions = {
  globalSetup: ['test/global-setup.ts'],
  // Real servers: starting a stack and crash-restarting Kafka take seconds, not milliseconds.
  testTimeout: 120_000,
  hookTimeout: 120_000,
  pool: 'forks' as const,
  maxWorkers: 2,
  minWorkers: 1,
  // Each file runs its own stack (a Kafka JVM among others); two at once suit a 2-core machine.
  poolOptions: { forks: { maxForks: 2, minForks: 1 } },
};

export default defineConfig({
  // The package's own name, as a user's test imports it (examples/vitest/, run by test/api/).
  resolve: { alias: { 'outbox-chaos': fileURLToPath(new URL('./harness/api.ts', import.meta.url)) } },
  test: {
    ...sharedTestOptions,
    include: ['test/**/*.test.ts'],
    // Third-party implementations run in their own job (npm run test:thirdparty): see README.
    exclude: ['test/thirdparty/**', '**/node_modules/**'],
    sequence: { sequencer: LongestFirstSequencer },
  },
});
