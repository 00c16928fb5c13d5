// Every scenario, quick profile (as ci: the same schedules), against the correct reference: each
// must be valid. A failure prints the shrunk schedule and the command that replays it. The
// scenarios are split over files so that two stacks share the work.
import { describe, expect, it } from 'vitest';
import { printSuite } from '../../harness/cli/summary.ts';
import type { StackOptions } from '../../harness/infra/index.ts';
import { runSuite } from '../../harness/run/suite.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { useSuiteStack } from '../helpers.ts';
import { TEST_SEED } from '../seed.ts';

/** Returns the file's stack, for more tests on it. */
export function referenceScenarioSuite(
  scenarios: readonly string[],
  stackOptions: StackOptions = {},
): ReturnType<typeof useSuiteStack> {
  const suite = useSuiteStack('outbox-scenarios-', stackOptions);

  const brokers = (stackOptions.kafkaBrokers ?? 1) > 1 ? `, ${stackOptions.kafkaBrokers} brokers` : '';
  describe(`the reference passes every scenario (quick profile, ${stackOptions.provider ?? 'native'} stack${brokers})`, () => {
    for (const scenario of scenarios) {
      it(
        scenario,
        async () => {
          const outcome = await runSuite({
            catalogue: SCENARIOS,
            sut: 'reference',
            scenarios: [scenario],
            profile: 'ci',
            reportDir: suite.reportDir,
            stack: suite.stack,
            seed: TEST_SEED,
          });
          const lines: string[] = [];
          printSuite(outcome, (l) => lines.push(l));
          expect(outcome.valid, lines.join('\n')).toBe(true);
          expect(outcome.scenarios[0]!.executions).toBeGreaterThan(0);
        },
        600_000,
      );
    }
  });
  return suite;
}
