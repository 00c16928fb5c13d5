import { deliverable, sample } from './events.ts';
import type { Checker, CheckInput } from './types.ts';

function applyCounts(input: CheckInput): Map<string, number> {
  const applied = new Map<string, number>();
  for (const e of input.effects) applied.set(e.eventId, (applied.get(e.eventId) ?? 0) + 1);
  return applied;
}

/** effect-missing: a committed event whose effect was never applied after the drain. */
export const effectMissingChecker: Checker = {
  name: 'effect-missing',
  needsSettledState: true,
  check(input) {
    const applied = applyCounts(input);
    const missing = deliverable(input)
      .filter((c) => !applied.has(c.eventId))
      .map((c) => c.eventId);
    return {
      checker: 'effect-missing',
      valid: missing.length === 0,
      anomalies:
        missing.length === 0
          ? []
          : [
              {
                kind: 'effect-missing',
                eventIds: sample(missing),
                detail: `${missing.length} committed event(s) whose effect was never applied`,
              },
            ],
      stats: { effectsMissing: missing.length },
    };
  },
};

/** effect-duplicated: an event whose effect was applied more than once. */
export const effectDuplicatedChecker: Checker = {
  name: 'effect-duplicated',
  needsSettledState: false,
  check(input) {
    const committed = new Set(input.committed.map((c) => c.eventId));
    const doubled = [...applyCounts(input)].filter(([id, n]) => n > 1 && committed.has(id));
    const worst = doubled.reduce((max, [, n]) => Math.max(max, n), 0);
    return {
      checker: 'effect-duplicated',
      valid: doubled.length === 0,
      anomalies:
        doubled.length === 0
          ? []
          : [
              {
                kind: 'effect-duplicated',
                eventIds: sample(doubled.map(([id]) => id)),
                detail: `${doubled.length} event(s) applied more than once (up to ${worst} times)`,
              },
            ],
      stats: { effectsDuplicated: doubled.length },
    };
  },
};
