import type { ApplyFigure, DrainFigure } from './drain.ts';
import type { Limits } from './limits.ts';
import type { DrainShortfalls } from './outcome.ts';
import type { Repeats } from './repeat.ts';
import type { SteadyFigure } from './steady.ts';

export type { Repeats } from './repeat.ts';

/** One SUT's figures, every one observed in Kafka (and in its effects) through its manifest. */
export interface SutReport {
  readonly name: string;
  /** Set when measuring it failed part-way: the figures before the failure are kept. */
  readonly error?: string;
  /** The manifest it came in through. */
  readonly manifest: string;
  /** Drain rate against backlog size: one replica, the largest batch size. */
  readonly curve: readonly (DrainFigure & Repeats)[];
  /** Drain rate for each replicas x batch size, at the main backlog. */
  readonly drains: readonly (DrainFigure & Repeats)[];
  /**
   * The fastest drain that delivered everything; null when none did. Other drains of the same SUT
   * may have lost or stalled: `shortfalls` counts them.
   */
  readonly best: (DrainFigure & Repeats) | null;
  /** best / limits.eventsPerSec; null without limits or without a best drain. */
  readonly fractionOfLimit: number | null;
  /** best / limits.together.eventsPerSec (both halves at once on the shared machine); null likewise. */
  readonly fractionOfTogether: number | null;
  /** Its drains (curve and replicas x batch size) that got no rate, and the events it lost. */
  readonly shortfalls: DrainShortfalls;
  readonly apply: ApplyFigure | null;
  /** One-event transactions per second that WRITERS connections commit through its preload statement. */
  readonly writerCeiling: number | null;
  readonly steady: {
    readonly windowSeconds: number;
    readonly runs: readonly (SteadyFigure & Repeats)[];
    readonly sustainedMaxRate: number | null;
  };
}

/** What a bench run measured: written as JSON, plotted as HTML, printed by the CLI. */
export interface BenchReport {
  readonly date: string;
  readonly machine: { readonly host: string; readonly cpus: number; readonly memoryGiB: number; readonly node: string };
  /** The main backlog: events per drain in the replicas x batch size runs. */
  readonly events: number;
  /** Events each drain relayed, unmeasured, before its backlog committed. */
  readonly warmUpEvents: number;
  /** How many times each drain, steady run and limit was measured. */
  readonly repeat: number;
  readonly partitions: number;
  readonly aggregates: number;
  readonly limits: Limits | null;
  readonly suts: readonly SutReport[];
}
