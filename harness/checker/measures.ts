import { percentiles } from '../common/stats.ts';
import { deliveriesById } from './events.ts';
import type { Checker } from './types.ts';

function summary(prefix: string, values: number[]): Record<string, number | null> {
  const p = percentiles(values);
  return {
    [`${prefix}Count`]: values.length,
    [`${prefix}P50Ms`]: p.p50,
    [`${prefix}P95Ms`]: p.p95,
    [`${prefix}P99Ms`]: p.p99,
    [`${prefix}MaxMs`]: p.max,
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
    return {
      checker: 'latency',
      valid: true,
      anomalies: [],
      stats: { ...summary('publish', publish), ...summary('effect', effect) },
    };
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
