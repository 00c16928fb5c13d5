
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { describeError, HarnessError } from '../infra/errors.ts';
import { PROJECT_ROOT } from '../infra/paths.ts';
import { runSuite, type SuiteOptions, type SuiteOutcome } from '../run/suite.ts';
import { replayReport } from './replay.ts';
import { runMatrix } from './matrix.ts';
import { falseAlarms } from './false-alarms.ts';
import { printSuite, exitCodeOf } from './summary.ts';
import { integer, list, nonNegativeInt, positiveInt, stackFlags, stackOptions } from './args.ts';
import { summarizePower } from '../checker/index.ts';
import { scheduleSize } from '../workload/schedule.ts';
import { barsWanted, createProgress } from './progress.ts';
import { registerInfra } from './infra.ts';
import { rebuildIndex } from '../report/write.ts';
import { runBench, writeBenchReport, type BenchReport } from '../bench/index.ts';
import { thirdPartyFigure } from '../bench/third-party.ts';
import { formatLatency as fmtLatency } from '../bench/steady.ts';

function common(cmd: Command): Command {
  return stackFlags(
    cmd
      .option('--sut <sut>', 'the system under test: "reference" or the path of a SUT manifest', 'reference')
      .option('--bug <variant>', 'run a broken variant of the SUT')
      .addOption(new Option('--profile <profile>', 'how hard to look').choices(['quick', 'ci', 'deep']).default('quick')),
  )
    .option('--report-dir <dir>', 'where run reports go', path.join(PROJECT_ROOT, 'reports'))
    .option('--json', 'print the outcome as JSON on stdout');
}

interface CommonFlags {
  sut: string;
  bug?: string;
  profile: string;
  provider: 'native' | 'containers' | 'auto';
  reportDir: string;
  basePort?: number;
  json?: boolean;
}

/** Exit codes of a finished check: 0 valid, 1 anomalies, 2 unknown. */
const CHECK_EXIT = 'exit 0 valid, 1 anomalies, 2 unknown or error';

async function main(argv: string[]): Promise<number> {
  const progress = createProgress({ bars: barsWanted() && !argv.includes('--json') });
  const program = new Command('outbox-chaos')
    .description('Chaos and correctness testing for transactional outbox implementations')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showSuggestionAfterError(true);
  let code = 0;

  common(program.command('run').description(`run scenarios against a SUT and write reports; ${CHECK_EXIT}`))
    .option('--scenario <names>', 'scenario names, comma-separated, or "all"', 'all')
    .option('--runs <n>', 'generated runs per scenario (default: the profile\'s)', positiveInt('--runs'))
    .option('--seed <n>', 'fast-check seed', integer)
    .option('--path <path>', 'fast-check path of one counterexample (with --seed and one --scenario)')
    .option('--shrink-runs <n>', "executions allowed for shrinking a failure; 0 reports it as found (default: the profile's)", nonNegativeInt('--shrink-runs'))
    .option('--no-crash-points', 'withhold the crash-point fault: test the SUT black-box, as one that declares none')
    .action(async (flags: CommonFlags & { scenario: string; runs?: number; seed?: number; path?: string; shrinkRuns?: number; crashPoints: boolean }) => {
      const options: SuiteOptions = {
        sut: flags.sut,
        bug: flags.bug,
        scenarios: flags.scenario === 'all' ? 'all' : list(flags.scenario),
        profile: flags.profile,
        runs: flags.runs,
        shrinkRuns: flags.shrinkRuns,
        withoutCrashPoints: !flags.crashPoints,
        seed: flags.seed,
        path: flags.path,
        reportDir: path.resolve(flags.reportDir),
        ...stackOptions(flags),
        log: progress.log,
        onRun: (e) => progress.onRun(e),
      };
      const outcome: SuiteOutcome = await runSuite(options).finally(() => progress.stop());
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
        const valid = await replayReport(path.resolve(report), { log: progress.log, json: flags.json, ...stackOptions(flags) });
        code = exitCodeOf(valid);
        return;
      }
      if (!flags.scenario || flags.seed === undefined || !flags.path) throw new HarnessError('replay needs a report folder, or --scenario, --seed and --path');
      const outcome = await runSuite({
        sut: flags.sut, bug: flags.bug, scenarios: [flags.scenario], profile: flags.profile, seed: flags.seed, path: flags.path,
        reportDir: path.resolve(flags.reportDir), ...stackOptions(flags), log: progress.log, onRun: (e) => progress.onRun(e),
      }).finally(() => progress.stop());
      if (flags.json) process.stdout.write(`${JSON.stringify(jsonOf(outcome), null, 2)}\n`);
      else printSuite(outcome, (l) => process.stdout.write(`${l}\n`));
      code = exitCodeOf(outcome.valid);
    });

  common(program.command('matrix').description('run every broken variant against the scenarios and print what catches what'))
    .option('--variants <names>', 'variants, comma-separated, or "all"', 'all')
    .option('--scenario <names>', 'scenario names, comma-separated, or "all"', 'all')
    .option('--first-catch', 'stop at the first scenario that catches each variant')
    .option('--seed <n>', 'one fast-check seed for every cell', integer)
    .option('--runs <n>', "generated runs per cell (default: the profile's)", positiveInt('--runs'))
    .option('--shrink-runs <n>', "executions allowed for shrinking each catch (default: the profile's)", nonNegativeInt('--shrink-runs'))
    .option('--no-crash-points', 'withhold the crash-point fault: what a SUT that declares no crash points faces')
    .action(async (flags: CommonFlags & { variants: string; scenario: string; firstCatch?: boolean; seed?: number; runs?: number; shrinkRuns?: number; crashPoints: boolean }) => {
      const matrix = await runMatrix({
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
        log: progress.log,
        onRun: (e) => progress.onRun(e),
        print: flags.json ? undefined : (l) => process.stdout.write(`${l}\n`),
      });
      if (flags.json) process.stdout.write(`${JSON.stringify(matrix, null, 2)}\n`);
      // Every variant must be caught; a variant that escapes is a failure of the harness.
      code = matrix.variants.every((v) => v.caught) ? 0 : 1;
    });

  common(program.command('false-alarms').description('run the correct SUT repeatedly and count results that were not valid'))
    .option('--runs <n>', 'how many scenario runs in total', positiveInt('--runs'), 50)
    .action(async (flags: CommonFlags & { runs: number }) => {
      const report = await falseAlarms({ sut: flags.sut, runs: flags.runs, profile: flags.profile, reportDir: path.resolve(flags.reportDir), ...stackOptions(flags), log: progress.log });
      if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(`${report.runs} runs of ${flags.sut}: ${report.valid} valid, ${report.invalid} invalid, ${report.unknown} unknown\n`);
      code = report.invalid > 0 ? 1 : report.unknown > 0 ? 2 : 0;
    });

  program
    .command('report')
    .description('rebuild reports/index.html over every report folder (and, with --pages, each report.html and junit.xml)')
    .argument('[dir]', 'the report folder', path.join(PROJECT_ROOT, 'reports'))
    .option('--pages', 'write every report.html and junit.xml again from its results')
    .action((dir: string, flags: { pages?: boolean }) => {
      const index = rebuildIndex(path.resolve(dir), { pages: flags.pages });
      process.stdout.write(`${index.file}: ${index.reports} report(s)\n`);
      for (const s of index.skipped) process.stderr.write(`skipped ${s.folder}: ${s.why}\n`);
      code = index.skipped.length ? 2 : 0;
    });

  stackFlags(program.command('bench'))
    .description('relay drain throughput against raw kafkajs and PostgreSQL baselines and pg-transactional-outbox, and steady-state latency at fixed rates, on one stack')
    .option('--events <n>', 'outbox rows to drain per configuration', positiveInt('--events'), 100_000)
    .option('--replicas <list>', 'relay replica counts, comma-separated', '1,2,4')
    .option('--batch-sizes <list>', 'relay batch sizes, comma-separated', '100,500')
    .option('--rates <list>', 'steady-state writer rates in events/s, comma-separated, or "none"', '500,2000,5000')
    .option('--steady-seconds <n>', 'how long the writers run at each rate', positiveInt('--steady-seconds'), 15)
    .option('--no-third-party', 'skip the pg-transactional-outbox relay on the same workload')
    .option('--json <file>', 'write the figures as JSON, and a plot next to it (.html)')
    .action(async (flags: { events: number; replicas: string; batchSizes: string; rates: string; steadySeconds: number; thirdParty: boolean; json?: string; provider: string; basePort?: number }) => {
      const numbers = (name: string, v: string) =>
        list(v).map((x) => {
          const n = Number(x);
          if (!Number.isInteger(n) || n < 1) throw new HarnessError(`${name} takes whole numbers >= 1, comma-separated: "${v}"`);
          return n;
        });
      const report = await runBench({
        events: flags.events,
        replicas: numbers('--replicas', flags.replicas),
        batchSizes: numbers('--batch-sizes', flags.batchSizes),
        rates: flags.rates === 'none' ? [] : numbers('--rates', flags.rates),
        steadySeconds: flags.steadySeconds,
        thirdParty: flags.thirdParty,
        ...stackOptions(flags),
        log: progress.log,
      });
      if (flags.json) {
        const html = writeBenchReport(report, path.resolve(flags.json));
        process.stderr.write(`wrote ${path.resolve(flags.json)} and ${html}\n`);
      }
      printBench(report, (l) => process.stdout.write(`${l}\n`));
    });

  registerInfra(program, (c) => (code = c));

  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; every other parse problem is bad input.
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? 0 : 2;
    }
    progress.stop();
    process.stderr.write(`outbox-chaos: ${describeError(err)}\n`);
    return 2;
  } finally {
    progress.stop();
  }
}

function printBench(r: BenchReport, print: (line: string) => void): void {
  print('');
  print(`${'replicas'.padStart(8)} ${'batch'.padStart(6)} ${'events/s'.padStart(9)} ${'drain'.padStart(8)}`);
  for (const x of r.relay.runs) print(`${String(x.replicas).padStart(8)} ${String(x.batchSize).padStart(6)} ${String(x.eventsPerSec).padStart(9)} ${`${(x.ms / 1000).toFixed(1)} s`.padStart(8)}`);
  print('');
  print(`relay (best)           ${r.relay.eventsPerSec} events/s (${r.relay.best.replicas} replica(s), batch ${r.relay.best.batchSize})`);
  print(`kafkajs producer       ${r.baseline.kafkaProducerEventsPerSec} events/s (batch ${r.baseline.batchSize})`);
  print(`PG claim+mark          ${r.baseline.pgClaimMarkEventsPerSec} events/s (batch ${r.baseline.batchSize})`);
  print(`relay / min(baselines) ${r.ratio}`);
  if (r.thirdParty) print(`${r.thirdParty.name} ${thirdPartyFigure(r.thirdParty)} (same workload, 1 replica)`);
  if (r.steady.runs.length === 0) return;
  print('');
  print(`steady state, ${r.steady.windowSeconds} s per rate; latency in ms as p50/p95/p99/max`);
  print(`${'rate/s'.padStart(7)} ${'achieved'.padStart(9)} ${'commit->publish'.padStart(20)} ${'commit->effect'.padStart(20)} ${'catch-up'.padStart(9)}  sustained`);
  for (const x of r.steady.runs) {
    print(`${String(x.rate).padStart(7)} ${String(x.achievedRate).padStart(9)} ${fmtLatency(x.publishMs).padStart(20)} ${fmtLatency(x.effectMs).padStart(20)} ${`${x.catchUpMs} ms`.padStart(9)}  ${x.sustained ? 'yes' : 'no'}`);
  }
  print(`highest rate sustained: ${r.steady.sustainedMaxRate ?? 'none'} events/s`);
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
      shrunkSteps: s.failure ? scheduleSize(s.failure.result.schedule) : null,
      power: summarizePower(s.results.map((r) => r.power)),
      unknownBecause: s.results.filter((r) => r.valid === 'unknown').map((r) => r.unknownBecause),
    })),
  };
}

process.exitCode = await main(process.argv);
// A client library that leaves a handle open must not keep a finished run from exiting.
setTimeout(() => process.exit(), 2_000).unref();
