/**
 * outbox-chaos as a library, for a project's own test suite:
 *
 * ```ts
 * import { loadManifest, runScenario } from 'outbox-chaos';
 *
 * const sut = loadManifest('./outbox-chaos.json');
 * const result = await runScenario({ sut, scenario: 'relay-crash', runs: 3, seed: 42 });
 * expect(result.valid).toBe(true);
 * ```
 *
 * The CLI's `run` is the same job: both call the run stage's runSuite with the scenario
 * catalogue, so a scenario run here draws, checks and reports exactly as `outbox-chaos run` does.
 * Errors the user can act on (a bad manifest, an unknown scenario, a bad option) are thrown as
 * `HarnessError`, one line each, before any server starts.
 */
import path from 'node:path';
import {
  check as checkAll,
  powerWarnings,
  summarizeExecutions,
  type Anomaly,
  type CheckInput,
  type DrainOutcome,
  type Power,
  type PowerSummary,
  type Validity,
  type Verdict,
} from './checker/index.ts';
import { HarnessError } from './common/errors.ts';
import { startStack as startInfraStack, type Stack, type StackOptions } from './infra/index.ts';
import { mergeShardReports, type MergeOptions, type MergeOutcome } from './report/merge.ts';
import { RESULTS_FILE, type ExecutionPhase, type ShardSlice } from './report/results.ts';
import type { RunProgress } from './run/property.ts';
import { loadSutFrom, type LoadedSut } from './run/setup.ts';
import { parseShard, type Shard } from './run/shard.ts';
import { runSuite, type SuiteOutcome, type SuiteScenario } from './run/suite.ts';
import type { SutDefinition } from './sut/definition.ts';
import type { Schedule } from './workload/schedule.ts';
import { SCENARIOS } from '../scenarios/index.ts';

export { HarnessError };
export type {
  Anomaly,
  CheckInput,
  DrainOutcome,
  MergeOptions,
  MergeOutcome,
  Power,
  PowerSummary,
  RunProgress,
  Schedule,
  Shard,
  ShardSlice,
  Stack,
  SutDefinition,
  Validity,
  Verdict,
};

/**
 * A SUT definition as loadManifest returns it: the manifest, validated and resolved against its
 * folder, and `source`, the manifest's absolute path (or "reference"), which replay commands name.
 */
export type Sut = LoadedSut;

/**
 * Reads and validates a SUT manifest (docs/sut-contract.md): schema, paths resolved against the
 * manifest's folder, its `prepare` and schema commands run. Throws a `HarnessError` naming every
 * problem and where in the manifest it is. Load once and pass the result to several runScenario
 * calls: loading runs `prepare` each time.
 *
 * @param file - the manifest's path (relative to the working directory), or "reference" for the
 *   reference implementation shipped with outbox-chaos.
 */
export function loadManifest(file: string): Sut {
  return loadSutFrom(file);
}

/** The scenario catalogue: the names runScenario takes, each with what it does. */
export function scenarios(): { readonly name: string; readonly description: string }[] {
  return SCENARIOS.map((s) => ({ name: s.name, description: s.description }));
}

/** Options of startStack: where the stack runs. */
export interface StartStackOptions {
  /** native processes (default), Docker containers, or auto (containers when Docker answers). */
  readonly provider?: 'native' | 'containers' | 'auto';
  /** Native only: fixed ports from this one instead of free ones. */
  readonly basePort?: number;
  /** Containers only: image per service. */
  readonly images?: StackOptions['images'];
  /** 1 (default) or 3: a KRaft cluster, topics with replication factor 3. */
  readonly kafkaBrokers?: number;
  readonly log?: (line: string) => void;
}

/**
 * Starts PostgreSQL, Kafka and Toxiproxy for several runScenario calls (pass it as `stack`), which
 * saves a stack start per call. The caller stops it: `await stack.stop()`, in a finally or afterAll.
 */
export function startStack(options: StartStackOptions = {}): Promise<Stack> {
  return startInfraStack(options);
}

/** What runScenario runs, against what, and where its report goes. */
export interface RunScenarioOptions {
  /** "reference", the path of a SUT manifest, or what loadManifest returned. */
  readonly sut: string | Sut;
  /** One scenario's name (see scenarios()). */
  readonly scenario: string;
  /** How hard to look: the load, the fault timeline, runs and shrinking budget. Default quick. */
  readonly profile?: 'quick' | 'ci' | 'deep';
  /** Generated runs; default the profile's. */
  readonly runs?: number;
  /** fast-check seed; default a fresh one (the result says which). Needed with shard. */
  readonly seed?: number;
  /** Executions allowed to shrink a failure; 0 reports the first failure as found. Default the profile's. */
  readonly shrinkRuns?: number;
  /** Withhold the crash-point fault: black-box, as for a SUT that declares none. */
  readonly noCrashPoints?: boolean;
  /** A broken variant the manifest declares (bugs.variants). */
  readonly bug?: string;
  /** Only this shard's slice of the runs, as "k/n" or { index, total }; see `report merge`. */
  readonly shard?: string | Shard;
  /** Where the report folder goes. Default ./outbox-chaos-reports in the working directory. */
  readonly reportDir?: string;
  /** A stack from startStack to run on; without one, a stack is started and stopped (also on error). */
  readonly stack?: Stack;
  /** Where to start a stack when none is given. Default native. */
  readonly provider?: 'native' | 'containers' | 'auto';
  readonly basePort?: number;
  readonly images?: StackOptions['images'];
  /** Kafka brokers of a stack started for the call: 1 (default) or 3. */
  readonly kafkaBrokers?: number;
  /** Progress lines (seed, stack start, one per execution when onRun is absent). */
  readonly log?: (line: string) => void;
  /** Told of every execution as it ends. */
  readonly onRun?: (event: RunProgress) => void;
}

/** One execution: a generated run or a shrinking step. */
export interface ExecutionResult {
  readonly phase: ExecutionPhase;
  readonly valid: Validity;
  readonly anomalies: readonly Anomaly[];
  readonly unknownBecause?: string;
  /** What it exercised; absent when the harness could not observe the run. */
  readonly power?: Power;
  readonly schedule: Schedule;
  readonly durationMs: number;
  /** Its folder: schedule, history, logs, result.json. */
  readonly dir: string;
}

/** The smallest failing schedule found, and how to run it again. */
export interface Counterexample {
  readonly schedule: Schedule;
  readonly anomalies: readonly Anomaly[];
  readonly seed: number;
  /** fast-check's path to it; null when only the recorded schedule replays it. */
  readonly path: string | null;
  /** The one command that replays it. */
  readonly replay: string;
  /** Generated runs until the first failure, counted from run 1 of the seed. */
  readonly runsToCatch: number;
  readonly shrinkRuns: number;
  readonly dir: string;
}

/** The files runScenario wrote. */
export interface ReportPaths {
  /** The scenario's report folder. */
  readonly dir: string;
  readonly results: string;
  readonly html: string;
  readonly junit: string;
  /** The index over every report folder in reportDir. */
  readonly index: string;
  /** With shard: the shard record `report merge` reads. */
  readonly shardRecord?: string;
}

/** A scenario's verdict and everything behind it. */
export interface ScenarioRunResult {
  /** true: every run valid; false: an anomaly (see counterexample); 'unknown': some run could not be judged. */
  readonly valid: Validity;
  readonly scenario: string;
  /** The SUT's name, with +variant for a broken variant. */
  readonly sut: string;
  readonly profile: string;
  readonly seed: number;
  /** The runs covered: 0-based index of the first, and how many (all of them unless sharded). */
  readonly planned: { readonly from: number; readonly count: number };
  readonly shard?: Shard;
  readonly executions: readonly ExecutionResult[];
  /** What the executions exercised, summed. */
  readonly power: PowerSummary;
  /** Why the power may be too low to trust a valid verdict (faults that met no work, few events). */
  readonly powerWarnings: readonly string[];
  /** Crash points the scenario names that the SUT does not declare: those faults never ran. */
  readonly undeclaredCrashPoints: readonly string[];
  readonly counterexample: Counterexample | null;
  /** Why each unknown execution could not be judged. */
  readonly unknownBecause: readonly string[];
  readonly report: ReportPaths;
}

/** The report folder for users' runs unless told otherwise: never inside the installed package. */
const DEFAULT_REPORT_DIR = 'outbox-chaos-reports';

function checkWhole(name: string, value: number | undefined, min: number): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min))
    throw new HarnessError(`${name} must be a whole number >= ${min}, not ${value}`);
}

/**
 * Runs one scenario against a SUT as a fast-check property over generated fault schedules, checks
 * every run, shrinks a failure, and writes the report folder (results.json, report.html,
 * junit.xml). Resolves with the verdict; rejects (a `HarnessError`) only when it cannot run at
 * all: bad options, a bad manifest, a stack that does not start. A run the harness could not
 * judge is `valid: 'unknown'`, never true.
 */
export async function runScenario(options: RunScenarioOptions): Promise<ScenarioRunResult> {
  checkWhole('runs', options.runs, 1);
  checkWhole('shrinkRuns', options.shrinkRuns, 0);
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed))
    throw new HarnessError(`seed must be an integer, not ${options.seed}`);
  const shard = typeof options.shard === 'string' ? parseShard(options.shard) : options.shard;
  if (shard) parseShard(`${shard.index}/${shard.total}`);
  const reportDir = path.resolve(options.reportDir ?? DEFAULT_REPORT_DIR);
  const outcome = await runSuite({
    catalogue: SCENARIOS,
    sut: options.sut,
    bug: options.bug,
    scenarios: [options.scenario],
    profile: options.profile ?? 'quick',
    runs: options.runs,
    seed: options.seed,
    shrinkRuns: options.shrinkRuns,
    withoutCrashPoints: options.noCrashPoints,
    shard,
    reportDir,
    stack: options.stack,
    provider: options.provider,
    basePort: options.basePort,
    images: options.images,
    kafkaBrokers: options.kafkaBrokers,
    log: options.log,
    onRun: options.onRun,
  });
  const s = outcome.scenarios[0];
  if (!s)
    throw new HarnessError(
      `shard ${shard?.index}/${shard?.total} holds no run of ${options.scenario}: use fewer shards than runs`,
    );
  return toResult(s, { reportDir, outcome, shard });
}

function toResult(s: SuiteScenario, o: { reportDir: string; outcome: SuiteOutcome; shard?: Shard }): ScenarioRunResult {
  const f = s.failure;
  const power = summarizeExecutions(s.results, s.phases);
  return {
    valid: s.valid,
    scenario: s.scenario,
    sut: o.outcome.sut,
    profile: s.profile,
    seed: s.seed,
    planned: { from: s.slice.from, count: s.slice.count },
    ...(o.shard ? { shard: o.shard } : {}),
    executions: s.results.map((r, i) => ({
      phase: s.phases[i] ?? 'generated',
      valid: r.valid,
      anomalies: r.verdict?.anomalies ?? [],
      ...(r.unknownBecause ? { unknownBecause: r.unknownBecause } : {}),
      ...(r.power ? { power: r.power } : {}),
      schedule: r.schedule,
      durationMs: r.durationMs,
      dir: r.runDir,
    })),
    power,
    powerWarnings: powerWarnings(power),
    undeclaredCrashPoints: s.undeclaredCrashPoints,
    counterexample: f
      ? {
          schedule: f.result.schedule,
          anomalies: f.result.verdict?.anomalies ?? [],
          seed: f.seed,
          path: f.path,
          replay: f.replay,
          runsToCatch: f.runsToCatch,
          shrinkRuns: f.shrinkRuns,
          dir: f.result.runDir,
        }
      : null,
    unknownBecause: s.results.filter((r) => r.valid === 'unknown').map((r) => r.unknownBecause ?? 'no reason recorded'),
    report: {
      dir: s.dir,
      results: path.join(s.dir, RESULTS_FILE),
      html: path.join(s.dir, 'report.html'),
      junit: path.join(s.dir, 'junit.xml'),
      index: path.join(o.reportDir, 'index.html'),
      ...(o.outcome.shardRecord ? { shardRecord: o.outcome.shardRecord } : {}),
    },
  };
}

/**
 * What check() takes: the final state and what the harness (or your own test) observed. The
 * drain defaults to settled (the state given is final), dead-lettered events to none.
 */
export type CheckObservations = Omit<CheckInput, 'drain' | 'deadLettered'> &
  Partial<Pick<CheckInput, 'drain' | 'deadLettered'>>;

/**
 * The checker alone, pure: every invariant (lost, phantom, effect-missing, effect-duplicated,
 * order, integrity, acknowledged writes) over observations you collected yourself, with the
 * measures. Returns the verdict; nothing is started or written.
 */
export function check(observations: CheckObservations): Verdict {
  return checkAll({
    deadLettered: [],
    drain: { converged: false, settled: true, convergenceMs: null },
    ...observations,
  });
}

/**
 * `outbox-chaos report merge` as a function: the report folders of every shard of one campaign
 * into one folder with one index, one junit.xml and one verdict (exitCode 0 valid, 1 anomalies,
 * 2 unknown, missing or unfinished shard, or shards that do not belong together).
 */
export function mergeShards(options: MergeOptions): MergeOutcome {
  return mergeShardReports(options);
}

export { parseShard };
