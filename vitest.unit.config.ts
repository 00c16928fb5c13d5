import { defineConfig } from 'vitest/config';

/**
 * The stack-free tier (npm run test:unit): pure logic only, so no provisioning and no servers.
 * Every file here must run in seconds on a machine with nothing installed but Node.
 */
export const UNIT_TESTS = [
  'test/checker/**/*.test.ts',
  'test/workload/**/*.test.ts',
  'test/unit/**/*.test.ts',
  'test/sut/manifest.test.ts',
  'test/report/report.test.ts',
  'test/report/merge.test.ts',
  'test/detection/coverage.test.ts',
  'test/scenarios/coverage.test.ts',
  'test/infra/cluster-id.test.ts',
];

export default defineConfig({
  test: {
    include: UNIT_TESTS,
    testTimeout: 20_000,
  },
});
