import type { FaultFiring } from '../history/firings.ts';
import { deliveriesById } from './events.ts';
import { ROLES, type Role } from '../sut/definition.ts';
import type { Checker, CheckInput } from './types.ts';

/** The work a fault found in flight when one of its firings began. */
export interface InFlight {
  /** Writes sent and not yet answered. */
  readonly writes: number;
  /** Events committed (as the writer saw it) and not yet in Kafka. */
  readonly unpublished: number;
  /** Events in Kafka whose effect was not applied yet. */
  readonly unapplied: number;
}

/** What one fault of the timeline met, over all its firings. */
export interface FaultPower {
  readonly step: number;
  readonly fault: string;
  readonly target: string;
  readonly firings: number;
  /** Events committed while any firing of the fault was active. */
  readonly committedDuring: number;
  /** The work in flight at its first firing that started. */
  readonly inFlightAtStart: InFlight;
  /** The most work in flight at any of its firings. */
  readonly inFlightMax: InFlight;
  /** Writes sent while a firing was active (answered or not: the load was meeting the fault). */
  readonly writesDuring: number;
  /** Events that first reached Kafka while a firing was active. */
  readonly publishedDuring: number;
  /**
   * True when some firing met work for what it struck (see workFor): a fault on the consumers only
   * needs events to apply, one on the relays only events to publish, one on the apps only writes;
   * any other needs any of these.
   */
  readonly metWork: boolean;
}

export interface CrashPointPower {
  readonly target: string;
  readonly armed: number;
  readonly fired: number;
}

/** How much a run exercised: the measure that keeps a quiet run from passing for a tested one. */
export interface Power {
  readonly committedEvents: number;
  readonly faults: readonly FaultPower[];
  readonly crashPoints: readonly CrashPointPower[];
  /** No fault fired (none was scheduled, or none could start): a load-only run, said so in the report. */
  readonly faultFree: boolean;
  /** Why the run exercised nothing, when it did not. */
  readonly vacuous: string | null;
}

interface Timed {
  committedAt: number | undefined;
  publishedAt: number | undefined;
  appliedAt: number | undefined;
}

function countInFlight(at: number, input: CheckInput, events: readonly Timed[]): InFlight {
  let writes = 0;
  for (const op of input.ops ?? [])
    if (op.invokedAt !== undefined && op.completedAt !== undefined && op.invokedAt <= at && at < op.completedAt)
      writes++;
  let unpublished = 0;
  let unapplied = 0;
  for (const e of events) {
    if (e.committedAt === undefined || e.committedAt > at) continue;
    if (e.publishedAt === undefined || e.publishedAt > at) unpublished++;
    else if (e.appliedAt === undefined || e.appliedAt > at) unapplied++;
  }
  return { writes, unpublished, unapplied };
}

const total = (w: InFlight) => w.writes + w.unpublished + w.unapplied;

const PROCESS_LANE = new RegExp(`^process:(${ROLES.join('|')})-\\d+$`);

/** The one SUT role a fault struck, when it struck only processes of that role (process:<role>-<n>). */
export function struckRole(affects: readonly string[]): Role | null {
  const roles = new Set(affects.map((a) => PROCESS_LANE.exec(a)?.[1] ?? null));
  const [only] = roles;
  return roles.size === 1 && only ? (only as Role) : null;
}

interface Work {
  readonly inFlightMax: InFlight;
  readonly committedDuring: number;
  readonly writesDuring: number;
  readonly publishedDuring: number;
}

/**
 * Whether a fault met work that the role it struck had to do. A consumer crash armed while every
 * event was already applied and nothing reached Kafka (the writers all waited on one lock) tested
 * nothing, however many writes were sent meanwhile; judged on the writes, such a run passed a
 * consumer that loses effects.
 */
function workFor(role: Role | null, w: Work): boolean {
  if (role) return ROLE_WORK[role].inFlight(w.inFlightMax) > 0 || ROLE_WORK[role].arriving(w) > 0;
  // Writes sent during the fault count too: with the app down (crashed by the load itself), every
  // write fails at once and nothing is in flight, yet the load did meet the fault.
  return total(w.inFlightMax) > 0 || w.committedDuring > 0 || w.writesDuring > 0;
}

/** What each role works on: its part of the work in flight, and what came its way during a fault. */
const ROLE_WORK: Record<Role, { inFlight: (w: InFlight) => number; arriving: (w: Work) => number }> = {
  consumer: { inFlight: (w) => w.unapplied, arriving: (w) => w.publishedDuring },
  relay: { inFlight: (w) => w.unpublished, arriving: (w) => w.committedDuring },
  app: { inFlight: (w) => w.writes, arriving: (w) => w.writesDuring },
};

const NOTHING: InFlight = { writes: 0, unpublished: 0, unapplied: 0 };

/**
 * Power per run and per fault: committed events, what each fault met in flight when it fired and
 * what committed while it was active, and which crash points fired. Pure over the history's
 * timings and the final state.
 */
export function measurePower(input: CheckInput): Power {
  const deliveries = deliveriesById(input);
  const events: Timed[] = input.committed.map((c) => {
    const published = deliveries.get(c.eventId);
    return {
      committedAt: input.commitTimes?.get(c.eventId),
      publishedAt: published ? Math.min(...published.map((m) => m.timestamp)) : undefined,
      appliedAt: input.effectTimes?.get(c.eventId),
    };
  });
  const firings = input.faults ?? [];
  const bySteps = new Map<number, FaultFiring[]>();
  for (const f of firings) bySteps.set(f.step, [...(bySteps.get(f.step) ?? []), f]);
  const faults: FaultPower[] = [...bySteps]
    .sort(([a], [b]) => a - b)
    .map(([step, list]) => {
      const started = list.filter((f) => f.started);
      const met = started.map((f) => countInFlight(f.startedAt, input, events));
      const during = (at: number | undefined) =>
        at !== undefined && started.some((f) => f.startedAt <= at && at <= f.endedAt);
      const committedDuring = events.filter((e) => during(e.committedAt)).length;
      const role = struckRole(list[0]!.affects);
      // The most of what the struck role works on, or of everything for a fault on no one role.
      const measure = role ? ROLE_WORK[role].inFlight : total;
      const inFlightMax = met.reduce((best, w) => (measure(w) > measure(best) ? w : best), NOTHING);
      const writesDuring = (input.ops ?? []).filter((op) => during(op.invokedAt)).length;
      const publishedDuring = events.filter((e) => during(e.publishedAt)).length;
      return {
        step,
        fault: list[0]!.fault,
        target: list[0]!.target,
        firings: started.length,
        committedDuring,
        inFlightAtStart: met[0] ?? NOTHING,
        inFlightMax,
        writesDuring,
        publishedDuring,
        metWork: started.length > 0 && workFor(role, { inFlightMax, committedDuring, writesDuring, publishedDuring }),
      };
    });
  const crashPoints = crashPointPower(firings, input);
  const committedEvents = input.committed.length;
  // A fault that never started (its target was down, say) acted on nothing: it neither makes
  // the run a faulted one nor a vacuous one. A run whose faults all failed to start is load only.
  const fired = faults.filter((f) => f.firings > 0);
  const faultFree = fired.length === 0;
  const vacuous =
    committedEvents === 0
      ? 'vacuous: the run committed no events, so there was nothing to lose, duplicate or reorder'
      : !faultFree && !fired.some((f) => f.metWork)
        ? `vacuous: none of the ${fired.length} fault(s) met work for what it struck (no write sent or in flight for an app, no event to publish for a relay, none to apply for a consumer, none of these for the rest)`
        : null;
  return { committedEvents, faults, crashPoints, faultFree, vacuous };
}

/** A crash point fired when its process died on its own (not killed by the harness) while armed. */
function crashPointPower(firings: readonly FaultFiring[], input: CheckInput): CrashPointPower[] {
  const processes = input.processes ?? [];
  const killedPids = new Set(
    processes.filter((p) => p.what === 'killed' || p.what === 'stopped').map((p) => `${p.process}:${p.pid}`),
  );
  const byTarget = new Map<string, { armed: number; fired: number }>();
  for (const f of firings) {
    if (f.fault !== 'crash-point' || !f.started) continue;
    const entry = byTarget.get(f.target) ?? { armed: 0, fired: 0 };
    entry.armed++;
    const lanes = f.affects.flatMap((a) => (a.startsWith('process:') ? [a.slice('process:'.length)] : []));
    const fired = processes.some(
      (p) =>
        p.what === 'exited' &&
        lanes.includes(p.process) &&
        p.at >= f.startedAt &&
        p.at <= f.endedAt + 500 &&
        !killedPids.has(`${p.process}:${p.pid}`),
    );
    if (fired) entry.fired++;
    byTarget.set(f.target, entry);
  }
  return [...byTarget].map(([target, e]) => ({ target, ...e }));
}

/** power: a run that exercised nothing cannot be called valid; it is 'unknown' (vacuous). */
export const powerChecker: Checker = {
  name: 'power',
  needsSettledState: false,
  check(input) {
    const power = measurePower(input);
    const stats = {
      committedEvents: power.committedEvents,
      faults: power.faults.length,
      faultsMeetingWork: power.faults.filter((f) => f.metWork).length,
      faultFirings: power.faults.reduce((sum, f) => sum + f.firings, 0),
      crashPointsArmed: power.crashPoints.reduce((sum, c) => sum + c.armed, 0),
      crashPointsFired: power.crashPoints.reduce((sum, c) => sum + c.fired, 0),
    };
    if (power.vacuous)
      return { checker: 'power', valid: 'unknown', anomalies: [], stats, unknownBecause: power.vacuous };
    return { checker: 'power', valid: true, anomalies: [], stats };
  },
};

/** Power over many runs (a scenario, a whole suite), for tables and results.json. */
export interface PowerSummary {
  readonly runs: number;
  readonly medianCommittedEvents: number | null;
  readonly minCommittedEvents: number | null;
  readonly totalCommittedEvents: number;
  /** Runs with faults in which every fault met work in flight. */
  readonly runsAllFaultsMetWork: number;
  readonly runsWithFaults: number;
  readonly faultFreeRuns: number;
  readonly vacuousRuns: number;
  /** Vacuous runs that were drawn again, and so count nowhere above. */
  readonly redrawnRuns: number;
  readonly crashPointsArmed: number;
  readonly crashPointsFired: number;
}

export function summarizePower(powers: readonly (Power | undefined)[], redrawnRuns = 0): PowerSummary {
  const known = powers.filter((p): p is Power => p !== undefined);
  const counts = known.map((p) => p.committedEvents).sort((a, b) => a - b);
  const withFaults = known.filter((p) => !p.faultFree);
  const sum = (f: (c: CrashPointPower) => number) =>
    known.reduce((s, p) => s + p.crashPoints.reduce((t, c) => t + f(c), 0), 0);
  return {
    runs: known.length,
    medianCommittedEvents: counts.length ? counts[Math.floor((counts.length - 1) / 2)]! : null,
    minCommittedEvents: counts.length ? counts[0]! : null,
    totalCommittedEvents: counts.reduce((a, b) => a + b, 0),
    runsAllFaultsMetWork: withFaults.filter((p) => p.faults.every((f) => f.metWork || f.firings === 0)).length,
    runsWithFaults: withFaults.length,
    faultFreeRuns: known.length - withFaults.length,
    vacuousRuns: known.filter((p) => p.vacuous !== null).length,
    redrawnRuns,
    crashPointsArmed: sum((c) => c.armed),
    crashPointsFired: sum((c) => c.fired),
  };
}

/**
 * The power of a scenario's executions, given the phase of each: a vacuous run that was drawn
 * again did not count towards the verdict, so it counts only as redrawn here.
 */
export function summarizeExecutions(
  executions: readonly { readonly power?: Power }[],
  phases: readonly string[],
): PowerSummary {
  const counted = executions.filter((_, i) => phases[i] !== 'redrawn');
  return summarizePower(
    counted.map((e) => e.power),
    executions.length - counted.length,
  );
}

/** Words for a reader when a run or scenario exercised little; empty when power is fine. */
export function powerWarnings(s: PowerSummary): string[] {
  const out: string[] = [];
  if (s.vacuousRuns > 0)
    out.push(`${s.vacuousRuns} of ${s.runs} run(s) were vacuous: they exercised nothing and were judged unknown`);
  if (s.redrawnRuns > 0)
    out.push(
      `${s.redrawnRuns} more run(s) exercised nothing and were drawn again; they are listed as redrawn and count for nothing`,
    );
  if (s.medianCommittedEvents !== null && s.medianCommittedEvents < 100)
    out.push(
      `low power: a median of ${s.medianCommittedEvents} committed events per run; losses in a narrow window are unlikely to be seen`,
    );
  const missed = s.runsWithFaults - s.runsAllFaultsMetWork;
  if (missed > 0)
    out.push(
      `${missed} of ${s.runsWithFaults} run(s) with faults had a fault that met no work in flight (it tested nothing)`,
    );
  if (s.crashPointsArmed > 0 && s.crashPointsFired === 0)
    out.push(`${s.crashPointsArmed} crash point(s) armed, none fired: the SUT never reached them under this load`);
  return out;
}
