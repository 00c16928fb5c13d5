import fs from 'node:fs';
import path from 'node:path';
import type { Validity } from '../checker/index.ts';
import { HarnessError } from '../infra/errors.ts';
import { startStack, type StackOptions } from '../infra/index.ts';
import type { Stack } from '../infra/stack.ts';
import type { SutDefinition } from '../sut/definition.ts';
import { referenceSut } from '../sut/reference.ts';
import { loadManifest } from '../sut/manifest.ts';
import { SCENARIOS, scenarioNamed } from '../../scenarios/index.ts';
import type { RunSettings } from './execute.ts';
import { profileNamed, type Profile } from './profiles.ts';
import { runScenario, type RunProgress, type ScenarioOutcome } from './property.ts';
import { writeScenarioResults } from '../report/results.ts';
import { rebuildIndex, writeScenarioReport } from '../report/write.ts';

export interface SuiteOptions {
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
  readonly provider?: StackOptions['provider'];
  readonly basePort?: number;
  readonly images?: StackOptions['images'];
  readonly log?: (line: string) => void;
  readonly onRun?: (event: RunProgress) => void;
  /** An already running stack to use (tests); otherwise one is started and stopped. */
  readonly stack?: Stack;
}

export interface SuiteOutcome {
  readonly valid: Validity;
  readonly scenarios: readonly (ScenarioOutcome & { readonly dir: string })[];
}

/** "reference", or the path of any implementation's manifest (docs/sut-contract.md). */
export function loadSut(sut: string): SutDefinition {
  if (sut === 'reference') return referenceSut();
  if (sut.endsWith('.json') || fs.existsSync(sut)) return loadManifest(sut);
  throw new HarnessError(`unknown SUT "${sut}": use "reference" or the path of a SUT manifest (.json; see docs/sut-contract.md)`);
}

/** Checks names before anything starts, so bad input fails in a second, not after a stack boot. */
export function resolveSuite(options: SuiteOptions): { def: SutDefinition; profile: Profile; scenarios: ReturnType<typeof scenarioNamed>[] } {
  const def = loadSut(options.sut);
  if (options.bug !== undefined) {
    const variants = def.bugs?.variants ?? [];
    if (!variants.includes(options.bug)) {
      throw new HarnessError(`unknown bug variant "${options.bug}" for ${def.name}; variants: ${variants.join(', ') || '(none)'}`);
    }
  }
  let profile: Profile;
  try {
    profile = profileNamed(options.profile);
  } catch (err) {
    throw new HarnessError((err as Error).message);
  }
  const names = options.scenarios === 'all' ? SCENARIOS.map((s) => s.name) : options.scenarios;
  const scenarios = names.map((n) => {
    try {
      return scenarioNamed(n);
    } catch (err) {
      throw new HarnessError((err as Error).message);
    }
  });
  if (options.path !== undefined && scenarios.length !== 1) throw new HarnessError('--path replays one scenario: name it with --scenario');
  if (options.path !== undefined && options.seed === undefined) throw new HarnessError('--path needs the --seed it was found with');
  return { def, profile, scenarios };
}

const TEMPLATE = 'sut_template';

/** The reproducible command for one failure. */
export function replayCommand(o: { sut: string; bug?: string; scenario: string; profile: string; seed: number; path: string }): string {
  const bug = o.bug ? ` --bug ${o.bug}` : '';
  return `npx outbox-chaos replay --sut ${o.sut}${bug} --scenario ${o.scenario} --profile ${o.profile} --seed ${o.seed} --path ${o.path}`;
}

/**
 * Runs scenarios against one SUT on one stack and writes, per scenario,
 * <reportDir>/<timestamp>-<sut>-<scenario>/results.json with the verdict, anomalies, stats and
 * the shrunk counterexample with its replay command.
 */
export async function runSuite(options: SuiteOptions): Promise<SuiteOutcome> {
  const { def, profile, scenarios } = resolveSuite(options);
  const stack = options.stack ?? (await startStack({ provider: options.provider, basePort: options.basePort, images: options.images, log: options.log }));
  const outcomes: (ScenarioOutcome & { dir: string })[] = [];
  try {
    await stack.prepareTemplate(TEMPLATE, def.schemaSql);
    const settings: RunSettings = {
      stack,
      def,
      template: TEMPLATE,
      bug: options.bug,
      drainTimeoutMs: profile.drainTimeoutMs,
      quietMs: 3_000,
    };
    const sutSource = options.sut === 'reference' ? 'reference' : path.resolve(options.sut);
    const sutLabel = options.bug ? `${def.name}+${options.bug}` : def.name;
    for (const scenario of scenarios) {
      const startedAt = new Date();
      const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
      const dir = path.join(options.reportDir, `${stamp}-${sutLabel.replace(/[^a-zA-Z0-9+_.-]/g, '_')}-${scenario.name}`);
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
            : replayCommand({ sut: sutSource, bug: options.bug, scenario: scenario.name, profile: profile.name, seed, path: p }),
      });
      writeScenarioResults(dir, { sut: sutLabel, sutSource, bug: options.bug, startedAt, outcome, replay: `npx outbox-chaos replay ${dir}` });
      writeScenarioReport(dir);
      rebuildIndex(options.reportDir);
      outcomes.push({ ...outcome, dir });
    }
  } finally {
    if (!options.stack) await stack.stop();
  }
  const valid = outcomes.some((o) => o.valid === false) ? false : outcomes.some((o) => o.valid === 'unknown') ? 'unknown' : true;
  return { valid, scenarios: outcomes };
}
