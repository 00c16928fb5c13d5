/**
 * One measurement taken several times, and the run to report. On a small shared machine the same
 * drain, minutes apart and with the same code, moves by a quarter or more, and a limit by up to
 * twice; one run per figure makes a table, and any verdict read off it, mostly luck.
 */

/**
 * A figure as reported: the run kept of a measurement taken `BenchReport.repeat` times (the
 * median, or the first that failed), with what every run gave, in order: events/s
 * for a drain or a limit (null for a run without a rate), p99 commit->publish ms for a steady run.
 */
export interface Repeats {
  readonly perRun: readonly (number | null)[];
}

export interface Repeated<T> {
  /** The run reported: the median, or the run that failed. */
  readonly kept: T;
  /** Every run taken, in order. */
  readonly runs: readonly T[];
}

export interface RepeatRule<T> {
  /** A run that lost or stalled: the finding, which no median may hide. */
  readonly failed: (run: T) => boolean;
  /** Orders runs from worst to best (negative when a is worse than b). */
  readonly worseFirst: (a: T, b: T) => number;
}

/**
 * Runs `measure` up to `times` times. The first run that fails ends the repeats and is kept, since
 * further runs cannot undo it (and a stalled one costs the whole stall timeout). Otherwise the
 * median run is kept; of an even count, the worse of the two middle runs, so that a figure is
 * never flattered by its count of runs.
 */
export async function measureRepeatedly<T>(
  times: number,
  measure: (run: number) => Promise<T>,
  rule: RepeatRule<T>,
): Promise<Repeated<T>> {
  if (!Number.isInteger(times) || times < 1)
    throw new Error(`a measurement is taken at least once, not ${times} times`);
  const runs: T[] = [];
  for (let i = 0; i < times; i++) {
    const run = await measure(i);
    runs.push(run);
    if (rule.failed(run)) return { kept: run, runs };
  }
  const ordered = [...runs].sort(rule.worseFirst);
  return { kept: ordered[Math.floor((ordered.length - 1) / 2)]!, runs };
}

/** Worst first by a rate: the lower, the worse. */
export const slowerFirst =
  <T>(rate: (run: T) => number | null) =>
  (a: T, b: T): number => {
    const x = rate(a) ?? -Infinity;
    const y = rate(b) ?? -Infinity;
    return x === y ? 0 : x < y ? -1 : 1;
  };

/** ", runs 20101, 27655, 31222": what each run of a repeated figure gave; empty for a single run. */
export function perRunText(r: Partial<Repeats>, label = 'runs', unit = ''): string {
  if (!r.perRun || r.perRun.length < 2) return '';
  return `, ${label} ${r.perRun.map((v) => (v === null ? '-' : `${Math.round(v)}${unit}`)).join(', ')}`;
}
