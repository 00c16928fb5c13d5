// How the commands print their outcomes: tables for people, JSON for programs.
import type { BenchReport } from '../bench/index.ts';
import { applyRate, drainRate, fractionCell, replicaCell, steadyLine } from '../bench/lines.ts';
import { concurrencyText } from '../bench/limits.ts';
import { shortfallLines } from '../bench/outcome.ts';
import { powerWarnings, summarizeExecutions, verdictWord, type Validity } from '../checker/index.ts';
import { describeFault } from '../nemesis/index.ts';
import type { MergeOutcome } from '../report/merge.ts';
import { unknownExecutions } from '../report/results.ts';
import type { MatrixReport } from '../run/matrix.ts';
import type { Replay } from '../run/replay.ts';
import type { SuiteOutcome } from '../run/suite.ts';
import { describeSchedule, scheduleSize } from '../workload/schedule.ts';

/** Jepsen's exit codes: 0 valid, 1 anomalies found, 2 unknown. */
export function exitCodeOf(valid: Validity): number {
  return valid === true ? 0 : valid === false ? 1 : 2;
}

const TERMINAL_ANOMALIES = 8;

/** The summary table, then the detail of every failure and every unknown. */
export function printSuite(outcome: SuiteOutcome, print: (line: string) => void): void {
  print('');
  print(
    `${'scenario'.padEnd(20)} ${'verdict'.padEnd(8)} ${'runs'.padStart(5)} ${'events/run'.padStart(11)} ${'faults met'.padStart(11)} ${'crash pts'.padStart(10)}  report`,
  );
  for (const s of outcome.scenarios) {
    const p = summarizeExecutions(s.results, s.phases);
    const met = p.runsWithFaults ? `${p.runsAllFaultsMetWork}/${p.runsWithFaults}` : 'no faults';
    const crash = p.crashPointsArmed ? `${p.crashPointsFired}/${p.crashPointsArmed}` : '-';
    print(
      `${s.scenario.padEnd(20)} ${verdictWord(s.valid).padEnd(8)} ${String(s.executions).padStart(5)} ${String(p.medianCommittedEvents ?? '-').padStart(11)} ${met.padStart(11)} ${crash.padStart(10)}  ${s.dir}`,
    );
  }
  print(
    'events/run: median committed events per run; faults met: runs whose every fault met work in flight; crash pts: fired/armed',
  );
  for (const s of outcome.scenarios) {
    for (const w of powerWarnings(summarizeExecutions(s.results, s.phases))) print(`${s.scenario}: ${w}`);
    if (s.undeclaredCrashPoints.length)
      print(
        `${s.scenario}: the SUT declares no crash point ${s.undeclaredCrashPoints.join(', ')}; those faults never ran`,
      );
  }
  for (const s of outcome.scenarios) {
    if (s.failure) {
      const f = s.failure;
      print('');
      print(
        `${s.scenario}: INVALID at generated run ${f.runsToCatch}, shrunk to ${scheduleSize(f.result.schedule)} step(s) in ${f.shrinkRuns} shrink run(s)`,
      );
      const anomalies = f.result.verdict?.anomalies ?? [];
      // Under load one kind of loss can touch every aggregate: the terminal gets the first few.
      for (const a of anomalies.slice(0, TERMINAL_ANOMALIES)) {
        print(
          `  ${a.kind.padEnd(18)} ${a.detail}${a.eventIds.length ? ` [${a.eventIds.slice(0, 3).join(', ')}${a.eventIds.length > 3 ? ', ...' : ''}]` : ''}`,
        );
      }
      if (anomalies.length > TERMINAL_ANOMALIES)
        print(`  ... and ${anomalies.length - TERMINAL_ANOMALIES} more anomalies, every one in ${s.dir}/results.json`);
      print('  schedule:');
      describeSchedule(f.result.schedule, describeFault).forEach((line) => print(`    ${line}`));
      print(`  seed ${f.seed}, path ${f.path ?? '(none: replay the recorded schedule)'}`);
      print(`  replay: ${f.replay}`);
    }
    for (const r of s.results.filter((x) => x.valid === 'unknown'))
      print(`${s.scenario}: unknown: ${r.unknownBecause}`);
  }
  if (outcome.shard) {
    print('');
    const parts = outcome.scenarios.map(
      (s) => `${s.scenario} runs ${s.slice.from + 1}-${s.slice.from + s.slice.count}`,
    );
    print(
      `shard ${outcome.shard.index}/${outcome.shard.total}: ${parts.join(', ') || 'no runs of this plan'}; record ${outcome.shardRecord}`,
    );
  }
  print('');
  // A shard that ran nothing observed nothing: it is not a pass, only a part of the campaign.
  if (isEmptyShard(outcome)) print('overall: no runs in this shard; report merge judges the campaign');
  else print(`overall: ${verdictWord(outcome.valid)}`);
}

const isEmptyShard = (outcome: SuiteOutcome) => outcome.shard !== undefined && outcome.scenarios.length === 0;

/** What report merge did: its verdict, what was incomplete or wrong, and where the merged report is. */
export function printMerge(m: MergeOutcome, print: (line: string) => void): void {
  print(`merged ${m.shards.length} of ${m.total} shard(s), ${m.reports.length} report folder(s)`);
  for (const r of m.reports) print(`  shard ${r.shard}/${m.total} ${r.scenario.padEnd(20)} ${verdictWord(r.valid)}`);
  for (const e of m.errors) print(`error: ${e}`);
  for (const p of m.incomplete) print(`incomplete: ${p}`);
  print(`index ${m.index}`);
  print(`junit ${m.junit}`);
  print(`overall: ${m.errors.length ? 'error' : verdictWord(m.valid)}`);
}

/** run --json: one entry per scenario, with what a program needs to act on it. */
export function suiteJson(outcome: SuiteOutcome) {
  return {
    valid: isEmptyShard(outcome) ? null : outcome.valid,
    ...(outcome.shard ? { shard: outcome.shard, shardRecord: outcome.shardRecord } : {}),
    scenarios: outcome.scenarios.map((s) => ({
      scenario: s.scenario,
      valid: s.valid,
      seed: s.seed,
      executions: s.executions,
      runs: { from: s.slice.from, count: s.slice.count },
      report: s.dir,
      anomalies: s.failure?.result.verdict?.anomalies ?? [],
      replay: s.failure?.replay ?? null,
      shrunkSteps: s.failure ? scheduleSize(s.failure.result.schedule) : null,
      power: summarizeExecutions(s.results, s.phases),
      unknownBecause: unknownExecutions(s).map((r) => r.unknownBecause),
    })),
  };
}

/** The verdict of a replay, its anomalies, and where its run folder is. */
export function printReplay({ results, result }: Replay, print: (line: string) => void): void {
  print(`replay of ${results.scenario} against ${results.sut}: ${verdictWord(result.valid)}`);
  for (const a of result.verdict?.anomalies ?? []) print(`  ${a.kind.padEnd(18)} ${a.detail}`);
  if (result.unknownBecause) print(`  unknown: ${result.unknownBecause}`);
  print(`  ${result.runDir}`);
}

/** Rows are variants, columns scenarios; a cell reads runs-to-catch/shrunk-steps, '-' for not caught, '?' for unknown. */
export function printMatrix(report: MatrixReport, print: (line: string) => void): void {
  const { scenarios } = report;
  const width = Math.max(...scenarios.map((s) => s.length), 7);
  print(`${'variant'.padEnd(24)}${scenarios.map((s) => s.padStart(width + 2)).join('')}  caught`);
  for (const row of report.variants) {
    const cells = scenarios.map((s) => {
      const cell = row.cells.find((c) => c.scenario === s);
      const text = !cell
        ? ''
        : cell.caught
          ? `${cell.runsToCatch}/${cell.shrunkSteps}/${Math.round(cell.secondsToCatch ?? 0)}s`
          : cell.valid === 'unknown'
            ? '?'
            : '-';
      return text.padStart(width + 2);
    });
    print(`${row.variant.padEnd(24)}${cells.join('')}  ${row.caught ? 'yes' : 'NO'}`);
  }
  for (const n of report.notRun)
    print(
      `${n.variant.padEnd(24)}not run: needs ${n.kafkaBrokers} Kafka brokers, this stack has ${report.kafkaBrokers} (--kafka-brokers ${n.kafkaBrokers})`,
    );
  print(`crash points: ${report.withoutCrashPoints ? 'withheld (black-box)' : 'used where the SUT declares them'}`);
  print(
    'cell: generated runs to catch / steps in the shrunk counterexample (the load plus each fault) / wall time to catch; - not caught; ? unknown; blank not run',
  );
}

/** Drain throughput per configuration, the baselines, and steady-state latency per rate. */
export function printBench(r: BenchReport, print: (line: string) => void): void {
  print('');
  print(`${r.date}, ${r.machine.host}: ${r.machine.cpus} cores, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}`);
  print(
    `${r.events} events per drain over ${r.aggregates} aggregates, ${r.partitions} partitions; each drain after a warm-up of ${r.warmUpEvents}` +
      (r.repeat > 1 ? `; every figure the median of ${r.repeat} runs` : ''),
  );
  const replicas = [...new Set(r.suts.flatMap((s) => s.drains.map((d) => d.replicas)))].sort((a, b) => a - b);
  const backlogs = [...new Set(r.suts.flatMap((s) => s.curve.map((d) => d.backlog)))].sort((a, b) => a - b);
  // At least one space between columns, however long a "N of M in T s" gets.
  const col = (v: string, w = 14) => ` ${v.padStart(w - 1)}`;
  print('');
  print(
    `${'SUT'.padEnd(36)}${replicas.map((n) => col(`${n} relay(s)`)).join('')}${col('of limit', 9)}${col('consumer', 17)}${col('writers', 9)}${col('sustained', 10)}${col('p99 publish', 12)}`,
  );
  for (const s of r.suts) {
    const top = s.steady.runs.filter((f) => f.sustained).at(-1);
    print(
      `${s.name.padEnd(36)}${replicas.map((n) => col(replicaCell(s, n))).join('')}${col(fractionCell(s), 9)}${col(applyRate(s.apply), 17)}${col(String(s.writerCeiling ?? '-'), 9)}${col(String(s.steady.sustainedMaxRate ?? 'none'), 10)}${col(top?.publishMs.p99 == null ? '-' : `${Math.round(top.publishMs.p99)} ms`, 12)}`,
    );
  }
  for (const s of r.suts) if (s.error) print(`${s.name}: not measured: ${s.error}`);
  for (const line of shortfallLines(r.suts)) print(line);
  print(
    'events/s per relay replicas (best batch); consumer: effects/s on a preloaded topic; writers: one-event transactions/s (8 connections); sustained: highest steady rate kept; p99 publish: at that rate',
  );
  if (backlogs.length) {
    print('');
    print(`drain rate against backlog (1 replica):`);
    print(`${'SUT'.padEnd(36)}${backlogs.map((b) => col(String(b))).join('')}`);
    for (const s of r.suts)
      print(
        `${s.name.padEnd(36)}${backlogs.map((b) => col(((d) => (d ? drainRate(d).replace(' events/s', '') : '-'))(s.curve.find((x) => x.backlog === b)))).join('')}`,
      );
  }
  if (r.limits) {
    print('');
    print(
      `limits (best concurrency): PostgreSQL claim+mark ${r.limits.pgClaimMark.eventsPerSec} (${r.limits.pgClaimMark.concurrency} at once), single statement ${r.limits.pgSingleStatement.eventsPerSec} (${r.limits.pgSingleStatement.concurrency}), Kafka producer ${r.limits.kafkaProducer.eventsPerSec} (${concurrencyText(r.limits.kafkaProducer)}); min ${r.limits.eventsPerSec} events/s`,
    );
    const ofTogether = r.suts
      .filter((s) => s.fractionOfTogether !== null)
      .map((s) => `${s.name} ${s.fractionOfTogether}`);
    print(
      `both at once on this machine (the most a relay could reach here): ${r.limits.together.eventsPerSec} events/s${ofTogether.length ? `; of it: ${ofTogether.join(', ')}` : ''}`,
    );
  }
  for (const s of r.suts) {
    if (s.steady.runs.length === 0) continue;
    print('');
    print(`${s.name} steady state, ${s.steady.windowSeconds} s per rate; latency in ms as p50/p95/p99/max`);
    for (const f of s.steady.runs) print(`  ${steadyLine(f)}`);
  }
}
