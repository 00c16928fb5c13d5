import { cpuText } from './cpu.ts';
import type { ApplyFigure, DrainFigure } from './drain.ts';
import { bestDrain, countShortfalls, shortfallText } from './outcome.ts';
import { formatLatency, type SteadyFigure } from './steady.ts';
import { perRunText, type Repeats } from './repeat.ts';
import type { SutReport } from './types.ts';

/** "N events/s", or what happened instead: a stalled or lossy relay never gets a rate. */
export function drainRate(d: DrainFigure): string {
  const when = d.warmUp ? ' in the warm-up' : '';
  if (d.stalled?.timedOut)
    return `${d.stalled.delivered} of ${d.stalled.events} in ${d.stalled.quietMs / 1000} s${when}`;
  if (d.stalled) return `stalled at ${d.stalled.delivered} of ${d.stalled.events}${when}`;
  if (d.lost > 0) return `lost ${d.lost} of ${d.warmUp?.events ?? d.backlog}${when}`;
  return `${d.eventsPerSec} events/s`;
}

/**
 * A SUT at n relay replicas, over its batch sizes: the best rate, marked with the drains that got
 * none ("14925 (1 of 2 lost)"); when none did, what the first one did instead. '-' when not run.
 */
export function replicaCell(s: Pick<SutReport, 'drains'>, n: number): string {
  const runs = s.drains.filter((d) => d.replicas === n);
  if (runs.length === 0) return '-';
  const best = bestDrain(runs);
  const text = best ? String(best.eventsPerSec) : drainRate(runs[0]!);
  // A single run that got no rate already says what happened.
  const marks = best || runs.length > 1 ? shortfallText(countShortfalls(runs), runs.length) : '';
  return marks ? `${text} (${marks})` : text;
}

/** The fraction of the limits, marked with every drain of the SUT that got no rate. */
export function fractionCell(s: Pick<SutReport, 'fractionOfLimit' | 'shortfalls'>): string {
  if (s.fractionOfLimit === null) return '-';
  const marks = shortfallText(s.shortfalls, s.shortfalls.drains, ' drains');
  return marks ? `${s.fractionOfLimit} (${marks})` : String(s.fractionOfLimit);
}

export function drainLine(d: DrainFigure & Partial<Repeats>): string {
  const time = d.ms === null ? '' : ` in ${(d.ms / 1000).toFixed(2)} s`;
  return `backlog ${d.backlog}, ${d.replicas} replica(s), batch ${d.batchSize ?? 'own'}: ${drainRate(d)}${time}, ${d.duplicates} duplicates${perRunText(d)}${cpuText(d.cpu)}`;
}

export function applyRate(a: ApplyFigure | null): string {
  if (!a) return '-';
  return a.stalled ? `stalled at ${a.applied} of ${a.events}` : `${a.effectsPerSec} effects/s`;
}

export function steadyLine(f: SteadyFigure & Partial<Repeats>): string {
  return (
    `${String(f.rate).padStart(5)}/s: achieved ${f.achievedRate}/s, commit->publish p50/p95/p99/max ${formatLatency(f.publishMs)} ms, ` +
    `commit->effect ${formatLatency(f.effectMs)} ms, ` +
    (f.catchUpMs === null
      ? `${f.missing} of ${f.events} not in Kafka yet when the time ran out`
      : `caught up ${f.catchUpMs} ms after the writers stopped`) +
    (f.lost ? `, lost ${f.lost}` : '') +
    (f.sustained ? '' : ' (not sustained)') +
    perRunText(f, 'p99 commit->publish per run', ' ms') +
    cpuText(f.cpu)
  );
}
