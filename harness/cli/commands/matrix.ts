import path from 'node:path';
import type { Command } from 'commander';
import { runMatrix } from '../../run/matrix.ts';
import { SCENARIOS } from '../../../scenarios/index.ts';
import { integer, list, nonNegativeInt, positiveInt, stackOptions, suiteFlags, type SuiteFlags } from '../args.ts';
import { out, outJson, type CommandContext } from '../context.ts';
import { printMatrix } from '../summary.ts';

interface MatrixFlags extends SuiteFlags {
  variants: string;
  scenario: string;
  firstCatch?: boolean;
  seed?: number;
  runs?: number;
  shrinkRuns?: number;
  crashPoints: boolean;
}

/** `matrix`: every broken variant against the scenarios; exit 1 when one escapes. */
export function registerMatrix(program: Command, ctx: CommandContext): void {
  suiteFlags(
    program.command('matrix').description('run every broken variant against the scenarios and print what catches what'),
  )
    .option('--variants <names>', 'variants, comma-separated, or "all"', 'all')
    .option('--scenario <names>', 'scenario names, comma-separated, or "all"', 'all')
    .option('--first-catch', 'stop at the first scenario that catches each variant')
    .option('--seed <n>', 'one fast-check seed for every cell', integer)
    .option('--runs <n>', "generated runs per cell (default: the profile's)", positiveInt('--runs'))
    .option(
      '--shrink-runs <n>',
      "executions allowed for shrinking each catch (default: the profile's)",
      nonNegativeInt('--shrink-runs'),
    )
    .option('--no-crash-points', 'withhold the crash-point fault: what a SUT that declares no crash points faces')
    .action(async (flags: MatrixFlags) => {
      const matrix = await runMatrix({
        catalogue: SCENARIOS,
        sut: flags.sut,
        variants: flags.variants === 'all' ? 'all' : list(flags.variants),
        scenarios: flags.scenario === 'all' ? 'all' : list(flags.scenario),
        profile: flags.profile,
        reportDir: path.resolve(flags.reportDir),
        firstCatch: Boolean(flags.firstCatch),
        seed: flags.seed,
        shrinkRuns: flags.shrinkRuns,
        runs: flags.runs,
        withoutCrashPoints: !flags.crashPoints,
        ...stackOptions(flags),
        log: ctx.progress.log,
        onRun: (e) => ctx.progress.onRun(e),
      }).finally(() => ctx.progress.stop());
      if (flags.json) outJson(matrix);
      else printMatrix(matrix, out);
      // Every variant must be caught; a variant that escapes is a failure of the harness.
      ctx.setCode(matrix.variants.every((v) => v.caught) ? 0 : 1);
    });
}
