// The load and the fault timeline are generated apart; these tests hold the generators to what
// the runs rely on: timelines that stay valid under shrinking, writes that replay the same, and
// counterexamples that shrink on both sides.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROFILES } from '../../harness/run/profiles.ts';
import { DEFAULT_CONCURRENCY } from '../../harness/run/scenario.ts';
import { EXTRA_SHAPES } from '../../harness/sut/definition.ts';
import { faultStepArb, scheduleArb, type ScheduleShape } from '../../harness/workload/generators.ts';
import { LONG_HOLD_MS, planWrite } from '../../harness/workload/ops.ts';
import {
  describeSchedule,
  LOAD_TAIL_MS,
  loadEndMs,
  scheduleSize,
  type Load,
  type Schedule,
} from '../../harness/workload/schedule.ts';

const shape = (over: Partial<ScheduleShape> = {}): ScheduleShape => ({
  ...PROFILES.quick,
  ...DEFAULT_CONCURRENCY,
  shapes: EXTRA_SHAPES,
  ...over,
});
const faults = (s: ScheduleShape) => [
  faultStepArb(s, 'kill', fc.record({ role: fc.constant('relay'), replica: fc.integer({ min: 0, max: 2 }) }), true),
  faultStepArb(s, 'pg-restart', fc.constant({}), false),
];
const allOn = { multi: true, transfer: true, rollback: true, crash: true, long: true };
const load = (over: Partial<Load> = {}): Load => ({
  rate: 100,
  aggregates: 16,
  skew: 0,
  durationMs: 3_000,
  shapes: allOn,
  seed: 42,
  ...over,
});

describe('schedules', () => {
  it('a quick timeline: faults in order, the first after the load started, none overlapping, the load outlasting the last heal', () => {
    const s = shape();
    fc.assert(
      fc.property(scheduleArb(s, faults(s)), (schedule) => {
        expect(schedule.faults.length).toBeGreaterThanOrEqual(1);
        expect(schedule.faults[0]!.atMs).toBeGreaterThanOrEqual(s.leadMs.min);
        for (let i = 1; i < schedule.faults.length; i++) {
          const before = schedule.faults[i - 1]!;
          expect(schedule.faults[i]!.atMs).toBeGreaterThanOrEqual(before.atMs + before.windowMs);
        }
        const lastHeal = Math.max(...schedule.faults.map((f) => f.atMs + f.windowMs));
        expect(loadEndMs(schedule)).toBeGreaterThanOrEqual(lastHeal + LOAD_TAIL_MS);
        expect(schedule.load.rate).toBeGreaterThanOrEqual(s.rate.min);
        expect(schedule.load.rate).toBeLessThanOrEqual(s.rate.max);
        for (const f of schedule.faults) if (f.cycle) expect(f.fault).toBe('kill'); // only repeatable faults cycle
      }),
      { numRuns: 200, seed: 3 },
    );
  });

  it('deep timelines may overlap; quick ones never do', () => {
    const s = shape({ ...PROFILES.deep });
    const overlapping = fc
      .sample(scheduleArb(s, faults(s)), { numRuns: 200, seed: 5 })
      .some((x) => x.faults.some((f, i) => i > 0 && f.atMs < x.faults[i - 1]!.atMs + x.faults[i - 1]!.windowMs));
    expect(overlapping).toBe(true);
  });

  it('some quick outages outlast a retry budget (over 5 s, up to 15 s)', () => {
    const s = shape();
    const windows = fc
      .sample(scheduleArb(s, faults(s)), { numRuns: 300, seed: 9 })
      .flatMap((x) => x.faults.map((f) => f.windowMs));
    expect(windows.some((w) => w >= 5_000)).toBe(true);
    expect(Math.max(...windows)).toBeLessThanOrEqual(15_000);
  });

  it('a quick run has at most one long outage, which bounds its length; without the cap, some have more', () => {
    const longOnes = (s: ScheduleShape) =>
      fc
        .sample(scheduleArb(s, faults(s)), { numRuns: 300, seed: 13 })
        .map((x) => x.faults.filter((f) => f.windowMs > s.windowMs.max).length);
    const capped = shape({ longWindowWeight: 1 / 2 });
    expect(Math.max(...longOnes(capped))).toBe(1);
    expect(Math.max(...longOnes({ ...capped, maxLongWindows: undefined }))).toBeGreaterThan(1);
  });

  it('a manifest cap on shapes keeps the others off', () => {
    const s = shape({ shapes: ['transfer'] });
    for (const x of fc.sample(scheduleArb(s, []), { numRuns: 50, seed: 1 })) {
      expect(Object.entries(x.load.shapes).filter(([k, on]) => on && k !== 'transfer')).toEqual([]);
      expect(x.faults).toEqual([]);
    }
  });

  it('shrinks both sides: fewer faults, shorter windows, a lower rate, fewer aggregates, simpler shapes', () => {
    const s = shape();
    const result = fc.check(
      fc.property(scheduleArb(s, faults(s)), (x) => !x.faults.some((f) => f.fault === 'pg-restart')),
      { seed: 11, numRuns: 500 },
    );
    expect(result.failed).toBe(true);
    const shrunk = result.counterexample![0] as Schedule;
    expect(shrunk.faults).toHaveLength(1);
    expect(shrunk.faults[0]).toMatchObject({ fault: 'pg-restart', windowMs: s.windowMs.min, atMs: s.leadMs.min });
    expect(shrunk.load).toMatchObject({
      rate: s.rate.min,
      aggregates: s.aggregates.min,
      skew: 0,
      durationMs: s.durationMs.min,
      shapes: { multi: false, transfer: false, rollback: false, crash: false, long: false },
    });
    expect(shrunk.concurrency).toMatchObject({ writers: s.writers.min, relays: 1, consumers: 1, partitions: 1 });
    expect(scheduleSize(shrunk)).toBe(2);
  });

  it('prints every part of a schedule: the processes, the load with its writers, each fault with its time', () => {
    const schedule: Schedule = {
      concurrency: { writers: 3, relays: 2, consumers: 1, partitions: 2 },
      load: load({ rate: 250, aggregates: 64, skew: 2, shapes: { ...allOn, crash: false } }),
      faults: [
        {
          fault: 'kill',
          params: { role: 'consumer', replica: 0 },
          atMs: 1_500,
          windowMs: 4_000,
          cycle: { downMs: 200, upMs: 900 },
        },
      ],
    };
    expect(describeSchedule(schedule, (name, p) => `${name} ${JSON.stringify(p)}`)).toEqual([
      'sut     2 relay(s), 1 consumer(s), 2 partition(s)',
      'load    250 writes/s by 3 writer(s) over 64 aggregates (skew 2); shapes single, multi, transfer, rollback, long; for 6.5 s',
      'fault   at 1.5 s: kill {"role":"consumer","replica":0} for 4000 ms, cycling 200 ms on / 900 ms off',
    ]);
  });
});

describe('writes drawn from a load', () => {
  it('are a pure function of the load and their index, so a replay sends the same writes', () => {
    const a = Array.from({ length: 500 }, (_, k) => planWrite(load(), k));
    const b = Array.from({ length: 500 }, (_, k) => planWrite(load(), k));
    expect(a).toEqual(b);
    expect(Array.from({ length: 500 }, (_, k) => planWrite(load({ seed: 43 }), k))).not.toEqual(a);
  });

  it('mix the enabled shapes, and only single writes when every shape is off', () => {
    const shapes = new Set(Array.from({ length: 5_000 }, (_, k) => planWrite(load(), k).shape));
    expect([...shapes].sort()).toEqual(['crash', 'long', 'multi', 'rollback', 'single', 'transfer']);
    const off = { multi: false, transfer: false, rollback: false, crash: false, long: false };
    expect(new Set(Array.from({ length: 500 }, (_, k) => planWrite(load({ shapes: off }), k).shape))).toEqual(
      new Set(['single']),
    );
  });

  it('give each shape its request: two distinct accounts, several events, a long hold', () => {
    for (let k = 0; k < 2_000; k++) {
      const w = planWrite(load({ aggregates: 2 }), k);
      if (w.shape === 'transfer') expect(w.to).not.toBe(w.aggregate);
      if (w.shape === 'multi') expect(w.repeat).toBeGreaterThanOrEqual(2);
      if (w.shape === 'long') {
        expect(w.holdMs).toBeGreaterThanOrEqual(LONG_HOLD_MS.min);
        // Its own aggregates, past the key space, so no other writer waits on its row lock.
        expect(['acct-2', 'acct-3', 'acct-4', 'acct-5']).toContain(w.aggregate);
      } else expect(['acct-0', 'acct-1']).toContain(w.aggregate);
    }
  });

  it('a skew makes a few aggregates hot; none leaves the load uniform', () => {
    const share = (skew: number) =>
      Array.from({ length: 4_000 }, (_, k) =>
        planWrite(load({ aggregates: 100, skew, shapes: { ...allOn, long: false } }), k),
      ).filter((w) => ['acct-0', 'acct-1', 'acct-2', 'acct-3', 'acct-4'].includes(w.aggregate)).length / 4_000;
    expect(share(0)).toBeLessThan(0.1);
    expect(share(3)).toBeGreaterThan(0.4);
  });
});
