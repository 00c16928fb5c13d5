import type { ApplyFigure, DrainFigure } from './drain.ts';
import { formatLatency, type SteadyFigure } from './steady.ts';

/** "N events/s", or what happened instead: a stalled or lossy relay never gets a rate. */
export function drainRate(d: DrainFigure): string {
  if (d.stalled?.timedOut) return `${d.stalled.delivered} of ${d.stalled.events} in ${d.stalled.quietMs / 1000} s`;
  if (d.stalled) return `stalled at ${d.stalled.delivered} of ${d.stalled.events}`;
  if (d.lost > 0) return `lost ${d.lost} of ${d.backlog}`;
  return `${d.eventsPerSec} events/s`;
}

export function drainLine(d: DrainFigure): string {
  const time = d.ms === null ? '' : ` in ${(d.ms / 1000).toFixed(2)} s`;
  return `backlog ${d.backlog}, ${d.replicas} replica(s), batch ${d.batchSize ?? 'own'}: ${drainRate(d)}${time}, ${d.duplicates} duplicates`;
}

export function applyRate(a: ApplyFigure | null): string {
  if (!a) return '-';
  return a.stalled ? `stalled at ${a.applied} of ${a.events}` : `${a.effectsPerSec} effects/s`;
}

export function steadyLine(f: SteadyFigure): string {
  return (
    `${String(f.rate).padStart(5)}/s: achieved ${f.achievedRate}/s, commit->publish p50/p95/p99/max ${formatLatency(f.publishMs)} ms, ` +
    `commit->effect ${formatLatency(f.effectMs)} ms, ` +
    (f.catchUpMs === null
      ? `${f.missing} of ${f.events} not in Kafka yet when the time ran out`
      : `caught up ${f.catchUpMs} ms after the writers stopped`) +
    (f.lost ? `, lost ${f.lost}` : '') +
    (f.sustained ? '' : ' (not sustained)')
  );
}
