// The harness proves itself: every broken variant of the reference is caught by generated
// schedules of the ci profile (the quick profile's first schedules), run in the same scenario
// order for every variant, so the harness is not told which variant it faces.
// The ci profile draws at most two faults, so whatever catches a variant is at most three steps
// before any shrinking: shrinking cannot change that verdict, and costs a full run per attempt.
// The first variant of each file shrinks with the profile's budget, so shrinking on the real stack
// stays tested; the others report their first counterexample.
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
      const shrinking = variant === variants[0];
      it(
        shrinking ? `${variant} (and its counterexample shrinks)` : variant,
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
            ...(shrinking ? {} : { shrinkRuns: 0 }),
          });
          const lines: string[] = [];
          printMatrix(matrix, (l) => lines.push(l));
          const caught = matrix.variants[0]!.cells.find((c) => c.caught);
          expect(caught, `${variant} escaped every scenario:\n${lines.join('\n')}`).toBeDefined();
          expect(caught!.shrunkSteps!, lines.join('\n')).toBeLessThanOrEqual(5);
          // Shrinking ran: executions beyond the generated runs that led to the catch.
          if (shrinking) expect(caught!.executions, lines.join('\n')).toBeGreaterThan(caught!.runsToCatch!);
        },
        1_200_000,
      );
    }
  });
}
