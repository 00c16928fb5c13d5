import fc from 'fast-check';
import type { LinkName } from '../infra/links.ts';
import { FAULTS } from '../nemesis/index.ts';
import type { Role, SutDefinition } from '../sut/definition.ts';
import { faultStepArb, type Range, type ScheduleShape } from '../workload/generators.ts';
import type { FaultStep, OpMode } from '../workload/schedule.ts';
import type { Profile } from './profiles.ts';

/** Which faults a scenario draws, and on what. */
export interface FaultChoice {
  readonly fault: string;
  readonly roles?: readonly Role[];
  readonly links?: readonly LinkName[];
  /** For crash points: only these points. */
  readonly points?: readonly string[];
  readonly weight?: number;
}

/**
 * A scenario: a family of schedules (concurrency ranges, write modes, and the faults it may
 * inject). Adding one is one file in scenarios/ and one line in scenarios/index.ts.
 */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly concurrency: { readonly writers: Range; readonly relays: Range; readonly consumers: Range; readonly partitions: Range };
  readonly faults: readonly FaultChoice[];
  readonly modes?: Readonly<Partial<Record<OpMode, number>>>;
  /** Relative weight of fault steps against write steps. */
  readonly faultWeight?: number;
}

/** Ordinary writes mostly, with some rollbacks, slow transactions and crashes mid-transaction. */
export const DEFAULT_MODES: Readonly<Record<OpMode, number>> = { commit: 8, rollback: 1, slow: 1, crash: 1 };

export function shapeOf(scenario: Scenario, profile: Profile): ScheduleShape {
  return {
    ...scenario.concurrency,
    steps: profile.steps,
    burst: profile.burst,
    windowMs: profile.windowMs,
    modes: scenario.modes ?? DEFAULT_MODES,
    faultWeight: scenario.faultWeight ?? 1,
  };
}

/** The fault-step generators of a scenario, for this SUT (a fault it cannot take is left out). */
export function faultArbs(scenario: Scenario, def: SutDefinition, shape: ScheduleShape): fc.Arbitrary<FaultStep>[] {
  const arbs: fc.Arbitrary<FaultStep>[] = [];
  for (const choice of scenario.faults) {
    const kind = FAULTS[choice.fault];
    if (!kind) throw new Error(`scenario ${scenario.name}: unknown fault "${choice.fault}"`);
    const restricted = choice.points ? { ...def, crashPoints: restrictPoints(def, choice.points) } : def;
    const params = kind.params({ def: restricted, roles: choice.roles, links: choice.links });
    if (!params) continue;
    const step = faultStepArb(shape, choice.fault, params);
    for (let i = 0; i < (choice.weight ?? 1); i++) arbs.push(step);
  }
  return arbs;
}

function restrictPoints(def: SutDefinition, points: readonly string[]): SutDefinition['crashPoints'] {
  const out: Partial<Record<Role, string[]>> = {};
  for (const [role, list] of Object.entries(def.crashPoints ?? {}) as [Role, readonly string[]][]) {
    const kept = list.filter((p) => points.includes(p));
    if (kept.length) out[role] = kept;
  }
  return out;
}
