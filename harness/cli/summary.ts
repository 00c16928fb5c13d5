import type { Validity } from '../checker/index.ts';
import { verdictWord } from '../checker/index.ts';
import type { SuiteOutcome } from '../run/suite.ts';
import { describeSchedule, scheduleSize } from '../workload/schedule.ts';
import { powerWarnings, summarizePower } from '../checker/index.ts';
import { describeFault } from '../nemesis/index.ts';

/** Jepsen's exit codes: 0 valid, 1 anomalies found, 2 unknown. */
export function exitCodeOf(valid: Validity): number {
  return valid === true ? 0 : valid === false ? 1 : 2;
}

/** The summary table, then the detail of every failure and every unknown. */
export function printSuite(outcome: SuiteOutcome, print: (line: string) => void): void {
  print('');
  print(`${'scenario'.padEnd(20)} ${'verdict'.padEnd(8)} ${'runs'.padStart(5)} ${'events/run'.padStart(11)} ${'faults met'.padStart(11)} ${'crash pts'.padStart(10)}  report`);
  for (const s of outcome.scenarios) {
    const p = summarizePower(s.results.map((r) => r.power));
    const met = p.runsWithFaults ? `${p.runsAllFaultsMetWork}/${p.runsWithFaults}` : 'no faults';
    const crash = p.crashPointsArmed ? `${p.crashPointsFired}/${p.crashPointsArmed}` : '-';
    print(`${s.scenario.padEnd(20)} ${verdictWord(s.valid).padEnd(8)} ${String(s.executions).padStart(5)} ${String(p.medianCommittedEvents ?? '-').padStart(11)} ${met.padStart(11)} ${crash.padStart(10)}  ${s.dir}`);
  }
  print('events/run: median committed events per run; faults met: runs whose every fault met work in flight; crash pts: fired/armed');
  for (const s of outcome.scenarios) {
    for (const w of powerWarnings(summarizePower(s.results.map((r) => r.power)))) print(`${s.scenario}: ${w}`);
    if (s.undeclaredCrashPoints.length) print(`${s.scenario}: the SUT declares no crash point ${s.undeclaredCrashPoints.join(', ')}; those faults never ran`);
  }
  for (const s of outcome.scenarios) {
    if (s.failure) {
      const f = s.failure;
      print('');
      print(`${s.scenario}: INVALID at generated run ${f.runsToCatch}, shrunk to ${scheduleSize(f.result.schedule)} step(s) in ${f.shrinkRuns} shrink run(s)`);
      for (const a of f.result.verdict?.anomalies ?? []) {
        print(`  ${a.kind.padEnd(18)} ${a.detail}${a.eventIds.length ? ` [${a.eventIds.slice(0, 3).join(', ')}${a.eventIds.length > 3 ? ', ...' : ''}]` : ''}`);
      }
      print('  schedule:');
      describeSchedule(f.result.schedule, describeFault).forEach((line) => print(`    ${line}`));
      print(`  seed ${f.seed}, path ${f.path ?? '(none: replay the recorded schedule)'}`);
      print(`  replay: ${f.replay}`);
    }
    for (const r of s.results.filter((x) => x.valid === 'unknown')) print(`${s.scenario}: unknown: ${r.unknownBecause}`);
  }
  print('');
  print(`overall: ${verdictWord(outcome.valid)}`);
}
