import path from 'node:path';
import type { Command } from 'commander';
import {
  DEFAULT_REPEAT,
  DEFAULT_STEADY_WARM_UP_SECONDS,
  DEFAULT_WARM_UP_EVENTS,
  runBench,
  writeBenchReport,
} from '../../bench/index.ts';
import { benchExitCode } from '../../bench/outcome.ts';
import { HarnessError } from '../../common/errors.ts';
import { list, nonNegativeInt, positiveInt, stackFlags, stackOptions, type StackFlags } from '../args.ts';
import { out, type CommandContext } from '../context.ts';
import { printBench } from '../summary.ts';

interface BenchFlags extends StackFlags {
  sut: string;
  events: number;
  backlogs: string;
  replicas: string;
  batchSizes: string;
  rates: string;
  steadySeconds: number;
  steadyWarmUp: number;
  limits: boolean;
  drainTimeout: number;
  stallSeconds: number;
  warmUp: number;
  repeat: number;
  json?: string;
}

/** A comma-separated list of whole numbers >= 1. */
function counts(name: string, value: string): number[] {
  return list(value).map((x) => {
    const n = Number(x);
    if (!Number.isInteger(n) || n < 1)
      throw new HarnessError(`${name} takes whole numbers >= 1, comma-separated: "${value}"`);
    return n;
  });
}

/**
 * `bench`: drain throughput and latency of any SUT, through its manifest, beside raw limits, on one
 * stack. Exits 1 when a SUT lost events, 2 when one could not be measured, else 0.
 */
export function registerBench(program: Command, ctx: CommandContext): void {
  stackFlags(program.command('bench'))
    .description(
      "relay drain throughput (against backlog and replicas), consumer apply rate, steady-state latency and the writers' ceiling of each SUT, through its manifest's bench section, beside PostgreSQL and Kafka limits, on one stack",
    )
    .option('--sut <list>', 'SUTs to measure, comma-separated: "reference" or a manifest path', 'reference')
    .option('--events <n>', 'backlog per drain in the replicas x batch-size runs', positiveInt('--events'), 100_000)
    .option('--backlogs <list>', 'backlog sizes for the drain-rate curve (1 replica), or "none"', '1000,10000,100000')
    .option('--replicas <list>', 'relay replica counts, comma-separated', '1,2,4')
    .option(
      '--batch-sizes <list>',
      'relay batch sizes, comma-separated (for SUTs whose manifest names the variable)',
      '500,1000',
    )
    .option('--rates <list>', 'steady-state writer rates in events/s, comma-separated, or "none"', '500,1000,2000')
    .option('--steady-seconds <n>', 'how long the writers run at each rate', positiveInt('--steady-seconds'), 10)
    .option(
      '--steady-warm-up <s>',
      'how long they run at each rate before that window, untimed (its events are still checked for loss)',
      nonNegativeInt('--steady-warm-up'),
      DEFAULT_STEADY_WARM_UP_SECONDS,
    )
    .option(
      '--drain-timeout <s>',
      'the most one drain may take; a relay still short then is reported as "N of M in T s", never as a rate',
      positiveInt('--drain-timeout'),
      600,
    )
    .option(
      '--stall-seconds <s>',
      'how long Kafka may gain nothing before a drain counts as "stalled at N of M" (and the consumer as stalled)',
      positiveInt('--stall-seconds'),
      60,
    )
    .option(
      '--warm-up <events>',
      'events each drain relays before its measured backlog commits, on the same replicas (0: measure from a cold start)',
      nonNegativeInt('--warm-up'),
      DEFAULT_WARM_UP_EVENTS,
    )
    .option(
      '--repeat <n>',
      'how many times each drain, steady run and limit is measured; the median run is reported, a run that lost or stalled instead (1: one run each)',
      positiveInt('--repeat'),
      DEFAULT_REPEAT,
    )
    .option('--no-limits', 'skip the PostgreSQL and Kafka limits')
    .option('--json <file>', 'write the figures as JSON, and a plot next to it (.html)')
    .action(async (flags: BenchFlags) => {
      const suts = list(flags.sut);
      if (suts.length === 0) throw new HarnessError('--sut takes "reference" or manifest paths, comma-separated');
      const report = await runBench({
        suts,
        events: flags.events,
        backlogs: flags.backlogs === 'none' ? [] : counts('--backlogs', flags.backlogs),
        replicas: counts('--replicas', flags.replicas),
        batchSizes: counts('--batch-sizes', flags.batchSizes),
        rates: flags.rates === 'none' ? [] : counts('--rates', flags.rates),
        steadySeconds: flags.steadySeconds,
        steadyWarmUpSeconds: flags.steadyWarmUp,
        limits: flags.limits,
        drainTimeoutSeconds: flags.drainTimeout,
        stallSeconds: flags.stallSeconds,
        warmUpEvents: flags.warmUp,
        repeat: flags.repeat,
        ...stackOptions(flags),
        log: ctx.progress.log,
      });
      if (flags.json) {
        const html = writeBenchReport(report, path.resolve(flags.json));
        process.stderr.write(`wrote ${path.resolve(flags.json)} and ${html}\n`);
      }
      printBench(report, out);
      // Like run: 1 when events were lost, 2 when a SUT was not measured at all.
      ctx.setCode(benchExitCode(report.suts));
    });
}
