import fs from 'node:fs';
import path from 'node:path';
import type { Validity } from '../checker/index.ts';
import { HarnessError } from '../common/errors.ts';
import type { SutDefinition } from '../sut/definition.ts';
import { profileNamed, type Profile } from './profiles.ts';
import { runScenario, type RunProgress, type ScenarioOutcome } from './property.ts';
import type { Scenario } from './scenario.ts';
import { folderStamp, loadSut, withRunSettings, type StackChoice } from './setup.ts';
import { writeScenarioResults } from '../report/results.ts';
import { rebuildIndex, writeScenarioReport } from '../report/write.ts';

export interface SuiteOptions extends StackChoice {
  /**
   * The scenarios to choose from (scenarios/index.ts for the CLI and the tests). Passed in, so the
   * run stage does not reach up to the catalogue that is built on top of it.
   */
  readonly catalogue: readonly Scenario[];
  /** 'reference', or (with the third-party contract) a manifest path. */
  readonly sut: string;
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
  readonly reportDir: string;
  readonly onRun?: (event: RunProgress) => void;
}

export interface SuiteOutcome {
  readonly valid: Validity;
  readonly scenarios: readonly (ScenarioOutcome & { readonly dir: string })[];
}

/** Checks names before anything starts, so bad input fails in a second, not after a stack boot. */
function resolveSuite(options: SuiteOptions): { def: SutDefinition; profile: Profile; scenarios: Scenario[] } {
  const def = loadSut(options.sut);
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
  if (options.path !== undefined && scenarios.length !== 1)
    throw new HarnessError('--path replays one scenario: name it with --scenario');
  if (options.path !== undefined && options.seed === undefined)
    throw new HarnessError('--path needs the --seed it was found with');
  return { def, profile, scenarios };
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
}): string {
  const bug = o.bug ? ` --bug ${o.bug}` : '';
  // The schedule at a path is drawn from the scenario's faults as they were offered, so a failure
  // found without crash points replays only without them.
  const draw = o.withoutCrashPoints ? ' --no-crash-points' : '';
  return `npx outbox-chaos replay --sut ${o.sut}${bug} --scenario ${o.scenario} --profile ${o.profile}${draw} --seed ${o.seed} --path ${o.path}`;
}

/**
 * Runs scenarios against one SUT on one stack and writes, per scenario,
 * <reportDir>/<timestamp>-<sut>-<scenario>/results.json with the verdict, anomalies, stats and
 * the shrunk counterexample with its replay command.
 */
export async function runSuite(options: SuiteOptions): Promise<SuiteOutcome> {
  const { def, profile, scenarios } = resolveSuite(options);
  const outcomes: (ScenarioOutcome & { dir: string })[] = [];
  await withRunSettings({ ...options, def, profile }, async (settings) => {
    const sutSource = options.sut === 'reference' ? 'reference' : path.resolve(options.sut);
    const sutLabel = options.bug ? `${def.name}+${options.bug}` : def.name;
    for (const scenario of scenarios) {
      const startedAt = new Date();
      const dir = path.join(
        options.reportDir,
        `${folderStamp(startedAt)}-${sutLabel.replace(/[^a-zA-Z0-9+_.-]/g, '_')}-${scenario.name}`,
      );
      fs.mkdirSync(dir, { recursive: true });
      const outcome = await runScenario({
        settings,
        scenario,
        profile,
        dir,
        seed: options.seed,
        path: options.path,
        numRuns: options.runs,
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
              }),
      });
      writeScenarioResults(dir, {
        sut: sutLabel,
        sutSource,
        bug: options.bug,
        startedAt,
        outcome,
        replay: `npx outbox-chaos replay ${dir}`,
      });
      writeScenarioReport(dir);
      rebuildIndex(options.reportDir);
      outcomes.push({ ...outcome, dir });
    }
  });
  const valid = outcomes.some((o) => o.valid === false)
    ? false
    : outcomes.some((o) => o.valid === 'unknown')
      ? 'unknown'
      : true;
  return { valid, scenarios: outcomes };
}
