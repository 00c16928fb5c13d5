// Third-party outbox implementations, run through their manifests like any SUT: quick-profile
// schedules (the ci profile: the same schedules, a smaller shrink budget) of three scenarios each.
// Every run must be judged (never unknown). Where the README's findings table says an
// implementation holds, it must be valid; where it records a violation, only the recorded kinds of
// anomaly may appear (the violation is timing-dependent, so a run may also come out valid).
// Findings are data: these expectations follow the implementations, never the other way round.
// Run with: npm run test:thirdparty (not part of npm test; see the README). One file per
// implementation, so two stacks share the work.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { printSuite } from '../../harness/cli/summary.ts';
import { PROJECT_ROOT } from '../../harness/common/paths.ts';
import { runSuite } from '../../harness/run/suite.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { useSuiteStack } from '../helpers.ts';
import { TEST_SEED } from '../seed.ts';

export interface Expectation {
  readonly manifest: string;
  /** Anomaly kinds the README records for it; empty when it holds. */
  readonly recorded: readonly string[];
}

const SCENARIOS_RUN = ['relay-crash', 'consumer-crash', 'pg-partition'];

export function thirdPartySuite(sut: Expectation): void {
  const suite = useSuiteStack('outbox-thirdparty-');
  describe(path.basename(path.dirname(sut.manifest)) + ' ' + path.basename(sut.manifest), () => {
    for (const scenario of SCENARIOS_RUN) {
      it(
        scenario,
        async () => {
          const outcome = await runSuite({
            catalogue: SCENARIOS,
            sut: path.join(PROJECT_ROOT, sut.manifest),
            scenarios: [scenario],
            profile: 'ci',
            reportDir: suite.reportDir,
            stack: suite.stack,
            seed: TEST_SEED,
          });
          const lines: string[] = [];
          printSuite(outcome, (l) => lines.push(l));
          const result = outcome.scenarios[0]!;
          expect(result.executions).toBeGreaterThan(0);
          expect(result.valid, lines.join('\n')).not.toBe('unknown');
          const kinds = new Set(result.results.flatMap((r) => r.verdict?.anomalies ?? []).map((a) => a.kind));
          if (sut.recorded.length === 0) expect(result.valid, lines.join('\n')).toBe(true);
          else
            expect(
              [...kinds].filter((k) => !sut.recorded.includes(k)),
              lines.join('\n'),
            ).toEqual([]);
        },
        900_000,
      );
    }
  });
}
