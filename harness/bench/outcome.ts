import type { DrainFigure } from './drain.ts';
import type { SteadyFigure } from './steady.ts';

/** How a drain ended: only a delivered one has a rate. */
export type DrainOutcome = 'delivered' | 'lost' | 'stalled' | 'timed out';

export function drainOutcome(d: DrainFigure): DrainOutcome {
  if (d.stalled?.timedOut) return 'timed out';
  if (d.stalled) return 'stalled';
  if (d.lost > 0) return 'lost';
  return d.eventsPerSec === null ? 'stalled' : 'delivered';
}

/**
 * A SUT's drains that got no rate, by why. A best figure or a fraction of the limits comes only
 * from the drains that delivered, so these are shown beside it wherever it is shown.
 */
export interface DrainShortfalls {
  /** Every drain run: the curve's and the replicas x batch size ones. */
  readonly drains: number;
  readonly lost: number;
  readonly stalled: number;
  readonly timedOut: number;
  /** Events missing from Kafka in the lost drains and in the steady-state runs. */
  readonly lostEvents: number;
}

export function countShortfalls(drains: readonly DrainFigure[], steady: readonly SteadyFigure[] = []): DrainShortfalls {
  const outcomes = drains.map(drainOutcome);
  const count = (o: DrainOutcome) => outcomes.filter((x) => x === o).length;
  return {
    drains: drains.length,
    lost: count('lost'),
    stalled: count('stalled'),
    timedOut: count('timed out'),
    lostEvents: drains.reduce((n, d) => n + d.lost, 0) + steady.reduce((n, f) => n + (f.lost ?? 0), 0),
  };
}

/** "1 of 2 lost, 1 of 2 stalled": what went wrong among `of` drains; empty when nothing did. */
export function shortfallText(
  s: Pick<DrainShortfalls, 'lost' | 'stalled' | 'timedOut'>,
  of: number,
  noun = '',
): string {
  const parts: string[] = [];
  const add = (n: number, what: string) => {
    if (n > 0) parts.push(`${n} of ${of}${noun} ${what}`);
  };
  add(s.lost, 'lost');
  add(s.stalled, 'stalled');
  add(s.timedOut, 'timed out');
  return parts.join(', ');
}

/** The fastest drain that delivered everything, or null. */
export function bestDrain<D extends DrainFigure>(drains: readonly D[]): D | null {
  return drains.reduce<D | null>(
    (a, b) => (b.eventsPerSec !== null && (a === null || b.eventsPerSec > a.eventsPerSec!) ? b : a),
    null,
  );
}

/** What `bench` needs from a SUT's figures to decide its exit code and its warnings. */
interface Judged {
  readonly name: string;
  readonly error?: string;
  readonly shortfalls: DrainShortfalls;
}

/**
 * 1 when any SUT lost events (a finding about it, like an invalid run), else 2 when one could not
 * be measured (nothing observed is not a pass), else 0. Slow drains (stalled, timed out) are
 * figures, shown as such, and leave the code alone.
 */
export function benchExitCode(suts: readonly Judged[]): number {
  if (suts.some((s) => s.shortfalls.lostEvents > 0)) return 1;
  if (suts.some((s) => s.error !== undefined)) return 2;
  return 0;
}

/** One line per SUT whose drains fell short or that lost events; nothing for the others. */
export function shortfallLines(suts: readonly Judged[]): string[] {
  return suts.flatMap((s) => {
    const f = s.shortfalls;
    const drains = shortfallText(f, f.drains, ' drains');
    if (!drains && f.lostEvents === 0) return [];
    const events = f.lostEvents > 0 ? `${f.lostEvents} event(s) never reached Kafka` : '';
    return [`${s.name}: ${[drains, events].filter(Boolean).join('; ')}`];
  });
}
