// The harness proves itself: every broken variant of the reference is caught by generated
// schedules of the quick profile (the ci profile: the same schedules, a smaller shrinking
// budget), run in the same scenario order for every variant, so the harness is not told which
// variant it faces; and the counterexample shrinks to at most five steps.
// The variants are split over two test files so that two stacks share the work.
import { describe, expect, it } from 'vitest';
import { printMatrix } from '../../harness/cli/summary.ts';
import { runMatrix } from '../../harness/run/matrix.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { TEST_SEED } from '../seed.ts';
import { useSuiteStack } from '../helpers.ts';

export function detectionSuite(variants: readonly string[]): void {
  const suite = useSuiteStack('outbox-detection-');

  describe('detection: broken variants are caught', () => {
    for (const variant of variants) {
      it(
        variant,
        async () => {
          const matrix = await runMatrix({
            catalogue: SCENARIOS,
            sut: 'reference',
            variants: [variant],
            scenarios: 'all',
            profile: 'ci',
            reportDir: suite.reportDir,
            firstCatch: true,
            stack: suite.stack,
            seed: TEST_SEED,
          });
          const lines: string[] = [];
          printMatrix(matrix, (l) => lines.push(l));
          const caught = matrix.variants[0]!.cells.find((c) => c.caught);
          expect(caught, `${variant} escaped every scenario:\n${lines.join('\n')}`).toBeDefined();
          expect(caught!.shrunkSteps!, lines.join('\n')).toBeLessThanOrEqual(5);
        },
        1_200_000,
      );
    }
  });
}
