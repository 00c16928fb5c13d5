// Sharding a campaign across CI runners: every (scenario, run) pair of the plan lands in exactly
// one shard, the same one every time, and run i of a scenario draws the same schedule in a shard
// as in an unsharded run with the same seed (checked against the real schedule generator).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROFILES } from '../../harness/run/profiles.ts';
import { faultArbs, shapeOf } from '../../harness/run/scenario.ts';
import { parseShard, planSlices } from '../../harness/run/shard.ts';
import { referenceSut } from '../../harness/sut/reference.ts';
import { scheduleArb } from '../../harness/workload/generators.ts';
import type { Schedule } from '../../harness/workload/schedule.ts';
import { SCENARIOS, scenarioNamed } from '../../scenarios/index.ts';

const NAMES = SCENARIOS.map((s) => s.name);

/** Every pair of the plan over all n shards, as "scenario#run", with the shard that holds it. */
function owners(scenarios: readonly string[], runs: number, total: number): Map<string, number[]> {
  const seen = new Map<string, number[]>();
  for (let index = 1; index <= total; index++) {
    for (const slice of planSlices(scenarios, runs, { index, total })) {
      expect(slice.count).toBeGreaterThan(0);
      for (let i = slice.from; i < slice.from + slice.count; i++) {
        const key = `${slice.scenario}#${i}`;
        seen.set(key, [...(seen.get(key) ?? []), index]);
      }
    }
  }
  return seen;
}

describe('--shard k/n', () => {
  it('reads k/n, and anything else is one clear error', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, total: 4 });
    expect(parseShard(' 1/1 ')).toEqual({ index: 1, total: 1 });
    for (const bad of ['0/4', '5/4', '1/0', '2', '2/', 'a/b', '1.5/3', '-1/3', '2/4/6', ''])
      expect(() => parseShard(bad), bad).toThrow(/--shard must be k\/n with whole numbers 1 <= k <= n/);
  });
});

describe('the plan slices', () => {
  it('put every (scenario, run) pair in exactly one shard, for every shard count', () => {
    for (const scenarios of [NAMES, ['mixed'], NAMES.slice(0, 4)]) {
      for (const runs of [1, 2, 3, 5, 30]) {
        for (let total = 1; total <= 12; total++) {
          const seen = owners(scenarios, runs, total);
          expect(seen.size, `${scenarios.length}x${runs} over ${total}`).toBe(scenarios.length * runs);
          for (const [pair, shards] of seen) expect(shards, pair).toHaveLength(1);
        }
      }
    }
  });

  it('are near-equal: shard sizes differ by at most one run', () => {
    const sizes = [1, 2, 3, 4, 5, 6, 7].map((index) =>
      planSlices(NAMES, 5, { index, total: 7 }).reduce((a, s) => a + s.count, 0),
    );
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(NAMES.length * 5);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it('spread each scenario over the shards (run-major), so no shard is one slow scenario', () => {
    // 9 scenarios × 4 runs over 4 shards: every shard gets every scenario once.
    for (let index = 1; index <= 4; index++) {
      const slices = planSlices(NAMES, 4, { index, total: 4 });
      expect(slices.map((s) => s.scenario)).toEqual(NAMES);
      expect(slices.every((s) => s.count === 1 && s.from === index - 1)).toBe(true);
    }
  });

  it('are deterministic: the same inputs, the same slices', () => {
    for (let index = 1; index <= 5; index++)
      expect(planSlices(NAMES, 7, { index, total: 5 })).toEqual(planSlices([...NAMES], 7, { index, total: 5 }));
  });

  it('leave a shard with nothing when there are more shards than runs', () => {
    expect(planSlices(['mixed'], 2, { index: 2, total: 3 })).toEqual([{ scenario: 'mixed', from: 0, count: 1 }]);
    expect(planSlices(['mixed'], 2, { index: 3, total: 3 })).toEqual([{ scenario: 'mixed', from: 1, count: 1 }]);
    expect(planSlices(['mixed'], 2, { index: 1, total: 3 })).toEqual([]);
  });
});

describe('run i draws the same schedule in a shard as unsharded', () => {
  const def = referenceSut();
  const scenario = scenarioNamed('mixed');
  const shape = shapeOf(scenario, PROFILES.deep, def);
  const arb = scheduleArb(shape, faultArbs(scenario, def, shape));

  /** The schedules fast-check hands the property, as runScenario runs it (a slice starts at path "from"). */
  async function drawn(seed: number, numRuns: number, from = 0): Promise<Schedule[]> {
    const seen: Schedule[] = [];
    await fc.check(
      fc.asyncProperty(arb, async (s: Schedule) => {
        seen.push(s);
        return true;
      }),
      { seed, numRuns, ...(from > 0 ? { path: String(from) } : {}) },
    );
    return seen;
  }

  it('for every shard of a 3-way split of 20 runs', async () => {
    const seed = 20261122;
    const whole = await drawn(seed, 20);
    expect(new Set(whole.map((s) => JSON.stringify(s))).size).toBeGreaterThan(15);
    const sharded: Schedule[] = [];
    for (let index = 1; index <= 3; index++) {
      const [slice] = planSlices(['mixed'], 20, { index, total: 3 });
      sharded.push(...(await drawn(seed, slice!.count, slice!.from)));
    }
    expect(sharded).toEqual(whole);
  });

  it('and a failure found in a shard is named by the path an unsharded run would print', async () => {
    const target = JSON.stringify((await drawn(7, 12))[9]);
    const fails = fc.asyncProperty(arb, async (s: Schedule) => JSON.stringify(s) !== target);
    // Shrinking is cut at once (endOnFailure) so only the path of the failing run itself is compared.
    const whole = await fc.check(fails, { seed: 7, numRuns: 12, endOnFailure: true });
    const shard = await fc.check(fails, { seed: 7, numRuns: 4, path: '8', endOnFailure: true });
    expect(whole.counterexamplePath).toBe('9');
    expect(shard.counterexamplePath).toBe('9');
  });
});
