import { acknowledgedWritesChecker } from './acknowledged.ts';
import { duplicatesChecker, lostChecker, phantomChecker } from './delivery.ts';
import { effectDuplicatedChecker, effectMissingChecker } from './effects.ts';
import { integrityChecker } from './integrity.ts';
import { convergenceChecker, latencyChecker } from './measures.ts';
import { orderChecker } from './order.ts';
import { powerChecker } from './power.ts';
import type { Anomaly, Checker, CheckerResult, CheckInput, Validity } from './types.ts';

export {
  measurePower,
  powerWarnings,
  summarizeExecutions,
  summarizePower,
  type CrashPointPower,
  type PowerSummary,
  type FaultPower,
  type InFlight,
  type Power,
} from './power.ts';
export type {
  Anomaly,
  AnomalyKind,
  Checker,
  CheckerResult,
  CheckInput,
  DrainOutcome,
  EventIdLocation,
  Validity,
} from './types.ts';

/** Every checker, in report order. A new checker is one file and one line here. */
export const CHECKERS: readonly Checker[] = [
  lostChecker,
  phantomChecker,
  effectMissingChecker,
  effectDuplicatedChecker,
  orderChecker,
  integrityChecker,
  acknowledgedWritesChecker,
  duplicatesChecker,
  latencyChecker,
  convergenceChecker,
  powerChecker,
];

export interface Verdict {
  readonly valid: Validity;
  readonly anomalies: readonly Anomaly[];
  readonly results: readonly CheckerResult[];
  readonly stats: Readonly<Record<string, number | null>>;
  readonly unknownBecause?: string;
}

/** false if any checker found a violation; else 'unknown' if any could not decide; else true. */
export function combine(results: readonly CheckerResult[]): Validity {
  if (results.some((r) => r.valid === false)) return false;
  if (results.some((r) => r.valid === 'unknown')) return 'unknown';
  return true;
}

/**
 * Runs every checker. When the drain did not settle, the state read may not be final: checkers
 * that detect absences cannot decide and say 'unknown' (never true); violations already
 * observed still count.
 */
export function check(input: CheckInput, checkers: readonly Checker[] = CHECKERS): Verdict {
  const unsettled = !input.drain.converged && !input.drain.settled;
  const because =
    'the SUT was still changing when the drain timed out, so absences cannot be judged' +
    (input.drain.lastSeen ? ` (last seen: ${input.drain.lastSeen})` : '');
  const results = checkers.map((c): CheckerResult => {
    const r = c.check(input);
    if (!unsettled || !c.needsSettledState) return r;
    return { ...r, valid: 'unknown', anomalies: [], suspected: r.anomalies, unknownBecause: because };
  });
  const stats = Object.assign({}, ...results.map((r) => r.stats ?? {})) as Record<string, number | null>;
  const valid = combine(results);
  return {
    valid,
    anomalies: results.flatMap((r) => r.anomalies),
    results,
    stats,
    ...(valid === 'unknown'
      ? { unknownBecause: results.find((r) => r.valid === 'unknown')?.unknownBecause ?? because }
      : {}),
  };
}

/** How a verdict is printed: valid, INVALID (loud, it is the finding) or unknown. */
export function verdictWord(valid: Validity): 'valid' | 'INVALID' | 'unknown' {
  return valid === true ? 'valid' : valid === false ? 'INVALID' : 'unknown';
}
