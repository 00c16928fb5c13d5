import fs from 'node:fs';
import path from 'node:path';
import type { Validity } from '../checker/index.ts';
import { HarnessError } from '../common/errors.ts';
import { profileNamed, type Profile } from './profiles.ts';
import { runScenario, type RunProgress, type ScenarioOutcome } from './property.ts';
import { scenariosFor, type Scenario } from './scenario.ts';
import { folderStamp, loadSutFrom, stackBrokers, withRunSettings, type LoadedSut, type StackChoice } from './setup.ts';
import { writeScenarioResults } from '../report/results.ts';
import { writeShardRecord, type ShardSliceRecord } from '../report/shard-record.ts';
import { rebuildIndex, writeScenarioReport } from '../report/write.ts';
import { planSlices, shardLabel, type PlanSlice, type Shard } from './shard.ts';

export interface SuiteOptions extends StackChoice {
  /**
   * The scenarios to choose from (scenarios/index.ts for the CLI and the tests). Passed in, so the
   * run stage does not reach up to the catalogue that is built on top of it.
   */
  readonly catalogue: readonly Scenario[];
  /** 'reference', a manifest path (the third-party contract), or a SUT loaded before. */
  readonly sut: string | LoadedSut;
  readonly bug?: string;
  readonly scenarios: readonly string[] | 'all';
  readonly profile: string;
  readonly runs?: number;
  /** Overrides the profile's shrinking budget; 0 reports the first failure unshrunk, fast. */
  readonly shrinkRuns?: number;
  /** Withholds the crash-point fault: black-box, as for a SUT that declares none. */
  readonly withoutCrashPoints?: boolean;
  readonly seed?: number;
  readonly path?: string;
  /**
   * Runs only this shard's part of the scenario × run plan (shard.ts), and records it in
   * <reportDir>/shard-k-of-n.json for `report merge`. Needs a seed every shard shares.
   */
  readonly shard?: Shard;
  readonly reportDir: string;
  readonly onRun?: (event: RunProgress) => void;
}

export interface SuiteScenario extends ScenarioOutcome {
  /** Its report folder. */
  readonly dir: string;
  /** The generated runs it covered: all of them, or a shard's slice. */
  readonly slice: PlanSlice;
}

export interface SuiteOutcome {
  readonly valid: Validity;
  /** The SUT's name, with +variant for a broken variant. */
  readonly sut: string;
  readonly scenarios: readonly SuiteScenario[];
  readonly shard?: Shard;
  /** The shard record (run --shard), for `report merge`. */
  readonly shardRecord?: string;
}

interface ResolvedSuite {
  def: LoadedSut;
  profile: Profile;
  scenarios: Scenario[];
}

/** Checks names before anything starts, so bad input fails in a second, not after a stack boot. */
function resolveSuite(options: SuiteOptions): ResolvedSuite {
  const def = typeof options.sut === 'string' ? loadSutFrom(options.sut) : options.sut;
  if (options.bug !== undefined) {
    const variants = def.bugs?.variants ?? [];
    if (!variants.includes(options.bug)) {
      throw new HarnessError(
        `unknown bug variant "${options.bug}" for ${def.name}; variants: ${variants.join(', ') || '(none)'}`,
      );
    }
  }
  let profile: Profile;
  try {
    profile = profileNamed(options.profile);
  } catch (err) {
    throw new HarnessError((err as Error).message);
  }
  const { catalogue } = options;
  const names = options.scenarios === 'all' ? catalogue.map((s) => s.name) : options.scenarios;
  const scenarios = names.map((n) => {
    const scenario = catalogue.find((s) => s.name === n);
    if (!scenario)
      throw new HarnessError(`unknown scenario "${n}"; scenarios: ${catalogue.map((s) => s.name).join(', ')}, all`);
    return scenario;
  });
  const fitting = scenariosFor(scenarios, options.scenarios === 'all', stackBrokers(options));
  if (options.path !== undefined && scenarios.length !== 1)
    throw new HarnessError('--path replays one scenario: name it with --scenario');
  if (options.path !== undefined && options.seed === undefined)
    throw new HarnessError('--path needs the --seed it was found with');
  if (options.shard && options.path !== undefined)
    throw new HarnessError('--shard splits generated runs; --path replays one counterexample: use one or the other');
  if (options.shard && options.seed === undefined)
    throw new HarnessError(
      '--shard needs --seed: every shard must draw from the same seed (in CI, e.g. --seed ${{ github.run_id }})',
    );
  return { def, profile, scenarios: fitting };
}

/** The reproducible command for one failure. */
export function replayCommand(o: {
  sut: string;
  bug?: string;
  scenario: string;
  profile: string;
  seed: number;
  path: string;
  withoutCrashPoints?: boolean;
  kafkaBrokers?: number;
}): string {
  const bug = o.bug ? ` --bug ${o.bug}` : '';
  const brokers = (o.kafkaBrokers ?? 1) > 1 ? ` --kafka-brokers ${o.kafkaBrokers}` : '';
  // The schedule at a path is drawn from the scenario's faults as they were offered, so a failure
  // found without crash points replays only without them.
  const draw = o.withoutCrashPoints ? ' --no-crash-points' : '';
  return `npx outbox-chaos replay --sut ${o.sut}${bug} --scenario ${o.scenario} --profile ${o.profile}${draw} --seed ${o.seed} --path ${o.path}${brokers}`;
}

/**
 * Runs scenarios against one SUT on one stack and writes, per scenario,
 * <reportDir>/<timestamp>-<sut>-<scenario>/results.json with the verdict, anomalies, stats and
 * the shrunk counterexample with its replay command.
 */
export async function runSuite(options: SuiteOptions): Promise<SuiteOutcome> {
  const { def, profile, scenarios } = resolveSuite(options);
  const needs = options.bug === undefined ? undefined : def.bugs?.kafkaBrokers?.[options.bug];
  if (needs !== undefined && needs > stackBrokers(options))
    // Not an error: that nothing is flagged here is itself what a harness must get right.
    options.log?.(
      `${options.bug} needs ${needs} Kafka brokers before any fault can expose it: on ${stackBrokers(options)} a valid verdict is correct`,
    );
  const runs = options.runs ?? profile.numRuns;
  const slices = options.shard
    ? planSlices(
        scenarios.map((s) => s.name),
        runs,
        options.shard,
      )
    : scenarios.map((s) => ({ scenario: s.name, from: 0, count: runs }));
  const sutSource = def.source;
  const sutLabel = options.bug ? `${def.name}+${options.bug}` : def.name;
  const shard = options.shard
    ? trackShard(options, { sut: sutLabel, sutSource, profile, scenarios, runs, slices })
    : undefined;
  if (options.shard && slices.length === 0)
    options.log?.(`shard ${shardLabel(options.shard)} holds no run of this plan (${scenarios.length * runs} runs)`);
  const outcomes: SuiteScenario[] = [];
  if (slices.length > 0) {
    await withRunSettings({ ...options, def, profile }, async (settings) => {
      for (const slice of slices) {
        const scenario = scenarios.find((s) => s.name === slice.scenario)!;
        const startedAt = new Date();
        const part = options.shard ? `-shard-${options.shard.index}-of-${options.shard.total}` : '';
        const dir = path.join(
          options.reportDir,
          `${folderStamp(startedAt)}-${sutLabel.replace(/[^a-zA-Z0-9+_.-]/g, '_')}-${scenario.name}${part}`,
        );
        fs.mkdirSync(dir, { recursive: true });
        const outcome = await runScenario({
          settings,
          scenario,
          profile,
          dir,
          seed: options.seed,
          path: options.path,
          numRuns: slice.count,
          firstRun: slice.from,
          shrinkRuns: options.shrinkRuns,
          draw: { withoutCrashPoints: options.withoutCrashPoints },
          log: options.log,
          onRun: options.onRun,
          replayCommand: (seed, p) =>
            p === undefined
              ? `npx outbox-chaos replay ${dir}`
              : replayCommand({
                  sut: sutSource,
                  bug: options.bug,
                  scenario: scenario.name,
                  profile: profile.name,
                  seed,
                  path: p,
                  withoutCrashPoints: options.withoutCrashPoints,
                  kafkaBrokers: settings.stack.brokers.length,
                }),
        });
        writeScenarioResults(dir, {
          sut: sutLabel,
          sutSource,
          bug: options.bug,
          startedAt,
          outcome,
          replay: `npx outbox-chaos replay ${dir}`,
          kafkaBrokers: settings.stack.brokers.length,
          ...(options.shard ? { shard: { ...options.shard, from: slice.from, count: slice.count } } : {}),
        });
        writeScenarioReport(dir);
        rebuildIndex(options.reportDir);
        outcomes.push({ ...outcome, dir, slice });
        shard?.written(slice, dir, outcome.valid);
      }
    });
  }
  shard?.finish();
  const valid = outcomes.some((o) => o.valid === false)
    ? false
    : outcomes.some((o) => o.valid === 'unknown')
      ? 'unknown'
      : true;
  return {
    valid,
    sut: sutLabel,
    scenarios: outcomes,
    ...(options.shard ? { shard: options.shard, shardRecord: shard?.file } : {}),
  };
}

/**
 * Keeps a shard's record on disk from its start: written before the stack starts and again as
 * each scenario ends, so a shard that dies leaves a record saying how far it got.
 */
function trackShard(
  options: SuiteOptions,
  campaign: {
    sut: string;
    sutSource: string;
    profile: Profile;
    scenarios: readonly Scenario[];
    runs: number;
    slices: readonly PlanSlice[];
  },
): { file: string; written(slice: PlanSlice, dir: string, valid: Validity): void; finish(): void } {
  const shard = options.shard!;
  const records: ShardSliceRecord[] = campaign.slices.map((s) => ({ ...s, folder: null, valid: null }));
  const base = {
    index: shard.index,
    total: shard.total,
    seed: options.seed!,
    sut: campaign.sut,
    sutSource: campaign.sutSource,
    bug: options.bug ?? null,
    profile: campaign.profile.name,
    withoutCrashPoints: Boolean(options.withoutCrashPoints),
    scenarios: campaign.scenarios.map((s) => s.name),
    runsPerScenario: campaign.runs,
    startedAt: new Date().toISOString(),
  };
  fs.mkdirSync(options.reportDir, { recursive: true });
  const save = (finished: boolean) => writeShardRecord(options.reportDir, { ...base, slices: records, finished });
  const file = save(false);
  return {
    file,
    written(slice, dir, valid) {
      const i = records.findIndex((r) => r.scenario === slice.scenario);
      records[i] = { ...records[i]!, folder: path.relative(options.reportDir, dir), valid };
      save(false);
    },
    finish: () => void save(true),
  };
}
