import { deliveriesById } from './events.ts';
import type { Checker } from './types.ts';

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

function summary(prefix: string, values: number[]): Record<string, number | null> {
  const sorted = values.sort((a, b) => a - b);
  return {
    [`${prefix}Count`]: sorted.length,
    [`${prefix}P50Ms`]: percentile(sorted, 50),
    [`${prefix}P95Ms`]: percentile(sorted, 95),
    [`${prefix}P99Ms`]: percentile(sorted, 99),
    [`${prefix}MaxMs`]: sorted.length ? sorted[sorted.length - 1]! : null,
  };
}

/** latency (measured): commit -> first publish, and commit -> effect. */
export const latencyChecker: Checker = {
  name: 'latency',
  needsSettledState: false,
  check(input) {
    const commitTimes = input.commitTimes ?? new Map<string, number>();
    const publish: number[] = [];
    const effect: number[] = [];
    for (const [id, list] of deliveriesById(input)) {
      const committedAt = commitTimes.get(id);
      if (committedAt === undefined) continue;
      publish.push(Math.max(0, Math.min(...list.map((m) => m.timestamp)) - committedAt));
      const appliedAt = input.effectTimes?.get(id);
      if (appliedAt !== undefined) effect.push(Math.max(0, appliedAt - committedAt));
    }
    return { checker: 'latency', valid: true, anomalies: [], stats: { ...summary('publish', publish), ...summary('effect', effect) } };
  },
};

/** convergence (measured): time from the last heal until everything was delivered and applied. */
export const convergenceChecker: Checker = {
  name: 'convergence',
  needsSettledState: false,
  check(input) {
    return { checker: 'convergence', valid: true, anomalies: [], stats: { convergenceMs: input.drain.convergenceMs } };
  },
};
