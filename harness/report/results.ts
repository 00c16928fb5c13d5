import fs from 'node:fs';
import path from 'node:path';
import {
  summarizeExecutions,
  type Anomaly,
  type Power,
  type PowerSummary,
  type Validity,
  type Verdict,
} from '../checker/index.ts';
import { HarnessError } from '../common/errors.ts';
import { scheduleSize, type Schedule } from '../workload/schedule.ts';

/**
 * One execution as the report reads it. The run stage's results have this shape; the report
 * names only what it uses, so it depends on the data and not on the code that made it.
 */
export interface ExecutionRecord {
  readonly valid: Validity;
  readonly verdict?: Pick<Verdict, 'anomalies' | 'stats'>;
  readonly power?: Power;
  readonly unknownBecause?: string;
  readonly schedule: Schedule;
  readonly runDir: string;
  readonly durationMs: number;
}

/** Every execution of one scenario and its verdict: what results.json is written from. */
export interface ScenarioRecord {
  readonly scenario: string;
  readonly profile: string;
  readonly seed: number;
  readonly valid: Validity;
  /** Every execution, shrinking included. */
  readonly executions: number;
  readonly results: readonly ExecutionRecord[];
  /** For each result, what it was: a generated run, one drawn again for being vacuous, or a shrinking step. */
  readonly phases: readonly ExecutionPhase[];
  readonly failure?: {
    readonly result: ExecutionRecord;
    readonly path: string | null;
    readonly replay: string;
    readonly runsToCatch: number;
    readonly shrinkRuns: number;
  };
  /** Crash points the scenario names that the SUT does not declare (those faults never ran). */
  readonly undeclaredCrashPoints: readonly string[];
}

/**
 * What an execution was: a generated run; a generated run that exercised nothing (power's vacuous)
 * and was drawn again, so that it counts for nothing; or a shrinking step.
 */
export type ExecutionPhase = 'generated' | 'redrawn' | 'shrink';

/** The executions that could not be judged and counted towards the verdict (a redrawn one did not). */
export function unknownExecutions(record: Pick<ScenarioRecord, 'results' | 'phases'>): ExecutionRecord[] {
  return record.results.filter((r, i) => r.valid === 'unknown' && record.phases[i] !== 'redrawn');
}

/** One execution of a scenario, as listed in results.json. */
export interface RunSummary {
  readonly run: string;
  readonly phase: ExecutionPhase | 'replay';
  readonly valid: Validity;
  readonly steps: number;
  readonly durationMs: number;
  readonly anomalies: number;
  readonly unknownBecause?: string;
  /** What the run exercised (absent when the harness could not observe it). */
  readonly power?: Power;
}

/**
 * The part of a sharded campaign a report holds: shard index of total (1-based), and the
 * scenario's generated runs from .. from + count - 1 (0-based run indices of the seed).
 */
export interface ShardSlice {
  readonly index: number;
  readonly total: number;
  readonly from: number;
  readonly count: number;
}

/** results.json: the verdict of one scenario against one SUT, and everything needed to replay it. */
export interface ScenarioResults {
  readonly valid: Validity;
  /** The SUT's name, with +variant for a broken variant. */
  readonly sut: string;
  /** How to load it again: "reference" or the absolute path of its manifest. */
  readonly sutSource: string;
  readonly bug: string | null;
  readonly scenario: string;
  readonly profile: string;
  readonly seed: number;
  /** Kafka brokers the runs had, when more than one: a replay starts as many. */
  readonly kafkaBrokers?: number;
  readonly startedAt: string;
  readonly executions: number;
  readonly anomalies: readonly Anomaly[];
  readonly stats: Readonly<Record<string, number | null>>;
  readonly unknownRuns: readonly { run: string; because: string | undefined }[];
  /** The run the report's charts and history show: the counterexample, else the last run. */
  readonly shownRun: string | null;
  readonly replay: string;
  readonly runs: readonly RunSummary[];
  /** Power over every execution of the scenario. */
  readonly power?: PowerSummary;
  /** Crash points the scenario names that the SUT does not declare: those faults never ran. */
  readonly undeclaredCrashPoints?: readonly string[];
  /** Present when the run was one shard of a campaign (run --shard k/n). */
  readonly shard?: ShardSlice;
  readonly counterexample: {
    readonly steps: number;
    readonly schedule: Schedule;
    readonly path: string | null;
    readonly replay: string;
    readonly runsToCatch: number;
    readonly shrinkRuns: number;
    readonly run: string;
  } | null;
}

export const RESULTS_FILE = 'results.json';

/**
 * Writes results.json, and copies the history and event timings of the run the report shows
 * next to it, so the folder reads on its own.
 */
export function writeScenarioResults(
  dir: string,
  o: {
    sut: string;
    sutSource: string;
    bug?: string;
    startedAt: Date;
    outcome: ScenarioRecord;
    replay: string;
    shard?: ShardSlice;
    kafkaBrokers?: number;
  },
): ScenarioResults {
  const { outcome } = o;
  const failure = outcome.failure;
  const shown = failure?.result ?? outcome.results.at(-1);
  const results: ScenarioResults = {
    valid: outcome.valid,
    sut: o.sut,
    sutSource: o.sutSource,
    bug: o.bug ?? null,
    scenario: outcome.scenario,
    profile: outcome.profile,
    seed: outcome.seed,
    ...((o.kafkaBrokers ?? 1) > 1 ? { kafkaBrokers: o.kafkaBrokers } : {}),
    startedAt: o.startedAt.toISOString(),
    executions: outcome.executions,
    anomalies: failure?.result.verdict?.anomalies ?? [],
    stats: shown?.verdict?.stats ?? {},
    unknownRuns: unknownExecutions(outcome).map((r) => ({ run: path.basename(r.runDir), because: r.unknownBecause })),
    shownRun: shown ? path.basename(shown.runDir) : null,
    replay: failure?.replay ?? o.replay,
    runs: outcome.results.map((r, i) => ({
      run: path.basename(r.runDir),
      phase: outcome.phases[i] ?? 'generated',
      valid: r.valid,
      steps: scheduleSize(r.schedule),
      durationMs: r.durationMs,
      anomalies: r.verdict?.anomalies.length ?? 0,
      ...(r.unknownBecause ? { unknownBecause: r.unknownBecause } : {}),
      ...(r.power ? { power: r.power } : {}),
    })),
    power: summarizeExecutions(outcome.results, outcome.phases),
    undeclaredCrashPoints: outcome.undeclaredCrashPoints,
    ...(o.shard ? { shard: o.shard } : {}),
    counterexample: failure
      ? {
          steps: scheduleSize(failure.result.schedule),
          schedule: failure.result.schedule,
          path: failure.path,
          replay: failure.replay,
          runsToCatch: failure.runsToCatch,
          shrinkRuns: failure.shrinkRuns,
          run: path.basename(failure.result.runDir),
        }
      : null,
  };
  fs.writeFileSync(path.join(dir, RESULTS_FILE), `${JSON.stringify(results, null, 2)}\n`);
  if (shown) {
    for (const file of ['history.jsonl', 'events.json', 'schedule.json']) {
      const from = path.join(shown.runDir, file);
      if (fs.existsSync(from)) fs.copyFileSync(from, path.join(dir, file));
    }
  }
  return results;
}

/** Reads a report folder's results.json; a missing or unreadable one is bad input, said plainly. */
export function readScenarioResults(dir: string): ScenarioResults {
  const file = path.join(dir, RESULTS_FILE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new HarnessError(`cannot read ${file}: ${why}; is ${dir} a report folder written by "outbox-chaos run"?`);
  }
  const r = parsed as Partial<ScenarioResults>;
  if (
    typeof r !== 'object' ||
    r === null ||
    !('valid' in r) ||
    typeof r.scenario !== 'string' ||
    typeof r.sut !== 'string'
  ) {
    throw new HarnessError(`${file} is not an outbox-chaos results file (no valid, sut and scenario fields)`);
  }
  return {
    runs: [],
    unknownRuns: [],
    anomalies: [],
    stats: {},
    shownRun: null,
    replay: '',
    startedAt: '',
    sutSource: r.sut.split('+')[0]!,
    ...r,
  } as ScenarioResults;
}
