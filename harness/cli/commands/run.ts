import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { parseShard, type Shard } from '../../run/shard.ts';
import { runSuite, type SuiteOptions } from '../../run/suite.ts';
import { SCENARIOS } from '../../../scenarios/index.ts';
import { integer, list, nonNegativeInt, positiveInt, stackOptions, suiteFlags, type SuiteFlags } from '../args.ts';
import { outJson, out, type CommandContext } from '../context.ts';
import { exitCodeOf, printSuite, suiteJson } from '../summary.ts';

/** Exit codes of a finished check, as the help states them. */
const CHECK_EXIT = 'exit 0 valid, 1 anomalies, 2 unknown or error';

interface RunFlags extends SuiteFlags {
  scenario: string;
  runs?: number;
  seed?: number;
  path?: string;
  shrinkRuns?: number;
  crashPoints: boolean;
  shard?: Shard;
}

/** `run`: scenarios against a SUT, a report folder per scenario. */
export function registerRun(program: Command, ctx: CommandContext): void {
  suiteFlags(program.command('run').description(`run scenarios against a SUT and write reports; ${CHECK_EXIT}`))
    .option('--scenario <names>', 'scenario names, comma-separated, or "all"', 'all')
    .option('--runs <n>', "generated runs per scenario (default: the profile's)", positiveInt('--runs'))
    .option('--seed <n>', 'fast-check seed', integer)
    .option('--path <path>', 'fast-check path of one counterexample (with --seed and one --scenario)')
    .option(
      '--shrink-runs <n>',
      "executions allowed for shrinking a failure; 0 reports it as found (default: the profile's)",
      nonNegativeInt('--shrink-runs'),
    )
    .option('--no-crash-points', 'withhold the crash-point fault: test the SUT black-box, as one that declares none')
    .option(
      '--shard <k/n>',
      'run the k-th of n slices of the scenario × run plan (needs --seed); merge the shards with "report merge"',
      shardArg,
    )
    .action(async (flags: RunFlags) => {
      await runAndPrintSuite(ctx, flags, {
        sut: flags.sut,
        bug: flags.bug,
        scenarios: flags.scenario === 'all' ? 'all' : list(flags.scenario),
        profile: flags.profile,
        runs: flags.runs,
        shrinkRuns: flags.shrinkRuns,
        withoutCrashPoints: !flags.crashPoints,
        seed: flags.seed,
        path: flags.path,
        shard: flags.shard,
        reportDir: path.resolve(flags.reportDir),
      });
    });
}

/** --shard's parser: a bad value is commander's one-line "invalid argument" and exit 2. */
function shardArg(value: string): Shard {
  try {
    return parseShard(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message.replace(/^--shard /, ''));
  }
}

/**
 * Runs a suite of the scenario catalogue on the stack the flags ask for, with progress on stderr,
 * then prints its outcome (a table, or JSON with --json) and sets the exit code from its verdict.
 */
export async function runAndPrintSuite(
  ctx: CommandContext,
  flags: SuiteFlags,
  options: Omit<SuiteOptions, 'catalogue' | 'provider' | 'basePort' | 'images' | 'log' | 'onRun'>,
): Promise<void> {
  const outcome = await runSuite({
    ...options,
    catalogue: SCENARIOS,
    ...stackOptions(flags),
    log: ctx.progress.log,
    onRun: (e) => ctx.progress.onRun(e),
  }).finally(() => ctx.progress.stop());
  if (flags.json) outJson(suiteJson(outcome));
  else printSuite(outcome, out);
  ctx.setCode(exitCodeOf(outcome.valid));
}
