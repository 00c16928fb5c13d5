import fc from 'fast-check';
import { HarnessError } from '../common/errors.ts';
import type { LinkName } from '../infra/links.ts';
import { FAULTS } from '../nemesis/index.ts';
import { EXTRA_SHAPES, type Role, type SutDefinition } from '../sut/definition.ts';
import { faultStepArb, type DrawnStep, type Range, type ScheduleShape } from '../workload/generators.ts';
import type { Profile } from './profiles.ts';

/** Which faults a scenario draws, and on what. */
export interface FaultChoice {
  readonly fault: string;
  readonly roles?: readonly Role[];
  readonly links?: readonly LinkName[];
  /** For crash points: only these points (a SUT that declares none of them is told so). */
  readonly points?: readonly string[];
  readonly weight?: number;
}

export interface ScenarioConcurrency {
  readonly relays: Range;
  readonly consumers: Range;
  readonly partitions: Range;
}

/** What most scenarios run: one or two relays, one consumer, a few partitions. */
export const DEFAULT_CONCURRENCY: ScenarioConcurrency = {
  relays: { min: 1, max: 2 },
  consumers: { min: 1, max: 1 },
  partitions: { min: 1, max: 3 },
};

/**
 * A scenario: a family of schedules (the processes to run and the faults it may inject); the load
 * comes from the profile. Adding one is one file in scenarios/ and one line in scenarios/index.ts.
 */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** Overrides of DEFAULT_CONCURRENCY. */
  readonly concurrency?: Partial<ScenarioConcurrency>;
  readonly faults: readonly FaultChoice[];
  /**
   * The share of faults with a long window, where the profile's is too low for what the scenario
   * hunts (an outage must outlast a relay's retry budget before a give-up bug loses anything).
   */
  readonly longWindowWeight?: number;
  /** The Kafka brokers it needs (3: a cluster); it is left out of "all" on fewer. */
  readonly kafkaBrokers?: number;
  /** Lets the run's topic elect an out-of-sync replica as its leader (unclean leader election). */
  readonly uncleanElection?: boolean;
  /**
   * Left out of "all": a scenario in which the infrastructure itself loses acknowledged data,
   * which no SUT can pass; it shows how the harness reports such a loss.
   */
  readonly byNameOnly?: boolean;
}

/** Options that change what a scenario may draw, whatever the scenario. */
export interface DrawOptions {
  /** Leave out crash points: black-box, as for a SUT that declares none. */
  readonly withoutCrashPoints?: boolean;
  /** Kafka brokers of the stack: faults that need a cluster are drawn only on one. */
  readonly brokers?: number;
}

/** Whether a scenario can run on a stack with this many brokers. */
export function scenarioFits(scenario: Scenario, brokers: number): boolean {
  return brokers >= (scenario.kafkaBrokers ?? 1);
}

/** Whether "all" takes a scenario on a stack with this many brokers. */
export function inAll(scenario: Scenario, brokers: number): boolean {
  return !scenario.byNameOnly && scenarioFits(scenario, brokers);
}

/** The scenarios asked for that this stack can run: all that fit, or the named ones, each of which must fit. */
export function scenariosFor<S extends Scenario>(asked: readonly S[], all: boolean, brokers: number): S[] {
  if (all) return asked.filter((s) => inAll(s, brokers));
  const misfit = asked.find((s) => !scenarioFits(s, brokers));
  if (misfit)
    throw new HarnessError(
      `scenario ${misfit.name} needs ${misfit.kafkaBrokers} Kafka brokers: run it with --kafka-brokers ${misfit.kafkaBrokers}`,
    );
  return [...asked];
}

export function shapeOf(scenario: Scenario, profile: Profile, def: SutDefinition): ScheduleShape {
  const cap = (r: Range, max: number | undefined): Range =>
    max === undefined ? r : { min: Math.min(r.min, max), max: Math.min(r.max, max) };
  return {
    ...profile,
    ...DEFAULT_CONCURRENCY,
    ...scenario.concurrency,
    writers: cap(profile.writers, def.load?.maxWriters),
    rate: cap(profile.rate, def.load?.maxRate),
    shapes: def.load?.shapes ?? EXTRA_SHAPES,
    longWindowWeight: Math.max(profile.longWindowWeight, scenario.longWindowWeight ?? 0),
  };
}

/** The fault-step generators of a scenario, for this SUT (a fault it cannot take is left out). */
export function faultArbs(
  scenario: Scenario,
  def: SutDefinition,
  shape: ScheduleShape,
  options: DrawOptions = {},
): fc.Arbitrary<DrawnStep>[] {
  const arbs: fc.Arbitrary<DrawnStep>[] = [];
  for (const choice of scenario.faults) {
    const kind = FAULTS[choice.fault];
    if (!kind) throw new Error(`scenario ${scenario.name}: unknown fault "${choice.fault}"`);
    if (options.withoutCrashPoints && choice.fault === 'crash-point') continue;
    const restricted = choice.points ? { ...def, crashPoints: restrictPoints(def, choice.points) } : def;
    const params = kind.params({
      def: restricted,
      roles: choice.roles,
      links: choice.links,
      brokers: options.brokers,
      uncleanElection: scenario.uncleanElection,
    });
    if (!params) continue;
    const step = faultStepArb(shape, choice.fault, params, kind.repeatable ?? false, kind.exclusive?.bind(kind));
    for (let i = 0; i < (choice.weight ?? 1); i++) arbs.push(step);
  }
  return arbs;
}

/**
 * Crash points a scenario names that the SUT does not declare: those faults are silently
 * impossible for it, so the run says so instead of passing without them.
 */
export function undeclaredCrashPoints(scenario: Scenario, def: SutDefinition): string[] {
  const declared = new Set(Object.values(def.crashPoints ?? {}).flat());
  return scenario.faults.flatMap((c) =>
    c.fault === 'crash-point' ? (c.points ?? []).filter((p) => !declared.has(p)) : [],
  );
}

function restrictPoints(def: SutDefinition, points: readonly string[]): SutDefinition['crashPoints'] {
  const out: Partial<Record<Role, string[]>> = {};
  for (const [role, list] of Object.entries(def.crashPoints ?? {}) as [Role, readonly string[]][]) {
    const kept = list.filter((p) => points.includes(p));
    if (kept.length) out[role] = kept;
  }
  return out;
}
