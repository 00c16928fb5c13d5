import type { DrainFigure } from './drain.ts';
import type { SteadyFigure } from './steady.ts';
import type { ThirdPartyFigure } from './third-party.ts';

/** What a bench run measured: written as JSON, plotted as HTML, printed by the CLI. */
export interface BenchReport {
  readonly date: string;
  readonly machine: { readonly cpus: number; readonly memoryGiB: number; readonly node: string };
  readonly events: number;
  readonly partitions: number;
  readonly relay: {
    readonly eventsPerSec: number;
    readonly best: { replicas: number; batchSize: number };
    readonly runs: readonly DrainFigure[];
  };
  readonly baseline: {
    readonly kafkaProducerEventsPerSec: number;
    readonly pgClaimMarkEventsPerSec: number;
    readonly batchSize: number;
  };
  /** relay / min(baselines): 1 means the relay costs nothing beyond its slower half. */
  readonly ratio: number;
  readonly thirdParty?: ThirdPartyFigure;
  readonly steady: {
    readonly windowSeconds: number;
    readonly runs: readonly SteadyFigure[];
    readonly sustainedMaxRate: number | null;
  };
}
