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

export function referenceScenarioSuite(scenarios: readonly string[], stackOptions: StackOptions = {}): void {
  const suite = useSuiteStack('outbox-scenarios-', stackOptions);

  describe(`the reference passes every scenario (quick profile, ${stackOptions.provider ?? 'native'} stack)`, () => {
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
}
