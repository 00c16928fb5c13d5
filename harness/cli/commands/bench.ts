import path from 'node:path';
import type { Command } from 'commander';
import { runBench, writeBenchReport } from '../../bench/index.ts';
import { HarnessError } from '../../common/errors.ts';
import { list, positiveInt, stackFlags, stackOptions, type StackFlags } from '../args.ts';
import { out, type CommandContext } from '../context.ts';
import { printBench } from '../summary.ts';

interface BenchFlags extends StackFlags {
  events: number;
  replicas: string;
  batchSizes: string;
  rates: string;
  steadySeconds: number;
  thirdParty: boolean;
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

/** `bench`: throughput and latency of the reference relay beside raw baselines, on one stack. */
export function registerBench(program: Command, ctx: CommandContext): void {
  stackFlags(program.command('bench'))
    .description(
      'relay drain throughput against raw kafkajs and PostgreSQL baselines and pg-transactional-outbox, and steady-state latency at fixed rates, on one stack',
    )
    .option('--events <n>', 'outbox rows to drain per configuration', positiveInt('--events'), 100_000)
    .option('--replicas <list>', 'relay replica counts, comma-separated', '1,2,4')
    .option('--batch-sizes <list>', 'relay batch sizes, comma-separated', '100,500')
    .option('--rates <list>', 'steady-state writer rates in events/s, comma-separated, or "none"', '500,2000,5000')
    .option('--steady-seconds <n>', 'how long the writers run at each rate', positiveInt('--steady-seconds'), 15)
    .option('--no-third-party', 'skip the pg-transactional-outbox relay on the same workload')
    .option('--json <file>', 'write the figures as JSON, and a plot next to it (.html)')
    .action(async (flags: BenchFlags) => {
      const report = await runBench({
        events: flags.events,
        replicas: counts('--replicas', flags.replicas),
        batchSizes: counts('--batch-sizes', flags.batchSizes),
        rates: flags.rates === 'none' ? [] : counts('--rates', flags.rates),
        steadySeconds: flags.steadySeconds,
        thirdParty: flags.thirdParty,
        ...stackOptions(flags),
        log: ctx.progress.log,
      });
      if (flags.json) {
        const html = writeBenchReport(report, path.resolve(flags.json));
        process.stderr.write(`wrote ${path.resolve(flags.json)} and ${html}\n`);
      }
      printBench(report, out);
    });
}
