import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { verdictWord, type Validity } from '../checker/index.ts';
import type { ExecutionPhase, ScenarioRecord } from '../report/results.ts';
import { scheduleArb } from '../workload/generators.ts';
import { scheduleSize, type Schedule } from '../workload/schedule.ts';
import { executeSchedule, type RunResult, type RunSettings } from './execute.ts';
import type { Profile } from './profiles.ts';
import { faultArbs, shapeOf, undeclaredCrashPoints, type DrawOptions, type Scenario } from './scenario.ts';

export interface ScenarioOptions {
  readonly settings: RunSettings;
  readonly scenario: Scenario;
  readonly profile: Profile;
  /** This scenario's folder; each execution gets runs/run-NNN/ inside it. */
  readonly dir: string;
  readonly seed?: number;
  /** fast-check's path to one counterexample: with the seed, replays exactly that schedule. */
  readonly path?: string;
  readonly numRuns?: number;
  /**
   * The index of the first generated run (0-based; a shard's slice starts later). Run i draws the
   * same schedule whatever runs come before it, so a slice runs exactly what an unsharded run
   * with the same seed runs at those indices.
   */
  readonly firstRun?: number;
  /** Overrides the profile's shrinking budget (0: report the first failure as found). */
  readonly shrinkRuns?: number;
  readonly draw?: DrawOptions;
  readonly log?: (line: string) => void;
  /**
   * Told of every execution as it ends (progress bars). Without it, each execution is one `log`
   * line (describeRun).
   */
  readonly onRun?: (event: RunProgress) => void;
  /** Builds the one-line command that replays a failure (path undefined: replay the recorded schedule). */
  readonly replayCommand: (seed: number, path: string | undefined) => string;
  /** Runs one schedule: executeSchedule on the stack, unless a test stands in for it. */
  readonly execute?: typeof executeSchedule;
}

export interface RunProgress {
  readonly scenario: string;
  readonly phase: 'generated' | 'shrink';
  /** 1-based, within its phase. */
  readonly n: number;
  /** Generated runs planned, or the shrinking budget. */
  readonly of: number;
  /** The verdict of execution n; undefined for the event that announces a scenario (n = 0). */
  readonly valid?: Validity;
  readonly steps?: number;
  readonly durationMs?: number;
}

/** One line for an execution: "mixed run 3: valid (4 steps, 7.2s)"; steps count the load and each fault. */
export function describeRun(e: RunProgress): string {
  return `${e.scenario} ${e.phase === 'shrink' ? 'shrink' : 'run'} ${e.n}: ${verdictWord(e.valid ?? 'unknown')} (${e.steps} steps, ${((e.durationMs ?? 0) / 1000).toFixed(1)}s)`;
}

export interface Failure {
  /** The shrunk counterexample's own run. */
  readonly result: RunResult;
  readonly seed: number;
  /** fast-check's path to the counterexample; null when only the recorded schedule can replay it. */
  readonly path: string | null;
  readonly replay: string;
  /**
   * Generated runs until the first failure (1 = the first one failed), counted from run 0 of the
   * seed, so a shard reports the same number as an unsharded run would.
   */
  readonly runsToCatch: number;
  readonly shrinkRuns: number;
}

/** A scenario's outcome: the record the report writes, with the run stage's full results. */
export interface ScenarioOutcome extends ScenarioRecord {
  readonly results: readonly RunResult[];
  readonly failure?: Failure;
}

/**
 * Runs a scenario as a fast-check property over generated schedules. A run that finds a violation
 * is shrunk (within the profile's budget) to a smaller schedule that still fails. A run that could
 * not be judged counts as unknown: it neither fails the property nor lets the scenario pass.
 */
export async function runScenario(options: ScenarioOptions): Promise<ScenarioOutcome> {
  const { settings, scenario, profile } = options;
  const shape = shapeOf(scenario, profile, settings.def);
  const arb = scheduleArb(
    shape,
    faultArbs(scenario, settings.def, shape, { ...options.draw, brokers: settings.stack.brokers.length }),
  );
  const seed = options.seed ?? (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0;
  const shrinkBudget = options.shrinkRuns ?? profile.shrinkRuns;
  options.log?.(`${scenario.name}: seed ${seed}, profile ${profile.name}`);
  const missing = undeclaredCrashPoints(scenario, settings.def);
  if (missing.length > 0 && !options.draw?.withoutCrashPoints) {
    options.log?.(
      `${scenario.name}: ${settings.def.name} declares no crash point ${missing.join(', ')}; those faults are left out of this scenario`,
    );
  }
  options.onRun?.({ scenario: scenario.name, phase: 'generated', n: 0, of: options.numRuns ?? profile.numRuns });
  const results: RunResult[] = [];
  const phases: ExecutionPhase[] = [];
  const numRuns = options.numRuns ?? profile.numRuns;
  const firstRun = options.firstRun ?? 0;
  // Failing runs by schedule. A timing-dependent failure may pass when shrinking tries the same
  // schedule again; the failure it showed once still stands.
  const failures = new Map<string, RunResult>();
  let generated = 0;
  let runsToCatch: number | undefined;
  let shrinkRuns = 0;
  // Runs that exercised nothing (power's vacuous: no fault met work for what it struck) are drawn
  // again, up to as many as the scenario's runs: such a run observed nothing, so counting it as one
  // of the runs would let a scenario pass on schedules that tested less than it says. Past the cap
  // they count, and leave the scenario unknown. A redrawn run takes the schedule after the slice's
  // last, so shards may then share one.
  let redrawn = 0;
  const replaying = options.path !== undefined;

  const property = fc.asyncProperty(arb, async (schedule: Schedule) => {
    if (runsToCatch !== undefined) {
      // The shrinking budget is spent: candidates are skipped (never judged), so the
      // counterexample reported is the smallest schedule that really failed.
      fc.pre(shrinkRuns < shrinkBudget);
      shrinkRuns++;
    } else {
      generated++;
    }
    const runDir = path.join(options.dir, 'runs', `run-${String(results.length + 1).padStart(3, '0')}`);
    const result = await (options.execute ?? executeSchedule)(settings, schedule, runDir);
    results.push(result);
    const shrinking = runsToCatch !== undefined;
    phases.push(shrinking ? 'shrink' : 'generated');
    const done: RunProgress = {
      scenario: scenario.name,
      phase: shrinking ? 'shrink' : 'generated',
      n: shrinking ? shrinkRuns : generated,
      of: shrinking ? shrinkBudget : numRuns,
      valid: result.valid,
      steps: scheduleSize(schedule),
      durationMs: result.durationMs,
    };
    if (options.onRun) options.onRun(done);
    else options.log?.(describeRun(done));
    // A replay runs the one schedule it was given, vacuous or not.
    if (!shrinking && !replaying && result.valid === 'unknown' && result.power?.vacuous && redrawn < numRuns) {
      redrawn++;
      phases[phases.length - 1] = 'redrawn';
      options.log?.(`${scenario.name} run ${generated}: ${result.power.vacuous}; drawing another`);
      fc.pre(false);
    }
    const key = JSON.stringify(schedule);
    if (result.valid === false && !failures.has(key)) failures.set(key, result);
    if (result.valid === false) {
      runsToCatch ??= firstRun + generated;
      return false;
    }
    return true;
  });

  // fast-check's path "i" starts generation at run i; the counterexample path it reports is then
  // counted from run 0, so its replay command is the one an unsharded run would print.
  const start = !replaying && firstRun > 0 ? { path: String(firstRun) } : {};
  const details = await fc.check(property, {
    seed,
    numRuns,
    ...start,
    ...(replaying ? { path: options.path, endOnFailure: true } : {}),
    maxSkipsPerRun: 1_000_000,
  });

  const common = {
    scenario: scenario.name,
    profile: profile.name,
    seed,
    executions: results.length,
    results,
    phases,
    undeclaredCrashPoints: options.draw?.withoutCrashPoints ? [] : missing,
  };
  if (failures.size > 0) {
    // fast-check's counterexample is the smallest schedule that failed; should it have no run on
    // record, the first failure observed still stands: a violation is never dropped.
    const shrunk = details.counterexample ? failures.get(JSON.stringify(details.counterexample[0])) : undefined;
    const result = shrunk ?? [...failures.values()][0]!;
    const schedulePath = (shrunk && details.counterexamplePath) || undefined;
    fs.writeFileSync(path.join(options.dir, 'counterexample.json'), `${JSON.stringify(result.schedule, null, 2)}\n`);
    return {
      ...common,
      valid: false,
      failure: {
        result,
        seed,
        path: schedulePath ?? null,
        replay: options.replayCommand(seed, schedulePath),
        runsToCatch: runsToCatch ?? firstRun + generated,
        shrinkRuns,
      },
    };
  }
  if (details.failed) {
    // The property itself threw (a harness bug, not a finding): never report that as valid.
    return { ...common, valid: 'unknown' };
  }
  const counted = results.filter((_, i) => phases[i] !== 'redrawn');
  const anyUnknown = counted.some((r) => r.valid === 'unknown');
  return { ...common, valid: counted.length === 0 ? 'unknown' : anyUnknown ? 'unknown' : true };
}
