// Which run of a repeated bench measurement is reported: the median, never flattered by an even
// count, and never a median that hides a run that lost or stalled.
import { describe, expect, it } from 'vitest';
import { drainLine, steadyLine } from '../../harness/bench/lines.ts';
import { measureRepeatedly, slowerFirst } from '../../harness/bench/repeat.ts';

/** Hands out the given results in order and counts the calls. */
function runsOf<T>(results: T[]) {
  const calls: number[] = [];
  const measure = async (i: number) => {
    calls.push(i);
    return results[i]!;
  };
  return { calls, measure };
}

const byRate = { failed: (r: number | null) => r === null, worseFirst: slowerFirst((r: number | null) => r) };

describe('measureRepeatedly', () => {
  it('keeps the median of an odd count and every run in order', async () => {
    const { calls, measure } = runsOf([30, 10, 20]);
    expect(await measureRepeatedly(3, measure, byRate)).toEqual({ kept: 20, runs: [30, 10, 20] });
    expect(calls).toEqual([0, 1, 2]);
  });

  it('keeps the worse of the two middle runs of an even count', async () => {
    expect((await measureRepeatedly(4, runsOf([40, 10, 30, 20]).measure, byRate)).kept).toBe(20);
    expect((await measureRepeatedly(2, runsOf([5, 9]).measure, byRate)).kept).toBe(5);
  });

  it('stops at the first run that failed and keeps it, whatever the others gave', async () => {
    const { calls, measure } = runsOf([50, null, 60]);
    expect(await measureRepeatedly(3, measure, byRate)).toEqual({ kept: null, runs: [50, null] });
    expect(calls).toEqual([0, 1]);
  });

  it('runs once for a count of one, and refuses a count below one', async () => {
    expect(await measureRepeatedly(1, runsOf([7]).measure, byRate)).toEqual({ kept: 7, runs: [7] });
    await expect(measureRepeatedly(0, runsOf([7]).measure, byRate)).rejects.toThrow(/at least once/);
  });

  it('orders by a rate with the slower first, equal rates as equal', () => {
    const order = slowerFirst((r: { rate: number }) => r.rate);
    expect([{ rate: 3 }, { rate: 1 }, { rate: 2 }].sort(order).map((r) => r.rate)).toEqual([1, 2, 3]);
    expect(order({ rate: 4 }, { rate: 4 })).toBe(0);
  });
});

describe('a repeated figure in the output', () => {
  const drain = { replicas: 1, batchSize: 1000, backlog: 10_000, ms: 400, eventsPerSec: 25_000 };
  const delivered = { ...drain, delivered: 10_000, lost: 0, duplicates: 0 };

  it('lists what each run gave, with "-" for a run without a rate; nothing for a single run', () => {
    expect(drainLine({ ...delivered, perRun: [21_000, 25_000, 30_500] })).toBe(
      'backlog 10000, 1 replica(s), batch 1000: 25000 events/s in 0.40 s, 0 duplicates, runs 21000, 25000, 30500',
    );
    expect(drainLine({ ...delivered, perRun: [25_000] })).not.toContain('runs');
    const stalled = {
      ...delivered,
      ms: null,
      eventsPerSec: null,
      delivered: 400,
      stalled: { delivered: 400, events: 10_000, quietMs: 15_000, timedOut: false },
      perRun: [24_000, null],
    };
    expect(drainLine(stalled)).toBe(
      'backlog 10000, 1 replica(s), batch 1000: stalled at 400 of 10000, 0 duplicates, runs 24000, -',
    );
  });

  it("gives each steady run's p99 commit->publish", () => {
    const latency = { p50: 5, p95: 12, p99: 30.4, max: 41 };
    const line = steadyLine({
      rate: 1000,
      achievedRate: 998,
      events: 12_000,
      warmUpEvents: 2_000,
      publishMs: latency,
      effectMs: latency,
      missing: 0,
      lost: 0,
      catchUpMs: 120,
      sustained: true,
      perRun: [28.2, 30.4, 44],
    });
    expect(line).toMatch(/p99 commit->publish per run 28 ms, 30 ms, 44 ms$/);
  });
});
