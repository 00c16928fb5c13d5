// The benchmark measures any SUT through its manifest on the real stack; this checks, on a small
// workload, that two SUTs (the reference and a third party, side by side) get every figure, that
// each figure comes from events found in Kafka and effects in the database, and that the JSON and
// the plots hang together. Speed itself is printed by `bench`, never asserted here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../harness/common/paths.ts';
import { runBench, writeBenchReport, type SutReport } from '../harness/bench/index.ts';
import type { CpuUse } from '../harness/bench/cpu.ts';
import type { DrainFigure } from '../harness/bench/drain.ts';
import { removeTempDir, tempDir } from './helpers.ts';

const dir = tempDir('outbox-bench-test-');
afterAll(() => removeTempDir(dir));

const POLLING = path.join(PROJECT_ROOT, 'thirdparty', 'pg-transactional-outbox', 'outbox-chaos.polling.json');

/** A processor reading on Linux: within the machine, each part named as the harness names them, no SUT role where none ran. */
function expectCpuReading(c: CpuUse | undefined, roles: string[]): void {
  if (process.platform !== 'linux') return;
  expect(c).toBeDefined();
  expect(c!.cores).toBe(os.cpus().length);
  expect(c!.seconds).toBeGreaterThan(0);
  expect(c!.busy).toBeGreaterThanOrEqual(0);
  expect(c!.busy).toBeLessThanOrEqual(c!.cores);
  const named = new Set([...roles, 'postgres', 'kafka', 'toxiproxy', 'harness', 'other']);
  for (const [part, cores] of Object.entries(c!.by)) {
    expect(named).toContain(part);
    expect(cores).toBeGreaterThan(0);
  }
}

/**
 * A drain either has a rate and every one of its event ids in Kafka, or no rate and says where it
 * stopped: stalled or timed out at the count it reached, or lost with the rest accounted for.
 */
function expectConsistent(d: DrainFigure, backlog: number): void {
  expect(d.backlog).toBe(backlog);
  expect(d.duplicates).toBeGreaterThanOrEqual(0);
  // A relay that did not get through the warm-up accounts for the warm-up's events instead.
  if (d.warmUp) backlog = d.warmUp.events;
  if (d.eventsPerSec !== null) {
    expect(d).toMatchObject({ delivered: backlog, lost: 0 });
    expect(d.stalled).toBeUndefined();
    expect(d.ms).toBeGreaterThan(0);
  } else if (d.stalled) {
    expect(d.ms).toBeNull();
    expect(d.stalled).toMatchObject({ delivered: d.delivered, events: backlog });
    expect(d.delivered).toBeLessThan(backlog);
  } else {
    expect(d.ms).toBeNull();
    expect(d.lost).toBeGreaterThan(0);
    expect(d.delivered + d.lost).toBe(backlog);
  }
}

it('measures the reference and a manifest-based SUT side by side, every figure observed in Kafka, and writes JSON and plots', async () => {
  const report = await runBench({
    suts: ['reference', POLLING],
    events: 600,
    backlogs: [200],
    replicas: [1, 2],
    batchSizes: [100],
    rates: [100],
    steadySeconds: 2,
    limits: true,
    limitConcurrencies: [2],
    drainTimeoutSeconds: 60,
    // Enough for the path (each drain and steady run starts with a warm-up); the polling SUT
    // relays tens of events per second here, so the defaults would take minutes.
    warmUpEvents: 100,
    steadyWarmUpSeconds: 1,
    // A relay that gains nothing for 15 s on a 600-event backlog is stuck, not slow; the default
    // minute would make a stuck relay cost this test several minutes.
    stallSeconds: 15,
    // One run of each: the repeats have their own test below.
    repeat: 1,
  });
  expect(report.suts.map((s) => s.name)).toEqual(['reference', 'pg-transactional-outbox-polling']);
  expect(report.repeat).toBe(1);
  for (const s of report.suts) {
    expect(s.error).toBeUndefined();
    expect(s.curve).toHaveLength(1);
    expectConsistent(s.curve[0]!, 200);
    expect(s.drains.map((d) => [d.replicas, d.batchSize])).toEqual([
      [1, 100],
      [2, 100],
    ]);
    for (const d of s.drains) expectConsistent(d, 600);
    expect(s.writerCeiling).toBeGreaterThan(0);
    const [steady] = s.steady.runs;
    expect(steady!.rate).toBe(100);
    expect(steady!).toMatchObject({ events: 300, warmUpEvents: 100 });
    // A steady run counts its losses from Kafka; a SUT that kept up lost nothing and has a latency for each event.
    if (steady!.catchUpMs !== null) expect(steady!.lost).toBe(steady!.missing);
    else expect(steady!.lost).toBeNull();
    expect(steady!.missing).toBeGreaterThanOrEqual(0);
    expect(s.steady.sustainedMaxRate === 100).toBe(steady!.sustained);
  }

  // The reference is correct: it delivers everything, its consumer applies everything, and each
  // event has a publish latency and an effect latency no earlier than it.
  const reference: SutReport = report.suts[0]!;
  for (const d of [...reference.curve, ...reference.drains]) expect(d.eventsPerSec).not.toBeNull();
  expect(reference.shortfalls).toEqual({ drains: 3, lost: 0, stalled: 0, timedOut: 0, lostEvents: 0 });
  expect(reference.fractionOfLimit).toBeGreaterThan(0);
  // The consumer applies the whole topic: the drain's warm-up and its backlog.
  expect(reference.apply).toMatchObject({ events: 700, applied: 700 });
  expect(reference.apply!.effectsPerSec).toBeGreaterThan(0);
  const steady = reference.steady.runs[0]!;
  expect(steady.missing).toBe(0);
  expect(steady.lost).toBe(0);
  for (const l of [steady.publishMs, steady.effectMs]) {
    expect(l.p50).not.toBeNull();
    expect(l.p50!).toBeLessThanOrEqual(l.p99!);
    expect(l.p99!).toBeLessThanOrEqual(l.max!);
  }
  expect(steady.effectMs.p50!).toBeGreaterThanOrEqual(steady.publishMs.p50!);
  // Every timed window says where the machine's processors went (test/bench-cpu.test.ts reads them for real).
  for (const c of [...reference.curve, ...reference.drains, steady].map((f) => f.cpu))
    expectCpuReading(c, ['relay', 'consumer']);

  // Polling on this small backlog is slow (tens of events/s, one batch per poll), and whether it
  // gets through a drain within the time allowed is its speed on the day, not the harness's
  // behaviour (usually every event; once 597 of 600 with two replicas, the rest still pending).
  // What holds either way: it loses nothing, each drain reached Kafka, and each drain without a
  // rate is counted as stalled or timed out (expectConsistent above says where it stopped).
  const polling = report.suts[1]!;
  const pollingDrains = [...polling.curve, ...polling.drains];
  for (const d of pollingDrains) {
    expect(d.lost).toBe(0);
    expect(d.delivered).toBeGreaterThan(0);
  }
  const withoutRate = pollingDrains.filter((d) => d.eventsPerSec === null).length;
  expect(polling.shortfalls).toMatchObject({ drains: 3, lost: 0, lostEvents: 0 });
  expect(polling.shortfalls.stalled + polling.shortfalls.timedOut).toBe(withoutRate);

  // The limits: both PostgreSQL forms and the producer measured, each at the one concurrency asked for.
  const limits = report.limits!;
  for (const l of [limits.pgClaimMark, limits.pgSingleStatement, limits.kafkaProducer]) {
    expect(l.concurrency).toBe(2);
    expect(l.eventsPerSec).toBeGreaterThan(0);
    expectCpuReading(l.cpu, []);
  }
  // The producer's two sends ran in a thread each, as far as the machine has processors for them.
  expect(limits.kafkaProducer.threads).toBe(Math.min(2, os.availableParallelism()));
  // Both halves at once: the better PostgreSQL form beside the producer, each with its own
  // concurrency (it throws unless each did all of its events), and the reference measured against it.
  const pgBest =
    limits.pgClaimMark.eventsPerSec >= limits.pgSingleStatement.eventsPerSec
      ? limits.pgClaimMark
      : limits.pgSingleStatement;
  expect(limits.together.name.startsWith(`${pgBest.name} (2 at once)`)).toBe(true);
  expect(limits.together.name).toContain('Kafka idempotent producer');
  expect(limits.together).toMatchObject({ concurrency: 4, threads: limits.kafkaProducer.threads });
  expect(limits.together.eventsPerSec).toBeGreaterThan(0);
  expectCpuReading(limits.together.cpu, []);
  expect(reference.fractionOfTogether).toBeGreaterThan(0);

  const html = writeBenchReport(report, path.join(dir, 'bench.json'));
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'bench.json'), 'utf8'))).toEqual(report);
  const page = fs.readFileSync(html, 'utf8');
  expect(page).toMatch(/id="replicas"[\s\S]*id="backlog"[\s\S]*id="latency"[\s\S]*new uPlot/);
  expect(page).toContain('pg-transactional-outbox-polling');
}, 300_000);

it('measures each drain and steady run the times asked, and reports the median run with every run beside it', async () => {
  const report = await runBench({
    suts: ['reference'],
    events: 300,
    backlogs: [200],
    replicas: [1],
    batchSizes: [100],
    rates: [100],
    steadySeconds: 1,
    steadyWarmUpSeconds: 1,
    limits: false,
    warmUpEvents: 100,
    stallSeconds: 15,
    repeat: 3,
  });
  expect(report.repeat).toBe(3);
  const [reference] = report.suts;
  expect(reference!.error).toBeUndefined();
  const median = (xs: readonly (number | null)[]) => [...xs].sort((a, b) => a! - b!)[1];
  // The reference delivers every run, so each figure is the median of three rates, all observed.
  for (const d of [...reference!.curve, ...reference!.drains]) {
    expect(d.perRun).toHaveLength(3);
    for (const rate of d.perRun) expect(rate).toBeGreaterThan(0);
    expect(d.eventsPerSec).toBe(median(d.perRun));
    expect(d.delivered).toBe(d.backlog);
  }
  // The apply rate is measured once, after the first run of the first drain: its warm-up and backlog.
  expect(reference!.apply).toMatchObject({ events: 400, applied: 400 });
  const [steady] = reference!.steady.runs;
  expect(steady!.perRun).toHaveLength(3);
  expect(steady!.perRun).toContain(steady!.publishMs.p99);
  expect(steady!.lost).toBe(0);
}, 180_000);

it('refuses a SUT whose manifest has no bench section, before any stack starts', async () => {
  const manifest = path.join(PROJECT_ROOT, 'examples', 'minimal-sut', 'outbox-chaos.json');
  await expect(
    runBench({
      suts: [manifest],
      events: 10,
      backlogs: [],
      replicas: [1],
      batchSizes: [1],
      rates: [],
      steadySeconds: 1,
      limits: false,
    }),
  ).rejects.toThrow(/minimal .* has no "bench" section, so bench cannot preload its outbox/);
});
