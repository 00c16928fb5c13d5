// How bench shows drains that got no rate beside the ones that did, and the exit code it ends
// with: pure functions of a report, so they are tested on hand-made figures, without a stack.
import { describe, expect, it } from 'vitest';
import type { DrainFigure } from '../../harness/bench/drain.ts';
import { renderBenchHtml } from '../../harness/bench/html.ts';
import { fractionCell, replicaCell } from '../../harness/bench/lines.ts';
import { benchExitCode, countShortfalls, drainOutcome, shortfallLines } from '../../harness/bench/outcome.ts';
import type { SteadyFigure } from '../../harness/bench/steady.ts';
import type { BenchReport, Repeats, SutReport } from '../../harness/bench/types.ts';
import { printBench } from '../../harness/cli/summary.ts';

const BACKLOG = 1000;

function drain(
  replicas: number,
  batchSize: number,
  how: 'delivered' | 'lost' | 'stalled' | 'timed out',
  rate = 0,
): DrainFigure & Repeats {
  const base = {
    replicas,
    batchSize,
    backlog: BACKLOG,
    duplicates: 0,
    lost: 0,
    perRun: [how === 'delivered' ? rate : null],
  };
  switch (how) {
    case 'delivered':
      return { ...base, ms: Math.round((BACKLOG / rate) * 1000), eventsPerSec: rate, delivered: BACKLOG };
    case 'lost':
      return { ...base, ms: null, eventsPerSec: null, delivered: BACKLOG - 7, lost: 7 };
    default:
      return {
        ...base,
        ms: null,
        eventsPerSec: null,
        delivered: 400,
        stalled: { delivered: 400, events: BACKLOG, quietMs: 15_000, timedOut: how === 'timed out' },
      };
  }
}

function steadyRun(lost: number | null): SteadyFigure & Repeats {
  const none = { p50: null, p95: null, p99: null, max: null };
  return {
    rate: 100,
    achievedRate: 100,
    events: 200,
    warmUpEvents: 0,
    publishMs: none,
    effectMs: none,
    missing: lost ?? 5,
    lost,
    catchUpMs: lost === null ? null : 10,
    sustained: false,
    perRun: [null],
  };
}

function sut(name: string, drains: (DrainFigure & Repeats)[], extra: Partial<SutReport> = {}): SutReport {
  const best = drains.filter((d) => d.eventsPerSec !== null).sort((a, b) => b.eventsPerSec! - a.eventsPerSec!)[0];
  const steady = extra.steady?.runs ?? [];
  return {
    name,
    manifest: `${name}.json`,
    curve: [],
    drains,
    best: best ?? null,
    fractionOfLimit: best ? 0.25 : null,
    fractionOfTogether: best ? 0.5 : null,
    shortfalls: countShortfalls(drains, steady),
    apply: null,
    writerCeiling: null,
    steady: { windowSeconds: 2, runs: [], sustainedMaxRate: null },
    ...extra,
  };
}

describe('a drain without a rate', () => {
  it('is lost, stalled or timed out, and counted as such', () => {
    expect(
      ['delivered', 'lost', 'stalled', 'timed out'].map((h) => drainOutcome(drain(1, 500, h as never, 100))),
    ).toEqual(['delivered', 'lost', 'stalled', 'timed out']);
    const drains = [
      drain(1, 500, 'delivered', 900),
      drain(1, 1000, 'lost'),
      drain(2, 500, 'stalled'),
      drain(2, 1000, 'lost'),
    ];
    expect(countShortfalls(drains, [steadyRun(3), steadyRun(null)])).toEqual({
      drains: 4,
      lost: 2,
      stalled: 1,
      timedOut: 0,
      // 7 + 7 from the drains, 3 from the steady run whose count caught up; the one still on its way is not lost.
      lostEvents: 17,
    });
  });

  it('marks the replica cell its best rate came from, and the fraction of the limits', () => {
    const s = sut('relay', [
      drain(1, 500, 'delivered', 14925),
      drain(1, 1000, 'lost'),
      drain(2, 500, 'delivered', 9000),
      drain(2, 1000, 'delivered', 9500),
      drain(4, 500, 'stalled'),
      drain(4, 1000, 'timed out'),
    ]);
    expect(replicaCell(s, 1)).toBe('14925 (1 of 2 lost)');
    expect(replicaCell(s, 2)).toBe('9500');
    expect(replicaCell(s, 4)).toBe('stalled at 400 of 1000 (1 of 2 stalled, 1 of 2 timed out)');
    expect(replicaCell(s, 8)).toBe('-');
    expect(fractionCell(s)).toBe('0.25 (1 of 6 drains lost, 1 of 6 drains stalled, 1 of 6 drains timed out)');
  });

  it('leaves a single run that got no rate to say what happened, and a clean SUT unmarked', () => {
    expect(replicaCell(sut('one', [drain(1, 500, 'lost')]), 1)).toBe('lost 7 of 1000');
    const clean = sut('clean', [drain(1, 500, 'delivered', 100), drain(1, 1000, 'delivered', 200)]);
    expect(replicaCell(clean, 1)).toBe('200');
    expect(fractionCell(clean)).toBe('0.25');
    expect(shortfallLines([clean])).toEqual([]);
  });
});

describe('a drain that did not get through its warm-up', () => {
  it('says so with the warm-up counts, never a rate, and its losses count like any other', () => {
    const warm = { events: 200 };
    const slow: DrainFigure & Repeats = {
      ...drain(1, 500, 'timed out'),
      delivered: 150,
      stalled: { delivered: 150, events: 200, quietMs: 20_000, timedOut: true },
      warmUp: warm,
    };
    const lossy: DrainFigure & Repeats = { ...drain(1, 1000, 'lost'), delivered: 195, lost: 5, warmUp: warm };
    expect(replicaCell(sut('slow', [slow]), 1)).toBe('150 of 200 in 20 s in the warm-up');
    expect(replicaCell(sut('lossy', [lossy]), 1)).toBe('lost 5 of 200 in the warm-up');
    expect(countShortfalls([slow, lossy], [])).toMatchObject({ timedOut: 1, lost: 1, lostEvents: 5 });
    expect(benchExitCode([sut('lossy', [lossy])])).toBe(1);
  });
});

describe('bench exit code', () => {
  const clean = sut('clean', [drain(1, 500, 'delivered', 100)]);
  const slow = sut('slow', [drain(1, 500, 'timed out'), drain(1, 1000, 'stalled')]);
  const lossy = sut('lossy', [drain(1, 500, 'delivered', 100), drain(1, 1000, 'lost')]);
  const lostSteady = sut('steady-loss', [drain(1, 500, 'delivered', 100)], {
    steady: { windowSeconds: 2, runs: [steadyRun(3)], sustainedMaxRate: null },
  });
  const broken = sut('broken', [drain(1, 500, 'delivered', 100)], { error: 'relay exited with code 1' });

  it('is 0 when nothing was lost, even if some drains were slow; 1 for lost events; 2 for a SUT not measured', () => {
    expect(benchExitCode([clean])).toBe(0);
    expect(benchExitCode([clean, slow])).toBe(0);
    expect(benchExitCode([clean, lossy])).toBe(1);
    expect(benchExitCode([lostSteady])).toBe(1);
    expect(benchExitCode([clean, broken])).toBe(2);
    // A loss is a finding about a SUT; it outranks another SUT that could not be measured.
    expect(benchExitCode([broken, lossy])).toBe(1);
  });

  it('prints one line per SUT that fell short, in the summary and on the page', () => {
    expect(shortfallLines([clean, slow, lossy, lostSteady])).toEqual([
      'slow: 1 of 2 drains stalled, 1 of 2 drains timed out',
      'lossy: 1 of 2 drains lost; 7 event(s) never reached Kafka',
      'steady-loss: 3 event(s) never reached Kafka',
    ]);
    const report: BenchReport = {
      date: '2026-12-02T12:00:00.000Z',
      machine: { host: 'h', cpus: 2, memoryGiB: 4, node: 'v20' },
      events: BACKLOG,
      warmUpEvents: 0,
      repeat: 1,
      partitions: 4,
      aggregates: 1000,
      limits: null,
      suts: [clean, lossy, broken],
    };
    const lines: string[] = [];
    printBench(report, (l) => lines.push(l));
    const row = lines.find((l) => l.startsWith('lossy '))!;
    expect(row).toContain('100 (1 of 2 lost)');
    expect(row).toContain('0.25 (1 of 2 drains lost)');
    expect(lines.filter((l) => l.startsWith('lossy:'))).toEqual([
      'lossy: 1 of 2 drains lost; 7 event(s) never reached Kafka',
    ]);
    expect(lines).toContain('broken: not measured: relay exited with code 1');
    expect(lines.some((l) => l.startsWith('clean:'))).toBe(false);
    const page = renderBenchHtml(report);
    expect(page).toContain('<td class="num">100 (1 of 2 lost)</td>');
    expect(page).toContain('lossy: 1 of 2 drains lost; 7 event(s) never reached Kafka');
  });
});
