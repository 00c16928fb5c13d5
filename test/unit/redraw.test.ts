import { describe, expect, it } from 'vitest';
import { powerWarnings, summarizeExecutions } from '../../harness/checker/index.ts';
import { junitSuite } from '../../harness/report/junit.ts';
import { writeScenarioResults } from '../../harness/report/results.ts';
import type { RunResult, RunSettings } from '../../harness/run/execute.ts';
import { PROFILES } from '../../harness/run/profiles.ts';
import { runScenario } from '../../harness/run/property.ts';
import { referenceSut } from '../../harness/sut/reference.ts';
import { scenarioNamed } from '../../scenarios/index.ts';
import { removeTempDir, tempDir } from '../helpers.ts';

const VACUOUS = 'vacuous: none of the 1 fault(s) met work for what it struck';

/** runScenario with an executor that answers each run from `verdicts` (the last one repeating). */
async function scenarioWith(verdicts: ('vacuous' | RunResult['valid'])[]) {
  const dir = tempDir('outbox-redraw-');
  let n = 0;
  try {
    return await runScenario({
      settings: { def: referenceSut(), stack: { brokers: [{}] } } as unknown as RunSettings,
      scenario: scenarioNamed('consumer-crash'),
      profile: PROFILES.ci,
      dir,
      seed: 7,
      shrinkRuns: 0,
      replayCommand: () => 'replay',
      execute: async (_settings, schedule, runDir): Promise<RunResult> => {
        const v = verdicts[Math.min(n++, verdicts.length - 1)]!;
        const vacuous = v === 'vacuous';
        return {
          valid: vacuous ? 'unknown' : v,
          ...(vacuous ? { unknownBecause: VACUOUS } : {}),
          power: {
            committedEvents: 10,
            faults: [],
            crashPoints: [],
            faultFree: false,
            vacuous: vacuous ? VACUOUS : null,
          },
          schedule,
          runDir,
          durationMs: 1,
        };
      },
    });
  } finally {
    removeTempDir(dir);
  }
}

describe('runs that exercised nothing', () => {
  it('are drawn again, and the scenario is judged on the runs that observed something', async () => {
    const outcome = await scenarioWith(['vacuous', true]);
    // The ci profile's 3 runs, and one more for the vacuous one.
    expect(outcome.executions).toBe(4);
    expect(outcome.results[0]!.valid).toBe('unknown');
    expect(outcome.valid).toBe(true);
    // A different schedule each time: the redrawn run is not the vacuous one again.
    expect(new Set(outcome.results.map((r) => JSON.stringify(r.schedule))).size).toBe(4);
  });

  it('are reported as redrawn, counting for nothing: not unknown runs, not vacuous ones, not junit errors', async () => {
    const outcome = await scenarioWith(['vacuous', true]);
    expect(outcome.phases).toEqual(['redrawn', 'generated', 'generated', 'generated']);
    const power = summarizeExecutions(outcome.results, outcome.phases);
    expect(power).toMatchObject({ runs: 3, vacuousRuns: 0, redrawnRuns: 1 });
    expect(powerWarnings(power)).toContainEqual(
      expect.stringMatching(/^1 more run\(s\) exercised nothing and were drawn again/),
    );
    const dir = tempDir('outbox-redraw-report-');
    try {
      const results = writeScenarioResults(dir, {
        sut: 'reference',
        sutSource: 'reference',
        startedAt: new Date(0),
        outcome,
        replay: 'replay',
      });
      expect(results.valid).toBe(true);
      expect(results.unknownRuns).toEqual([]);
      expect(results.runs.map((r) => r.phase)).toEqual(['redrawn', 'generated', 'generated', 'generated']);
      const junit = junitSuite(results);
      expect(junit.errors).toBe(0);
      expect(junit.xml).toContain('skipped="1"');
      expect(junit.xml).toContain(`<skipped message="${VACUOUS}; drawn again"/>`);
    } finally {
      removeTempDir(dir);
    }
  });

  it('are drawn again at most as many times as the scenario has runs; past that they leave it unknown', async () => {
    const outcome = await scenarioWith(['vacuous']);
    expect(outcome.executions).toBe(6);
    expect(outcome.valid).toBe('unknown');
  });

  it('never hide a failure', async () => {
    const outcome = await scenarioWith(['vacuous', false]);
    expect(outcome.valid).toBe(false);
    expect(outcome.failure!.runsToCatch).toBe(2);
  });
});
