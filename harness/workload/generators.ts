import fc from 'fast-check';
import {
  EXTRA_SHAPES,
  type Concurrency,
  type Cycle,
  type ExtraShape,
  type FaultStep,
  type Load,
  type Schedule,
} from './schedule.ts';

export interface Range {
  readonly min: number;
  readonly max: number;
}

/** Everything that bounds the schedules of one scenario under one profile. */
export interface ScheduleShape {
  readonly writers: Range;
  readonly relays: Range;
  readonly consumers: Range;
  readonly partitions: Range;
  /** Writes per second; the SUT's own cap, if it declares one, is applied on top. */
  readonly rate: Range;
  readonly aggregates: Range;
  readonly maxSkew: number;
  readonly durationMs: Range;
  readonly faults: Range;
  /** How long a fault lasts: mostly short, sometimes long enough to outlast a retry budget. */
  readonly windowMs: Range;
  readonly longWindowMs: Range;
  /** The share of faults drawn with a long window. */
  readonly longWindowWeight: number;
  /**
   * At most this many long windows in one schedule (the later ones are cut to the short range's
   * top), so that a profile's run length, and so its wall time, stays bounded. Unset: no cap.
   */
  readonly maxLongWindows?: number;
  /** Before the first fault, so it meets traffic already flowing. */
  readonly leadMs: Range;
  /** Between faults: after the previous heal, or after the previous start when overlapping. */
  readonly gapMs: Range;
  readonly overlap: boolean;
  /** The shapes this SUT's write interface serves. */
  readonly shapes: readonly ExtraShape[];
}

const int = (r: Range) => fc.integer({ min: r.min, max: r.max });
/**
 * Uniform over the range. fast-check otherwise favours values near the bounds, which for a load
 * means most runs at the lowest rate and the shortest duration: low power by construction.
 * Shrinking still goes towards the minimum.
 */
const uniform = (r: Range) => fc.noBias(int(r));

export function concurrencyArb(shape: ScheduleShape): fc.Arbitrary<Concurrency> {
  return fc.record({
    writers: uniform(shape.writers),
    relays: int(shape.relays),
    consumers: int(shape.consumers),
    partitions: int(shape.partitions),
  });
}

export function loadArb(shape: ScheduleShape): fc.Arbitrary<Load> {
  const shapes = Object.fromEntries(
    EXTRA_SHAPES.map((s) => [s, shape.shapes.includes(s) ? fc.boolean() : fc.constant(false)]),
  ) as Record<ExtraShape, fc.Arbitrary<boolean>>;
  return fc.record({
    rate: uniform(shape.rate),
    aggregates: uniform(shape.aggregates),
    skew: fc.integer({ min: 0, max: shape.maxSkew }),
    durationMs: uniform(shape.durationMs),
    shapes: fc.record(shapes),
    // Shrinking a seed changes every write at once, which says nothing; keep it.
    seed: fc.noShrink(fc.integer({ min: 0, max: 0x7fffffff })),
  });
}

/** A cycle for a fault that can repeat within its window (kill every so often, say). */
// Up long enough, at times, for a restarted consumer to rejoin its group and take work again.
const cycleArb: fc.Arbitrary<Cycle> = fc.record({
  downMs: fc.integer({ min: 100, max: 1_500 }),
  upMs: fc.integer({ min: 200, max: 4_000 }),
});

/**
 * A fault step as drawn, before the timeline places it. exclusive: what the step needs to itself
 * (the fault's own say, from its parameters); steps naming the same thing never overlap. It only
 * guides placement and is not part of the schedule.
 */
export type DrawnStep = Omit<FaultStep, 'atMs'> & { readonly exclusive?: string };

/**
 * One fault's generator: its parameters, window, and (when the fault repeats) a cycle. Parameters
 * are drawn without fast-check's bias towards the first choice, which would otherwise send most
 * faults to the first link, role or crash point a scenario lists.
 */
export function faultStepArb(
  shape: ScheduleShape,
  fault: string,
  params: fc.Arbitrary<unknown>,
  repeatable: boolean,
  exclusive?: (params: unknown) => string | undefined,
): fc.Arbitrary<DrawnStep> {
  const longWeight = Math.round(100 * shape.longWindowWeight);
  const windowMs = fc.oneof(
    { weight: 100 - longWeight, arbitrary: uniform(shape.windowMs) },
    { weight: longWeight, arbitrary: uniform(shape.longWindowMs) },
  );
  const cycle = repeatable ? fc.option(cycleArb, { nil: undefined, freq: 2 }) : fc.constant(undefined);
  return fc
    .record({ fault: fc.constant(fault), params: fc.noBias(params), windowMs, cycle })
    .map(({ cycle: c, ...rest }) => {
      const held = exclusive?.(rest.params);
      return { ...rest, ...(c ? { cycle: c } : {}), ...(held === undefined ? {} : { exclusive: held }) };
    });
}

/**
 * The fault timeline: faults drawn from the scenario's catalogue, placed by gaps so that any
 * shrink of a gap or window still yields a valid timeline. Without overlap each fault starts after
 * the previous one healed; with it, after the previous one started, but never before the end of
 * an earlier step that holds the same thing (exclusive) alone.
 */
export function timelineArb(
  shape: ScheduleShape,
  faults: readonly fc.Arbitrary<DrawnStep>[],
): fc.Arbitrary<FaultStep[]> {
  if (faults.length === 0) return fc.constant([]);
  // keep: fast-check shrinks an array by cutting it from the front, so a fault behind one that is
  // needed could never go; keep shrinks to 0, which drops the fault wherever it stands.
  const entry = fc.record({
    step: fc.oneof(...faults),
    gapMs: uniform(shape.gapMs),
    keep: fc.noBias(fc.integer({ min: 0, max: 9 })),
  });
  return fc
    .record({
      leadMs: uniform(shape.leadMs),
      entries: fc.array(entry, { minLength: shape.faults.min, maxLength: shape.faults.max }),
    })
    .map(({ leadMs, entries }) => {
      const out: FaultStep[] = [];
      let previousStart = 0;
      let previousEnd = 0;
      let longWindows = 0;
      const heldUntil = new Map<string, number>();
      for (const [i, { step: drawnStep, gapMs }] of entries.filter((e, i) => i === 0 || e.keep > 0).entries()) {
        const { exclusive, ...drawn } = drawnStep;
        const long = drawn.windowMs > shape.windowMs.max;
        const step =
          long && shape.maxLongWindows !== undefined && ++longWindows > shape.maxLongWindows
            ? { ...drawn, windowMs: shape.windowMs.max }
            : drawn;
        let atMs = i === 0 ? leadMs : (shape.overlap ? previousStart : previousEnd) + gapMs;
        const busyUntil = exclusive === undefined ? undefined : heldUntil.get(exclusive);
        if (busyUntil !== undefined) atMs = Math.max(atMs, busyUntil + gapMs);
        out.push({ ...step, atMs });
        if (exclusive !== undefined) heldUntil.set(exclusive, atMs + step.windowMs);
        previousStart = atMs;
        previousEnd = Math.max(previousEnd, atMs + step.windowMs);
      }
      return out;
    });
}

/** A schedule: concurrency, the load, and a fault timeline drawn apart from the load. */
export function scheduleArb(shape: ScheduleShape, faults: readonly fc.Arbitrary<DrawnStep>[]): fc.Arbitrary<Schedule> {
  // The timeline is drawn first: scenarios offer different faults, so each leaves the random
  // stream somewhere else, and one seed then gives each scenario loads of its own instead of the
  // same few loads in every scenario.
  return fc
    .record({ faults: timelineArb(shape, faults), concurrency: concurrencyArb(shape), load: loadArb(shape) })
    .map(({ faults: timeline, concurrency, load }) => ({ concurrency, load, faults: timeline }));
}
