// The benchmark measures against the real stack; this checks that its figures come from Kafka and
// the database and hang together, on a small workload. Speed itself is printed, not asserted.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runBench, writeBenchReport } from '../harness/bench/index.ts';
import { removeTempDir, tempDir } from './helpers.ts';

const dir = tempDir('outbox-bench-test-');
afterAll(() => removeTempDir(dir));

it('drains every event to Kafka for each configuration, measures both baselines, the library relay and steady-state latency, and writes JSON and plots', async () => {
  const report = await runBench({
    events: 2_000,
    replicas: [1, 2],
    batchSizes: [100],
    rates: [200],
    steadySeconds: 3,
    thirdParty: true,
  });
  expect(report.relay.runs.map((r) => [r.replicas, r.batchSize, r.events])).toEqual([
    [1, 100, 2_000],
    [2, 100, 2_000],
  ]);
  for (const r of report.relay.runs) {
    expect(r.eventsPerSec).toBeGreaterThan(0);
    expect(r.duplicates).toBeGreaterThanOrEqual(0);
  }
  expect(report.relay.eventsPerSec).toBe(Math.max(...report.relay.runs.map((r) => r.eventsPerSec)));
  expect(report.baseline.kafkaProducerEventsPerSec).toBeGreaterThan(0);
  expect(report.baseline.pgClaimMarkEventsPerSec).toBeGreaterThan(0);
  expect(report.ratio).toBeCloseTo(
    report.relay.eventsPerSec /
      Math.min(report.baseline.kafkaProducerEventsPerSec, report.baseline.pgClaimMarkEventsPerSec),
    1,
  );

  expect(report.thirdParty?.name).toBe('pg-transactional-outbox-polling');
  // The library's relay either drains everything, or stalls short of it (it abandons messages).
  const library = report.thirdParty!;
  if (library.stalled) expect(library.stalled.delivered).toBeLessThan(library.stalled.events);
  else expect(library.eventsPerSec).toBeGreaterThan(0);
  const [steady] = report.steady.runs;
  expect(steady!.rate).toBe(200);
  expect(steady!.events).toBe(600);
  // Every committed event has a publish latency and (the consumer applied them all) an effect one.
  for (const l of [steady!.publishMs, steady!.effectMs]) {
    expect(l.p50).not.toBeNull();
    expect(l.p50!).toBeLessThanOrEqual(l.p99!);
    expect(l.p99!).toBeLessThanOrEqual(l.max!);
  }
  expect(steady!.effectMs.p50!).toBeGreaterThanOrEqual(steady!.publishMs.p50!);
  expect(report.steady.sustainedMaxRate === 200).toBe(steady!.sustained);

  const html = writeBenchReport(report, path.join(dir, 'bench.json'));
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'bench.json'), 'utf8'))).toEqual(report);
  expect(fs.readFileSync(html, 'utf8')).toMatch(/id="throughput"[\s\S]*id="latency"[\s\S]*new uPlot/);
}, 300_000);
