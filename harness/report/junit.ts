import { escapeHtml as x } from './assets.ts';
import type { ScenarioResults } from './results.ts';

/**
 * JUnit XML for CI systems: one test suite per scenario, one test case per execution (a failure
 * for a violation, an error for a run that could not be judged), and one for the scenario's
 * verdict carrying the anomalies and the replay command.
 */
export function junitXml(r: ScenarioResults): string {
  const suite = `${r.sut}.${r.scenario}`;
  const failures = r.runs.filter((run) => run.valid === false).length + (r.valid === false ? 1 : 0);
  const errors = r.runs.filter((run) => run.valid === 'unknown').length + (r.valid === 'unknown' ? 1 : 0);
  const seconds = r.runs.reduce((sum, run) => sum + run.durationMs, 0) / 1000;
  const cases = r.runs.map((run) => {
    const body =
      run.valid === false
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
        ['power.crashPointsFiredArmed', `${p.crashPointsFired}/${p.crashPointsArmed}`],
      ]
    : [];
  const props = [['seed', r.seed], ['profile', r.profile], ['bug', r.bug ?? ''], ['replay', r.replay], ...powerProps]
    .map(([k, v]) => `      <property name="${x(k)}" value="${x(v)}"/>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="outbox-chaos" tests="${cases.length}" failures="${failures}" errors="${errors}" time="${seconds.toFixed(3)}">
  <testsuite name="${x(suite)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="0" time="${seconds.toFixed(3)}" timestamp="${x(r.startedAt)}">
    <properties>
${props}
    </properties>
${cases.join('\n')}
  </testsuite>
</testsuites>
`;
}
