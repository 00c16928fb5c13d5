import { HarnessError } from '../common/errors.ts';

/**
 * Splitting a campaign across CI runners. The plan is every (scenario, run index) pair; shard k
 * of n takes the k-th of n contiguous, near-equal stretches of it. The pairs are ordered run
 * index first, then scenario, so each shard gets a mix of scenarios (and of the early, small
 * runs fast-check biases towards) rather than a few whole scenarios, while the runs of one
 * scenario in one shard still form one unbroken range of indices.
 *
 * Why a range is enough for determinism: fast-check draws run i of a property from the seed and
 * i alone (its generator jumps the random stream once per run and each run works on a copy), so
 * starting fast-check at index `from` (its `path`) draws exactly the schedules an unsharded run
 * with the same seed draws at those indices. test/unit/shard.test.ts checks this against the real
 * schedule generator.
 */

/** Shard `index` of `total`, both 1-based: `--shard 2/4` is { index: 2, total: 4 }. */
export interface Shard {
  readonly index: number;
  readonly total: number;
}

/** The runs of one scenario a shard executes: indices from .. from + count - 1 (0-based). */
export interface PlanSlice {
  readonly scenario: string;
  readonly from: number;
  readonly count: number;
}

const SHARD_FORMAT = /^(\d+)\/(\d+)$/;

/** Reads "k/n"; anything but whole numbers with 1 <= k <= n is bad input, said in one line. */
export function parseShard(text: string): Shard {
  const m = SHARD_FORMAT.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const total = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(index) || !Number.isSafeInteger(total) || index < 1 || total < 1 || index > total)
    throw new HarnessError(`--shard must be k/n with whole numbers 1 <= k <= n (e.g. 2/4), not "${text}"`);
  return { index, total };
}

/** "2/4", as the flag takes it and the reports print it. */
export function shardLabel(shard: Shard): string {
  return `${shard.index}/${shard.total}`;
}

/**
 * The slices of the plan (scenarios × runsPerScenario) that shard `shard` runs, in scenario order;
 * scenarios the shard has no run of are left out. Over k = 1..n the slices hold every pair once.
 */
export function planSlices(scenarios: readonly string[], runsPerScenario: number, shard: Shard): PlanSlice[] {
  if (shard.index < 1 || shard.index > shard.total) throw new RangeError(`no shard ${shardLabel(shard)}`);
  const pairs = scenarios.length * runsPerScenario;
  // Stretch k is [floor((k-1)·P/n), floor(k·P/n)): sizes differ by at most one.
  const start = Math.floor(((shard.index - 1) * pairs) / shard.total);
  const end = Math.floor((shard.index * pairs) / shard.total);
  const slices: PlanSlice[] = [];
  scenarios.forEach((scenario, s) => {
    // Pair p is run floor(p / S) of scenario p mod S; the runs of scenario s in [start, end)
    // are the i with start <= i·S + s < end.
    const S = scenarios.length;
    const from = Math.max(0, Math.ceil((start - s) / S));
    const to = Math.min(runsPerScenario, Math.ceil((end - s) / S));
    if (to > from) slices.push({ scenario, from, count: to - from });
  });
  return slices;
}
