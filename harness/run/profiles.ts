import type { ScheduleShape } from '../workload/generators.ts';

/** The parts of a schedule's bounds that a profile sets: how much load, how many and how long the faults. */
export type LoadProfile = Omit<ScheduleShape, 'relays' | 'consumers' | 'partitions' | 'shapes'>;

/** How hard to look: runs per scenario, the load and fault timeline, and the shrinking budget. */
export interface Profile extends LoadProfile {
  readonly name: 'quick' | 'ci' | 'deep';
  readonly numRuns: number;
  /** Executions allowed for shrinking once a failure is found. */
  readonly shrinkRuns: number;
  readonly drainTimeoutMs: number;
}

// Outages: mostly a few seconds, one in eight long enough (up to 15 s) to outlast an ordinary
// retry budget, so a relay that gives up after N attempts loses something it can be caught on.
const QUICK: LoadProfile = {
  // Closed-loop writers wait for each answer, so it takes a dozen of them to reach 500 writes/s
  // when a write through the app and its proxy takes 20 to 30 ms on a loaded 2-core machine.
  // Below about 100 writes/s a run of a few seconds commits too little for a fault to land on.
  writers: { min: 6, max: 12 },
  rate: { min: 100, max: 500 },
  aggregates: { min: 8, max: 256 },
  maxSkew: 3,
  durationMs: { min: 4_000, max: 7_000 },
  // Two faults in sequence; a third made a run about a third longer and the whole job overrun.
  faults: { min: 1, max: 2 },
  windowMs: { min: 300, max: 3_000 },
  longWindowMs: { min: 5_000, max: 15_000 },
  longWindowWeight: 1 / 8,
  // Two long outages in one run add nothing a single one does not find, and double its length.
  maxLongWindows: 1,
  leadMs: { min: 500, max: 1_500 },
  gapMs: { min: 200, max: 1_500 },
  overlap: false,
};

export const PROFILES: Readonly<Record<Profile['name'], Profile>> = {
  quick: { name: 'quick', ...QUICK, numRuns: 4, shrinkRuns: 24, drainTimeoutMs: 60_000 },
  // The quick profile's first schedules exactly (the same seed draws the same ones), fewer of them
  // and a smaller shrinking budget, to fit CI's time.
  ci: { name: 'ci', ...QUICK, numRuns: 3, shrinkRuns: 6, drainTimeoutMs: 60_000 },
  deep: {
    name: 'deep',
    writers: { min: 4, max: 24 },
    rate: { min: 100, max: 2_000 },
    aggregates: { min: 8, max: 1_024 },
    maxSkew: 4,
    durationMs: { min: 5_000, max: 30_000 },
    faults: { min: 1, max: 8 },
    windowMs: { min: 500, max: 10_000 },
    longWindowMs: { min: 15_000, max: 75_000 },
    longWindowWeight: 1 / 4,
    leadMs: { min: 1_000, max: 5_000 },
    gapMs: { min: 0, max: 5_000 },
    overlap: true,
    numRuns: 30,
    shrinkRuns: 120,
    drainTimeoutMs: 120_000,
  },
};

export function profileNamed(name: string): Profile {
  const profile = (PROFILES as Record<string, Profile>)[name];
  if (!profile) throw new Error(`unknown profile "${name}"; profiles: ${Object.keys(PROFILES).join(', ')}`);
  return profile;
}
