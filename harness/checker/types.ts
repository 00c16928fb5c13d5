import type { FaultFiring, ProcessRecord } from '../history/firings.ts';
import type { CommittedRow, EffectRow, ObservedMessage } from '../history/observe.ts';
import type { DrainOutcome } from '../history/drain.ts';
import type { EventIdLocation } from '../sut/definition.ts';

/** The invariant violations a checker can report. */
export type AnomalyKind = 'lost' | 'phantom' | 'effect-missing' | 'effect-duplicated' | 'order' | 'integrity';

export interface Anomaly {
  readonly kind: AnomalyKind;
  /** Concrete event ids, so a person can look them up in Kafka and the database. */
  readonly eventIds: readonly string[];
  readonly aggregateId?: string;
  readonly detail: string;
}

export type Validity = true | false | 'unknown';

export interface CheckerResult {
  readonly checker: string;
  readonly valid: Validity;
  readonly anomalies: readonly Anomaly[];
  /** Measurements (rates, percentiles); never a verdict on their own. */
  readonly stats?: Readonly<Record<string, number | null>>;
  /** Why the verdict is 'unknown'. */
  readonly unknownBecause?: string;
  /** What an undecidable checker would have reported, kept for the report, not counted. */
  readonly suspected?: readonly Anomaly[];
}

// The SUT declares where its event id lives, and the drain owns its outcome; checkers only read them.
export type { EventIdLocation } from '../sut/definition.ts';
export type { DrainOutcome } from '../history/drain.ts';

/** Everything a checker may look at: the final state, read directly, and what the harness saw. */
export interface CheckInput {
  readonly committed: readonly CommittedRow[];
  readonly messages: readonly ObservedMessage[];
  readonly effects: readonly EffectRow[];
  readonly deadLettered: readonly string[];
  /** Where a message carries the harness's event id. */
  readonly eventId: EventIdLocation;
  readonly perAggregateOrder: boolean;
  /** Commit time of each committed event as the writer saw it (ms since epoch), where known. */
  readonly commitTimes?: ReadonlyMap<string, number>;
  /** Effect time of each event (ms since epoch), where the SUT reports it. */
  readonly effectTimes?: ReadonlyMap<string, number>;
  /** How the end-of-run drain went: a drain that did not settle makes absences undecidable. */
  readonly drain: DrainOutcome;
  /** The writer's view of each write, where the harness issued them. */
  readonly ops?: readonly {
    readonly opId: string;
    readonly type: 'ok' | 'fail' | 'info';
    readonly invokedAt?: number;
    readonly completedAt?: number;
  }[];
  /** Every firing of every fault of the run, in start order. */
  readonly faults?: readonly FaultFiring[];
  /** The SUT processes' lifecycle (for crash points: did the armed process die on its own?). */
  readonly processes?: readonly ProcessRecord[];
}

/** A checker is a pure function over the input. */
export interface Checker {
  readonly name: string;
  /**
   * True when an absence is what it detects (lost, effect-missing): it can only decide once the
   * final state is final. Violations already observed (a phantom, a double effect, an inversion)
   * stand however the drain went.
   */
  readonly needsSettledState: boolean;
  check(input: CheckInput): CheckerResult;
}
