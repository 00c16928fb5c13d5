// Every scenario, quick profile (as ci: the same schedules), against the correct reference: each must be valid. A failure
// here prints the shrunk schedule and the command that replays it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../harness/infra/index.ts';
import { runSuite } from '../harness/run/suite.ts';
import { printSuite } from '../harness/cli/summary.ts';
import { SCENARIOS } from './index.ts';
import { TEST_SEED } from '../test/seed.ts';
import { removeTempDir, tempDir } from '../test/helpers.ts';

let stack: Stack;
let reportDir: string;

beforeAll(async () => {
  stack = await startStack();
  reportDir = tempDir('outbox-scenarios-');
});

afterAll(async () => {
  await stack?.stop();
  removeTempDir(reportDir);
});

describe('the reference passes every scenario (quick profile)', () => {
  for (const scenario of SCENARIOS) {
    it(scenario.name, async () => {
      const outcome = await runSuite({ sut: 'reference', scenarios: [scenario.name], profile: 'ci', reportDir, stack, seed: TEST_SEED });
      const lines: string[] = [];
      printSuite(outcome, (l) => lines.push(l));
      expect(outcome.valid, lines.join('\n')).toBe(true);
      expect(outcome.scenarios[0]!.executions).toBeGreaterThan(0);
    }, 600_000);
  }
});
