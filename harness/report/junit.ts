import { escapeHtml as x } from './assets.ts';
import type { RunSummary, ScenarioResults } from './results.ts';

/**
 * JUnit XML for CI systems: one test suite per scenario, one test case per execution (a failure
 * for a violation, an error for a run that could not be judged), and one for the scenario's
 * verdict carrying the anomalies and the replay command.
 */
export function junitXml(r: ScenarioResults): string {
  return junitDocument([junitSuite(r)]);
}

/** One scenario's <testsuite> element, with its counts, for a document of one or many (a merge). */
export interface JunitSuite {
  readonly xml: string;
  readonly tests: number;
  readonly failures: number;
  readonly errors: number;
  readonly seconds: number;
}

/** A <testsuites> document over suites, its totals summed from theirs. */
export function junitDocument(suites: readonly JunitSuite[]): string {
  const sum = (f: (s: JunitSuite) => number) => suites.reduce((a, s) => a + f(s), 0);
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="outbox-chaos" tests="${sum((s) => s.tests)}" failures="${sum((s) => s.failures)}" errors="${sum((s) => s.errors)}" time="${sum((s) => s.seconds).toFixed(3)}">
${suites.map((s) => s.xml).join('\n')}
</testsuites>
`;
}

/**
 * A suite of errors, one per problem that is not a scenario's verdict (a merge's missing shard):
 * CI's test view then shows it beside the scenarios instead of burying it in a log.
 */
export function junitProblems(name: string, problems: readonly string[]): JunitSuite {
  const cases = problems.map(
    (p, i) =>
      `    <testcase classname="${x(name)}" name="${x(`problem ${i + 1}`)}" time="0"><error type="merge" message="${x(p)}"/></testcase>`,
  );
  return {
    xml: `  <testsuite name="${x(name)}" tests="${cases.length}" failures="0" errors="${cases.length}" skipped="0" time="0">
${cases.join('\n')}
  </testsuite>`,
    tests: cases.length,
    failures: 0,
    errors: cases.length,
    seconds: 0,
  };
}

export function junitSuite(r: ScenarioResults): JunitSuite {
  // Shards of one campaign each have a suite per scenario; the shard in its name keeps them apart.
  const suite = `${r.sut}.${r.scenario}${r.shard ? `.shard-${r.shard.index}-of-${r.shard.total}` : ''}`;
  const failures = r.runs.filter((run) => run.valid === false).length + (r.valid === false ? 1 : 0);
  // A run drawn again for exercising nothing counts for nothing: skipped, not an error of a
  // scenario that may well be valid.
  const redrawn = (run: RunSummary) => run.phase === 'redrawn';
  const skipped = r.runs.filter(redrawn).length;
  const errors =
    r.runs.filter((run) => run.valid === 'unknown' && !redrawn(run)).length + (r.valid === 'unknown' ? 1 : 0);
  const seconds = r.runs.reduce((sum, run) => sum + run.durationMs, 0) / 1000;
  const cases = r.runs.map((run) => {
    const body = redrawn(run)
      ? `<skipped message="${x(`${run.unknownBecause ?? 'vacuous'}; drawn again`)}"/>`
      : run.valid === false
        ? `<failure type="anomaly" message="${x(`${run.anomalies} anomaly kind(s)`)}">${x(`see runs/${run.run}/result.json`)}</failure>`
        : run.valid === 'unknown'
          ? `<error type="unknown" message="${x(run.unknownBecause ?? 'could not be judged')}"/>`
          : '';
    const power = run.power
      ? `, ${run.power.committedEvents} events${run.power.faultFree ? ', fault-free' : `, ${run.power.faults.filter((f) => f.metWork).length}/${run.power.faults.length} faults met work`}`
      : '';
    return `    <testcase classname="${x(suite)}" name="${x(`${run.run} (${run.phase}, ${run.steps} steps${power})`)}" time="${(run.durationMs / 1000).toFixed(3)}">${body}</testcase>`;
  });
  const anomalies = r.anomalies
    .map((a) => `${a.kind}: ${a.detail}${a.eventIds.length ? ` [${a.eventIds.join(', ')}]` : ''}`)
    .join('\n');
  const verdictBody =
    r.valid === false
      ? `<failure type="${x(r.anomalies[0]?.kind ?? 'anomaly')}" message="${x(r.anomalies.map((a) => a.kind).join(', ') || 'anomalies found')}">${x(`${anomalies}\nreplay: ${r.replay}`)}</failure>`
      : r.valid === 'unknown'
        ? `<error type="unknown" message="${x(
            r.unknownRuns
              .map((u) => u.because)
              .filter(Boolean)
              .join('; ') || 'the harness could not observe enough to judge',
          )}"/>`
        : '';
  cases.push(
    `    <testcase classname="${x(suite)}" name="verdict" time="${seconds.toFixed(3)}">${verdictBody}</testcase>`,
  );
  const p = r.power;
  const powerProps: [string, string | number][] = p
    ? [
        ['power.medianCommittedEvents', p.medianCommittedEvents ?? ''],
        ['power.totalCommittedEvents', p.totalCommittedEvents],
        ['power.runsAllFaultsMetWork', `${p.runsAllFaultsMetWork}/${p.runsWithFaults}`],
        ['power.vacuousRuns', p.vacuousRuns],
        ['power.redrawnRuns', p.redrawnRuns],
        ['power.crashPointsFiredArmed', `${p.crashPointsFired}/${p.crashPointsArmed}`],
      ]
    : [];
  const shardProps: [string, string][] = r.shard
    ? [['shard', `${r.shard.index}/${r.shard.total} (runs ${r.shard.from + 1} to ${r.shard.from + r.shard.count})`]]
    : [];
  const props = [
    ['seed', r.seed],
    ['profile', r.profile],
    ['bug', r.bug ?? ''],
    ['replay', r.replay],
    ...shardProps,
    ...powerProps,
  ]
    .map(([k, v]) => `      <property name="${x(k)}" value="${x(v)}"/>`)
    .join('\n');
  const xml = `  <testsuite name="${x(suite)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds.toFixed(3)}" timestamp="${x(r.startedAt)}">
    <properties>
${props}
    </properties>
${cases.join('\n')}
  </testsuite>`;
  return { xml, tests: cases.length, failures, errors, seconds };
}
