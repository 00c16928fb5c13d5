import type { Validity } from '../checker/index.ts';
import { verdictWord } from '../checker/index.ts';
import type { SuiteOutcome } from '../run/suite.ts';
import { describeStep } from '../workload/schedule.ts';
import { describeFault } from '../nemesis/index.ts';

/** Jepsen's exit codes: 0 valid, 1 anomalies found, 2 unknown. */
export function exitCodeOf(valid: Validity): number {
  return valid === true ? 0 : valid === false ? 1 : 2;
}

/** The summary table, then the detail of every failure and every unknown. */
export function printSuite(outcome: SuiteOutcome, print: (line: string) => void): void {
  print('');
  print(`${'scenario'.padEnd(20)} ${'verdict'.padEnd(8)} ${'runs'.padStart(5)}  report`);
  for (const s of outcome.scenarios) {
    print(`${s.scenario.padEnd(20)} ${verdictWord(s.valid).padEnd(8)} ${String(s.executions).padStart(5)}  ${s.dir}`);
  }
  for (const s of outcome.scenarios) {
    if (s.failure) {
      const f = s.failure;
      print('');
      print(`${s.scenario}: INVALID at generated run ${f.runsToCatch}, shrunk to ${f.result.schedule.steps.length} step(s) in ${f.shrinkRuns} shrink run(s)`);
      for (const a of f.result.verdict?.anomalies ?? []) {
        print(`  ${a.kind.padEnd(18)} ${a.detail}${a.eventIds.length ? ` [${a.eventIds.slice(0, 3).join(', ')}${a.eventIds.length > 3 ? ', ...' : ''}]` : ''}`);
      }
      const c = f.result.schedule.concurrency;
      print(`  schedule: ${c.writers} writer(s), ${c.relays} relay(s), ${c.consumers} consumer(s), ${c.partitions} partition(s)`);
      f.result.schedule.steps.forEach((step, i) => print(`    ${i + 1}. ${describeStep(step, describeFault)}`));
      print(`  seed ${f.seed}, path ${f.path ?? '(none: replay the recorded schedule)'}`);
      print(`  replay: ${f.replay}`);
    }
    for (const r of s.results.filter((x) => x.valid === 'unknown')) print(`${s.scenario}: unknown: ${r.unknownBecause}`);
  }
  print('');
  print(`overall: ${verdictWord(outcome.valid)}`);
}
