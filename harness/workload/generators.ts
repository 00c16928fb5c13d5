import fc from 'fast-check';
import type { Concurrency, FaultStep, OpMode, OpStep, Schedule, Step } from './schedule.ts';
import { AGGREGATES } from './schedule.ts';

export interface Range {
  readonly min: number;
  readonly max: number;
}

export interface ScheduleShape {
  readonly writers: Range;
  readonly relays: Range;
  readonly consumers: Range;
  readonly partitions: Range;
  readonly steps: Range;
  /** Writes per ops step. */
  readonly burst: Range;
  /** How long a fault lasts. */
  readonly windowMs: Range;
  /** Relative weights of the write modes. */
  readonly modes: Readonly<Partial<Record<OpMode, number>>>;
  /** Relative weight of a fault step against an ops step (1 = as likely). */
  readonly faultWeight: number;
}

const int = (r: Range) => fc.integer({ min: r.min, max: r.max });

export function concurrencyArb(shape: ScheduleShape): fc.Arbitrary<Concurrency> {
  return fc.record({ writers: int(shape.writers), relays: int(shape.relays), consumers: int(shape.consumers), partitions: int(shape.partitions) });
}

export function opStepArb(shape: ScheduleShape): fc.Arbitrary<OpStep> {
  const modes = (Object.entries(shape.modes) as [OpMode, number][]).filter(([, w]) => w > 0);
  return fc.record({
    kind: fc.constant('ops' as const),
    type: fc.oneof({ weight: 3, arbitrary: fc.constant('deposit' as const) }, { weight: 1, arbitrary: fc.constant('transfer' as const) }),
    aggregate: fc.integer({ min: 0, max: AGGREGATES.length - 1 }),
    to: fc.integer({ min: 0, max: AGGREGATES.length - 1 }),
    count: int(shape.burst),
    // The first mode listed is what a mode shrinks to, so list 'commit' first.
    mode: fc.oneof(...modes.map(([mode, weight]) => ({ weight, arbitrary: fc.constant(mode) }))),
  });
}

export function faultStepArb(shape: ScheduleShape, fault: string, params: fc.Arbitrary<unknown>): fc.Arbitrary<FaultStep> {
  return fc.record({ kind: fc.constant('fault' as const), fault: fc.constant(fault), params, windowMs: int(shape.windowMs) });
}

/** A schedule: concurrency plus steps, where faults are drawn from the scenario's catalogue. */
export function scheduleArb(shape: ScheduleShape, faults: readonly fc.Arbitrary<FaultStep>[]): fc.Arbitrary<Schedule> {
  const step: fc.Arbitrary<Step> =
    faults.length === 0
      ? opStepArb(shape)
      : fc.oneof(
          { weight: 2, arbitrary: opStepArb(shape) },
          { weight: Math.max(1, Math.round(2 * shape.faultWeight)), arbitrary: fc.oneof(...faults) },
        );
  return fc.record({
    concurrency: concurrencyArb(shape),
    steps: fc.array(step, { minLength: shape.steps.min, maxLength: shape.steps.max }),
  });
}
