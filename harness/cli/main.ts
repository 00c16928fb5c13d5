
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { describeError, HarnessError } from '../infra/errors.ts';
import { PROJECT_ROOT } from '../infra/paths.ts';
import { runSuite, type SuiteOptions, type SuiteOutcome } from '../run/suite.ts';
import { replayReport } from './replay.ts';
import { runMatrix } from './matrix.ts';
import { falseAlarms } from './false-alarms.ts';
import { printSuite, exitCodeOf } from './summary.ts';

const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number >= 1`);
  return n;
};
const integer = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('must be an integer');
  return n;
};
const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

function common(cmd: Command): Command {
  return cmd
    .option('--sut <sut>', 'the system under test: "reference"', 'reference')
    .option('--bug <variant>', 'run a broken variant of the SUT')
    .addOption(new Option('--profile <profile>', 'how hard to look').choices(['quick', 'ci', 'deep']).default('quick'))
    .addOption(new Option('--provider <provider>', 'where the stack runs').choices(['native', 'containers', 'auto']).default('native'))
    .option('--report-dir <dir>', 'where run reports go', path.join(PROJECT_ROOT, 'reports'))
    .option('--json', 'print the outcome as JSON on stdout');
}

interface CommonFlags {
  sut: string;
  bug?: string;
  profile: string;
  provider: 'native' | 'containers' | 'auto';
  reportDir: string;
  json?: boolean;
}

function provider(flags: CommonFlags): 'native' {
  if (flags.provider === 'containers') throw new HarnessError('the containers provider is not available yet; use --provider native');
  return 'native';
}

/** Progress goes to stderr, so that --json output on stdout stays clean. */
const progress = (line: string) => process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const program = new Command('outbox-chaos')
    .description('Chaos and correctness testing for transactional outbox implementations')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showSuggestionAfterError(true);
  let code = 0;

  common(program.command('run').description('run scenarios against a SUT; exit 0 valid, 1 anomalies, 2 unknown or error'))
    .option('--scenario <names>', 'scenario names, comma-separated, or "all"', 'all')
    .option('--runs <n>', 'generated runs per scenario (default: the profile\'s)', positiveInt('--runs'))
    .option('--seed <n>', 'fast-check seed', integer)
    .option('--path <path>', 'fast-check path of one counterexample (with --seed and one --scenario)')
    .action(async (flags: CommonFlags & { scenario: string; runs?: number; seed?: number; path?: string }) => {
      const options: SuiteOptions = {
        sut: flags.sut,
        bug: flags.bug,
        scenarios: flags.scenario === 'all' ? 'all' : list(flags.scenario),
        profile: flags.profile,
        runs: flags.runs,
        seed: flags.seed,
        path: flags.path,
        reportDir: path.resolve(flags.reportDir),
        provider: provider(flags),
        log: progress,
      };
      const outcome: SuiteOutcome = await runSuite(options);
      if (flags.json) process.stdout.write(`${JSON.stringify(jsonOf(outcome), null, 2)}\n`);
      else printSuite(outcome, (l) => process.stdout.write(`${l}\n`));
      code = exitCodeOf(outcome.valid);
    });

  common(program.command('replay').description('replay a failure: from a report folder, or from --scenario, --seed and --path'))
    .argument('[report]', 'a report folder written by run')
    .option('--scenario <name>', 'the scenario of the failure')
    .option('--seed <n>', 'fast-check seed', integer)
    .option('--path <path>', 'fast-check path')
    .action(async (report: string | undefined, flags: CommonFlags & { scenario?: string; seed?: number; path?: string }) => {
      if (report) {
        const valid = await replayReport(path.resolve(report), { log: progress, json: flags.json });
        code = exitCodeOf(valid);
        return;
      }
      if (!flags.scenario || flags.seed === undefined || !flags.path) throw new HarnessError('replay needs a report folder, or --scenario, --seed and --path');
      const outcome = await runSuite({
        sut: flags.sut, bug: flags.bug, scenarios: [flags.scenario], profile: flags.profile, seed: flags.seed, path: flags.path,
        reportDir: path.resolve(flags.reportDir), provider: provider(flags), log: progress,
      });
      if (flags.json) process.stdout.write(`${JSON.stringify(jsonOf(outcome), null, 2)}\n`);
      else printSuite(outcome, (l) => process.stdout.write(`${l}\n`));
      code = exitCodeOf(outcome.valid);
    });

  common(program.command('matrix').description('run every broken variant against the scenarios and print what catches what'))
    .option('--variants <names>', 'variants, comma-separated, or "all"', 'all')
    .option('--scenario <names>', 'scenario names, comma-separated, or "all"', 'all')
    .option('--first-catch', 'stop at the first scenario that catches each variant')
    .option('--seed <n>', 'one fast-check seed for every cell', integer)
    .action(async (flags: CommonFlags & { variants: string; scenario: string; firstCatch?: boolean; seed?: number }) => {
      const matrix = await runMatrix({
        sut: flags.sut,
        variants: flags.variants === 'all' ? 'all' : list(flags.variants),
        scenarios: flags.scenario === 'all' ? 'all' : list(flags.scenario),
        profile: flags.profile,
        reportDir: path.resolve(flags.reportDir),
        firstCatch: Boolean(flags.firstCatch),
        seed: flags.seed,
        log: progress,
        print: flags.json ? undefined : (l) => process.stdout.write(`${l}\n`),
      });
      if (flags.json) process.stdout.write(`${JSON.stringify(matrix, null, 2)}\n`);
      // Every variant must be caught; a variant that escapes is a failure of the harness.
      code = matrix.variants.every((v) => v.caught) ? 0 : 1;
    });

  common(program.command('false-alarms').description('run the correct SUT repeatedly and count results that were not valid'))
    .option('--runs <n>', 'how many scenario runs in total', positiveInt('--runs'), 50)
    .action(async (flags: CommonFlags & { runs: number }) => {
      const report = await falseAlarms({ sut: flags.sut, runs: flags.runs, profile: flags.profile, reportDir: path.resolve(flags.reportDir), log: progress });
      if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(`${report.runs} runs of ${flags.sut}: ${report.valid} valid, ${report.invalid} invalid, ${report.unknown} unknown\n`);
      code = report.invalid > 0 ? 1 : report.unknown > 0 ? 2 : 0;
    });

  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; every other parse problem is bad input.
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? 0 : 2;
    }
    process.stderr.write(`outbox-chaos: ${describeError(err)}\n`);
    return 2;
  }
}

function jsonOf(outcome: SuiteOutcome) {
  return {
    valid: outcome.valid,
    scenarios: outcome.scenarios.map((s) => ({
      scenario: s.scenario,
      valid: s.valid,
      seed: s.seed,
      executions: s.executions,
      report: s.dir,
      anomalies: s.failure?.result.verdict?.anomalies ?? [],
      replay: s.failure?.replay ?? null,
      shrunkSteps: s.failure?.result.schedule.steps.length ?? null,
      unknownBecause: s.results.filter((r) => r.valid === 'unknown').map((r) => r.unknownBecause),
    })),
  };
}

process.exitCode = await main(process.argv);
// A client library that leaves a handle open must not keep a finished run from exiting.
setTimeout(() => process.exit(), 2_000).unref();
