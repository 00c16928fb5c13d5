import path from 'node:path';
import type { Command } from 'commander';
import { falseAlarms } from '../../run/false-alarms.ts';
import { SCENARIOS } from '../../../scenarios/index.ts';
import { integer, positiveInt, stackOptions, suiteFlags, type SuiteFlags } from '../args.ts';
import { out, outJson, type CommandContext } from '../context.ts';

/** `false-alarms`: the correct SUT, run after run; anything but valid is counted. */
export function registerFalseAlarms(program: Command, ctx: CommandContext): void {
  suiteFlags(
    program.command('false-alarms').description('run the correct SUT repeatedly and count results that were not valid'),
  )
    .option('--runs <n>', 'how many scenario runs in total', positiveInt('--runs'), 50)
    .option('--seed <n>', 'fast-check seed (default: a fresh one, printed)', integer)
    .action(async (flags: SuiteFlags & { runs: number; seed?: number }) => {
      const report = await falseAlarms({
        catalogue: SCENARIOS,
        sut: flags.sut,
        runs: flags.runs,
        profile: flags.profile,
        ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
        reportDir: path.resolve(flags.reportDir),
        ...stackOptions(flags),
        log: ctx.progress.log,
      });
      if (flags.json) outJson(report);
      else
        out(
          `${report.runs} runs of ${flags.sut} (seed ${report.seed}): ${report.valid} valid, ${report.invalid} invalid, ${report.unknown} unknown`,
        );
      ctx.setCode(report.invalid > 0 ? 1 : report.unknown > 0 ? 2 : 0);
    });
}
