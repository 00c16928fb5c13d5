import type { Validity } from '../checker/index.ts';
import { startStack, type Stack, type StackOptions } from '../infra/index.ts';
import type { ScenarioOutcome } from '../run/property.ts';
import { runSuite, type SuiteOptions, loadSut } from '../run/suite.ts';
import { scheduleSize } from '../workload/schedule.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { HarnessError } from '../infra/errors.ts';

export interface MatrixOptions {
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
  readonly log?: (line: string) => void;
  readonly onRun?: SuiteOptions['onRun'];
  readonly print?: (line: string) => void;
  /** An already running stack to use; otherwise one is started and stopped. */
  readonly stack?: Stack;
  readonly provider?: StackOptions['provider'];
  readonly basePort?: number;
  readonly images?: StackOptions['images'];
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
  readonly variants: readonly { readonly variant: string; readonly caught: boolean; readonly cells: readonly MatrixCell[] }[];
}

/**
 * Every broken variant against the scenarios, through the same generated schedules a correct SUT
 * gets: the harness is not told which variant runs. One stack serves the whole matrix.
 */
export async function runMatrix(options: MatrixOptions): Promise<MatrixReport> {
  const def = loadSut(options.sut);
  const all = def.bugs?.variants ?? [];
  if (all.length === 0) throw new HarnessError(`${def.name} declares no bug variants`);
  const variants = options.variants === 'all' ? all : options.variants;
  for (const v of variants) if (!all.includes(v)) throw new HarnessError(`unknown variant "${v}"; variants: ${all.join(', ')}`);
  const scenarios = options.scenarios === 'all' ? SCENARIOS.map((s) => s.name) : options.scenarios;

  const stack = options.stack ?? (await startStack({ provider: options.provider, basePort: options.basePort, images: options.images, log: options.log }));
  const rows: MatrixReport['variants'][number][] = [];
  try {
    for (const variant of variants) {
      const cells: MatrixCell[] = [];
      for (const scenario of scenarios) {
        const started = Date.now();
        const suite = await runSuite({ sut: options.sut, bug: variant, scenarios: [scenario], profile: options.profile, reportDir: options.reportDir, stack, log: options.log, onRun: options.onRun, seed: options.seed, withoutCrashPoints: options.withoutCrashPoints, shrinkRuns: options.shrinkRuns, runs: options.runs });
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
        options.log?.(`matrix ${variant} x ${scenario}: ${cell.caught ? `caught at run ${cell.runsToCatch}, shrunk to ${cell.shrunkSteps} steps` : s.valid === 'unknown' ? 'unknown' : 'not caught'} (${cell.seconds}s)`);
        if (options.firstCatch && cell.caught) break;
      }
      rows.push({ variant, caught: cells.some((c) => c.caught), cells });
    }
  } finally {
    if (!options.stack) await stack.stop();
  }
  const report: MatrixReport = { sut: options.sut, profile: options.profile, withoutCrashPoints: options.withoutCrashPoints ?? false, variants: rows };
  if (options.print) printMatrix(report, scenarios, options.print);
  return report;
}

function secondsToCatch(s: ScenarioOutcome): number {
  let ms = 0;
  let generated = 0;
  for (const [i, r] of s.results.entries()) {
    if (s.phases[i] !== 'generated') continue;
    ms += r.durationMs;
    if (++generated >= (s.failure?.runsToCatch ?? Infinity)) break;
  }
  return Math.round(ms / 100) / 10;
}

/** Rows are variants, columns scenarios; a cell reads runs-to-catch/shrunk-steps, '-' for not caught, '?' for unknown. */
export function printMatrix(report: MatrixReport, scenarios: readonly string[], print: (line: string) => void): void {
  const width = Math.max(...scenarios.map((s) => s.length), 7);
  print(`${'variant'.padEnd(24)}${scenarios.map((s) => s.padStart(width + 2)).join('')}  caught`);
  for (const row of report.variants) {
    const cells = scenarios.map((s) => {
      const cell = row.cells.find((c) => c.scenario === s);
      const text = !cell ? '' : cell.caught ? `${cell.runsToCatch}/${cell.shrunkSteps}/${Math.round(cell.secondsToCatch ?? 0)}s` : cell.valid === 'unknown' ? '?' : '-';
      return text.padStart(width + 2);
    });
    print(`${row.variant.padEnd(24)}${cells.join('')}  ${row.caught ? 'yes' : 'NO'}`);
  }
  print(`crash points: ${report.withoutCrashPoints ? 'withheld (black-box)' : 'used where the SUT declares them'}`);
  print('cell: generated runs to catch / steps in the shrunk counterexample (the load plus each fault) / wall time to catch; - not caught; ? unknown; blank not run');
}
