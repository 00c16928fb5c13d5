import { EXTRA_SHAPES, type ExtraShape } from '../sut/definition.ts';

/**
 * A schedule is one shrinkable, JSON-serialisable value with two independent halves, as in
 * Jepsen: the client load (a process that runs at a target rate for the whole run) and the fault
 * timeline (faults at offsets from the start of the load, each with a window, some cycling on and
 * off within it). The load starts before the first fault and goes on after the last heal.
 */

export interface Concurrency {
  /** Closed-loop writers: each has at most one write outstanding. */
  readonly writers: number;
  readonly relays: number;
  readonly consumers: number;
  readonly partitions: number;
}

export { EXTRA_SHAPES, type ExtraShape };
export type TxShape = 'single' | ExtraShape;

export interface Load {
  /** Target writes per second over all writers (a ceiling: closed-loop writers never queue up). */
  readonly rate: number;
  /** How many aggregates the writes spread over. */
  readonly aggregates: number;
  /** 0: uniform; higher: a few aggregates take most of the writes. */
  readonly skew: number;
  /** How long the load runs at least; it always outlasts the last fault by a tail. */
  readonly durationMs: number;
  /** Which transaction shapes are mixed in beside single-event writes; shrinking turns them off. */
  readonly shapes: Readonly<Record<ExtraShape, boolean>>;
  /** Seeds the choice of each write, so a schedule replays the same mix of writes. */
  readonly seed: number;
}

/** A fault that cycles: active for downMs, healed for upMs, over and over until its window ends. */
export interface Cycle {
  readonly downMs: number;
  readonly upMs: number;
}

export interface FaultStep {
  readonly fault: string;
  readonly params: unknown;
  /** Start, in ms after the load began. */
  readonly atMs: number;
  readonly windowMs: number;
  readonly cycle?: Cycle;
}

export interface Schedule {
  readonly concurrency: Concurrency;
  readonly load: Load;
  readonly faults: readonly FaultStep[];
}

/** Load keeps going this long after the last fault heals, so the heal meets traffic too. */
export const LOAD_TAIL_MS = 1_000;

/** When the load stops: its own duration, or a tail after the last fault, whichever is later. */
export function loadEndMs(schedule: Schedule): number {
  const lastHeal = Math.max(0, ...schedule.faults.map((f) => f.atMs + f.windowMs));
  return Math.max(schedule.load.durationMs, lastHeal + LOAD_TAIL_MS);
}

/** How big a counterexample is: one step per fault, plus one for the load. */
export function scheduleSize(schedule: Schedule): number {
  return schedule.faults.length + 1;
}

export function aggregateName(index: number): string {
  return `acct-${index}`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;

/** The load as one line a SUT author can read: rate, writers, key space, shapes, duration. */
export function describeLoad(schedule: Schedule): string {
  const { load, concurrency: c } = schedule;
  const shapes = ['single', ...EXTRA_SHAPES.filter((s) => load.shapes[s])].join(', ');
  const skew = load.skew === 0 ? 'uniform' : `skew ${load.skew}`;
  return `load    ${load.rate} writes/s by ${c.writers} writer(s) over ${load.aggregates} aggregates (${skew}); shapes ${shapes}; for ${seconds(loadEndMs(schedule))}`;
}

export function describeFaultStep(step: FaultStep, describeFault: (name: string, params: unknown) => string): string {
  const cycling = step.cycle ? `, cycling ${step.cycle.downMs} ms on / ${step.cycle.upMs} ms off` : '';
  return `fault   at ${seconds(step.atMs)}: ${describeFault(step.fault, step.params)} for ${step.windowMs} ms${cycling}`;
}

/** Every line of a schedule: the processes, the load, then each fault in time order. */
export function describeSchedule(
  schedule: Schedule,
  describeFault: (name: string, params: unknown) => string,
): string[] {
  const c = schedule.concurrency;
  return [
    `sut     ${c.relays} relay(s), ${c.consumers} consumer(s), ${c.partitions} partition(s)`,
    describeLoad(schedule),
    ...[...schedule.faults].sort((a, b) => a.atMs - b.atMs).map((f) => describeFaultStep(f, describeFault)),
  ];
}
