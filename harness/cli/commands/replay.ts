import path from 'node:path';
import type { Command } from 'commander';
import { HarnessError } from '../../common/errors.ts';
import { replayReport } from '../../run/replay.ts';
import { integer, stackOptions, suiteFlags, type SuiteFlags } from '../args.ts';
import { out, outJson, type CommandContext } from '../context.ts';
import { exitCodeOf, printReplay } from '../summary.ts';
import { runAndPrintSuite } from './run.ts';

interface ReplayFlags extends SuiteFlags {
  scenario?: string;
  seed?: number;
  path?: string;
  crashPoints: boolean;
}

/** `replay`: a report folder's recorded schedule, or a generated one named by seed and path. */
export function registerReplay(program: Command, ctx: CommandContext): void {
  suiteFlags(
    program
      .command('replay')
      .description('replay a failure: from a report folder, or from --scenario, --seed and --path'),
  )
    .argument('[report]', 'a report folder written by run')
    .option('--scenario <name>', 'the scenario of the failure')
    .option('--seed <n>', 'fast-check seed', integer)
    .option('--path <path>', 'fast-check path')
    .option('--no-crash-points', 'the failure was found with the crash-point fault withheld')
    .action(async (report: string | undefined, flags: ReplayFlags) => {
      if (report) {
        const replay = await replayReport(path.resolve(report), { log: ctx.progress.log, ...stackOptions(flags) });
        const { result } = replay;
        if (flags.json)
          outJson({ valid: result.valid, anomalies: result.verdict?.anomalies ?? [], runDir: result.runDir });
        else printReplay(replay, out);
        ctx.setCode(exitCodeOf(result.valid));
        return;
      }
      if (!flags.scenario || flags.seed === undefined || !flags.path)
        throw new HarnessError('replay needs a report folder, or --scenario, --seed and --path');
      await runAndPrintSuite(ctx, flags, {
        sut: flags.sut,
        bug: flags.bug,
        scenarios: [flags.scenario],
        profile: flags.profile,
        seed: flags.seed,
        path: flags.path,
        withoutCrashPoints: !flags.crashPoints,
        reportDir: path.resolve(flags.reportDir),
      });
    });
}
