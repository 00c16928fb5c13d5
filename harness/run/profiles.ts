import type { ScheduleShape } from '../workload/generators.ts';

/** How hard to look: runs per scenario, schedule size, and the shrinking budget. */
export interface Profile {
  readonly name: 'quick' | 'ci' | 'deep';
  readonly numRuns: number;
  readonly steps: ScheduleShape['steps'];
  readonly burst: ScheduleShape['burst'];
  readonly windowMs: ScheduleShape['windowMs'];
  /** Executions allowed for shrinking once a failure is found. */
  readonly shrinkRuns: number;
  readonly drainTimeoutMs: number;
}

export const PROFILES: Readonly<Record<Profile['name'], Profile>> = {
  quick: { name: 'quick', numRuns: 6, steps: { min: 1, max: 6 }, burst: { min: 1, max: 20 }, windowMs: { min: 300, max: 4_000 }, shrinkRuns: 30, drainTimeoutMs: 45_000 },
  // The quick profile's schedules exactly, with a smaller shrinking budget to fit CI's time.
  ci: { name: 'ci', numRuns: 6, steps: { min: 1, max: 6 }, burst: { min: 1, max: 20 }, windowMs: { min: 300, max: 4_000 }, shrinkRuns: 10, drainTimeoutMs: 45_000 },
  deep: { name: 'deep', numRuns: 30, steps: { min: 1, max: 14 }, burst: { min: 1, max: 60 }, windowMs: { min: 300, max: 8_000 }, shrinkRuns: 120, drainTimeoutMs: 90_000 },
};

export function profileNamed(name: string): Profile {
  const profile = (PROFILES as Record<string, Profile>)[name];
  if (!profile) throw new Error(`unknown profile "${name}"; profiles: ${Object.keys(PROFILES).join(', ')}`);
  return profile;
}
