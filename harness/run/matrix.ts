import type { Validity } from '../checker/index.ts';
import { HarnessError } from '../common/errors.ts';
import type { SutDefinition } from '../sut/definition.ts';
import { scheduleSize } from '../workload/schedule.ts';
import type { ScenarioOutcome } from './property.ts';
import { scenariosFor } from './scenario.ts';
import { loadSut, stackBrokers, withStack, type StackChoice } from './setup.ts';
import { runSuite, type SuiteOptions } from './suite.ts';

export interface MatrixOptions extends StackChoice {
  /** The scenarios to choose from, as for a suite. */
  readonly catalogue: SuiteOptions['catalogue'];
  readonly sut: string;
  readonly variants: readonly string[] | 'all';
  readonly scenarios: readonly string[] | 'all';
  readonly profile: string;
  readonly reportDir: string;
  /** Stop at the first scenario that catches each variant. */
  readonly firstCatch: boolean;
  /** One fast-check seed for every cell, so every variant meets the same schedules. */
  readonly seed?: number;
  /** Withhold crash points: what a SUT that declares none would face. */
  readonly withoutCrashPoints?: boolean;
  readonly shrinkRuns?: number;
  /** Generated runs per cell (default: the profile's). */
  readonly runs?: number;
  readonly onRun?: SuiteOptions['onRun'];
}

export interface MatrixCell {
  readonly scenario: string;
  readonly valid: Validity;
  readonly caught: boolean;
  readonly runsToCatch: number | null;
  readonly shrunkSteps: number | null;
  /** Wall time of the generated runs up to and including the one that caught it. */
  readonly secondsToCatch: number | null;
  readonly executions: number;
  readonly seconds: number;
  readonly report: string;
}

export interface MatrixReport {
  readonly sut: string;
  readonly profile: string;
  readonly withoutCrashPoints: boolean;
  /** The scenarios asked for, in order: the matrix's columns. */
  readonly scenarios: readonly string[];
  /** Kafka brokers of the stack. */
  readonly kafkaBrokers: number;
  /** Variants of "all" left out because no fault can expose them on this few brokers, and what they need. */
  readonly notRun: readonly { readonly variant: string; readonly kafkaBrokers: number }[];
  readonly variants: readonly {
    readonly variant: string;
    readonly caught: boolean;
    readonly cells: readonly MatrixCell[];
  }[];
}

/**
 * Every broken variant against the scenarios, through the same generated schedules a correct SUT
 * gets: the harness is not told which variant runs. One stack serves the whole matrix.
 */
export async function runMatrix(options: MatrixOptions): Promise<MatrixReport> {
  const def = loadSut(options.sut);
  const brokers = stackBrokers(options);
  const { variants, notRun } = variantsFor(def, options.variants, brokers);
  const known = options.catalogue.map((s) => s.name);
  const columns = options.scenarios === 'all' ? known : options.scenarios;
  for (const s of columns)
    if (!known.includes(s)) throw new HarnessError(`unknown scenario "${s}"; scenarios: ${known.join(', ')}, all`);
  const scenarios = scenariosFor(
    columns.map((name) => options.catalogue.find((s) => s.name === name)!),
    options.scenarios === 'all',
    brokers,
  ).map((s) => s.name);

  const rows = await withStack(options, async (stack) => {
    const out: MatrixReport['variants'][number][] = [];
    for (const variant of variants) {
      const cells: MatrixCell[] = [];
      for (const scenario of scenarios) {
        const started = Date.now();
        const suite = await runSuite({
          catalogue: options.catalogue,
          sut: options.sut,
          bug: variant,
          scenarios: [scenario],
          profile: options.profile,
          reportDir: options.reportDir,
          stack,
          log: options.log,
          onRun: options.onRun,
          seed: options.seed,
          withoutCrashPoints: options.withoutCrashPoints,
          shrinkRuns: options.shrinkRuns,
          runs: options.runs,
        });
        const s = suite.scenarios[0]!;
        const cell: MatrixCell = {
          scenario,
          valid: s.valid,
          caught: s.valid === false,
          runsToCatch: s.failure?.runsToCatch ?? null,
          shrunkSteps: s.failure ? scheduleSize(s.failure.result.schedule) : null,
          secondsToCatch: s.failure ? secondsToCatch(s) : null,
          executions: s.executions,
          seconds: Math.round((Date.now() - started) / 100) / 10,
          report: s.dir,
        };
        cells.push(cell);
        options.log?.(
          `matrix ${variant} x ${scenario}: ${cell.caught ? `caught at run ${cell.runsToCatch}, shrunk to ${cell.shrunkSteps} steps` : s.valid === 'unknown' ? 'unknown' : 'not caught'} (${cell.seconds}s)`,
        );
        if (options.firstCatch && cell.caught) break;
      }
      out.push({ variant, caught: cells.some((c) => c.caught), cells });
    }
    return out;
  });
  return {
    sut: options.sut,
    profile: options.profile,
    withoutCrashPoints: options.withoutCrashPoints ?? false,
    scenarios,
    kafkaBrokers: brokers,
    notRun,
    variants: rows,
  };
}

/**
 * The variants asked for that a stack with this many brokers can catch. A variant that cannot lose
 * anything there (acks=1 is acks=all without followers) would only show up as a false escape:
 * "all" leaves it out and says so in notRun; one asked for by name is refused, as a scenario is.
 */
export function variantsFor(
  def: SutDefinition,
  asked: readonly string[] | 'all',
  brokers: number,
): { variants: string[]; notRun: MatrixReport['notRun'][number][] } {
  const all = def.bugs?.variants ?? [];
  if (all.length === 0) throw new HarnessError(`${def.name} declares no bug variants`);
  const named = asked === 'all' ? all : asked;
  for (const v of named)
    if (!all.includes(v)) throw new HarnessError(`unknown variant "${v}"; variants: ${all.join(', ')}`);
  const needs = (v: string) => def.bugs?.kafkaBrokers?.[v] ?? 1;
  const notRun = named.filter((v) => needs(v) > brokers).map((v) => ({ variant: v, kafkaBrokers: needs(v) }));
  const most = Math.max(0, ...notRun.map((n) => n.kafkaBrokers));
  if (asked !== 'all' && notRun.length)
    throw new HarnessError(
      `variant ${notRun[0]!.variant} needs ${notRun[0]!.kafkaBrokers} Kafka brokers to be caught: run it with --kafka-brokers ${notRun[0]!.kafkaBrokers}`,
    );
  const variants = named.filter((v) => needs(v) <= brokers);
  if (variants.length === 0)
    throw new HarnessError(
      `no variant of ${def.name} can be caught on ${brokers} Kafka broker(s): run with --kafka-brokers ${most}`,
    );
  return { variants, notRun };
}

function secondsToCatch(s: ScenarioOutcome): number {
  let ms = 0;
  let generated = 0;
  for (const [i, r] of s.results.entries()) {
    if (s.phases[i] === 'shrink') continue;
    ms += r.durationMs;
    if (++generated >= (s.failure?.runsToCatch ?? Infinity)) break;
  }
  return Math.round(ms / 100) / 10;
}
