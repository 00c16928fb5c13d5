// A three-broker KRaft cluster, one stack for the file: the reference stays valid through leader
// failover, isolation, a slow follower and dead in-sync replicas; the weak-acks variant (no
// idempotence, no acks=all) is caught by broker-failover, which has no crash points; and an
// unclean election that the topic allows is reported as a loss that Kafka itself caused.
import { describe, expect, it } from 'vitest';
import { printSuite } from '../../harness/cli/summary.ts';
import { runSuite, type SuiteOptions } from '../../harness/run/suite.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { TEST_SEED } from '../seed.ts';
import { referenceScenarioSuite } from './suite.ts';

const suite = referenceScenarioSuite(['broker-failover'], { kafkaBrokers: 3 });

/** One scenario on the file's cluster, with the seed every test uses; the summary for messages. */
async function onCluster(options: Pick<SuiteOptions, 'scenarios' | 'bug' | 'runs' | 'shrinkRuns'>) {
  const outcome = await runSuite({
    catalogue: SCENARIOS,
    sut: 'reference',
    profile: 'ci',
    reportDir: suite.reportDir,
    stack: suite.stack,
    seed: TEST_SEED,
    ...options,
  });
  const lines: string[] = [];
  printSuite(outcome, (l) => lines.push(l));
  return { outcome, summary: lines.join('\n') };
}

describe('three brokers: what the cluster adds', () => {
  it('weak-acks is caught in broker-failover (no crash points in it), in at most 5 steps', async () => {
    // The quick profile draws at most two faults, so any counterexample has at most 3 steps;
    // shrinking would only spend the file's time.
    const { outcome, summary } = await onCluster({ bug: 'weak-acks', scenarios: ['broker-failover'], shrinkRuns: 0 });
    const s = outcome.scenarios[0]!;
    expect(outcome.valid, summary).toBe(false);
    expect(s.failure, summary).toBeDefined();
    expect(s.failure!.result.schedule.faults.length + 1, summary).toBeLessThanOrEqual(5);
    // Whether weak-acks loses messages or reorders them depends on the timing; it must be caught.
    expect(s.failure!.result.verdict?.anomalies.length, summary).toBeGreaterThan(0);
  }, 600_000);

  it('an unclean election the topic allows: the loss is reported, and blamed on the election', async () => {
    const { outcome, summary } = await onCluster({ scenarios: ['unclean-election'], runs: 1, shrinkRuns: 0 });
    const result = outcome.scenarios[0]!.results[0]!;
    expect(result.valid, summary).toBe(false);
    const lost = result.verdict!.anomalies.filter((a) => a.kind === 'lost');
    expect(lost.length, summary).toBeGreaterThan(0);
    for (const a of lost) expect(a.detail).toMatch(/unclean leader election/);
  }, 600_000);
});
