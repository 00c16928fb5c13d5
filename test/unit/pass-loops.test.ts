import { describe, expect, it } from 'vitest';
import { Membership, placeAmong, type Place, type Queryable } from '../../reference-impl/lib/membership.ts';
import { PassLoops } from '../../reference-impl/lib/pass-loops.ts';

function loopsWithWakes(count: number, place?: () => Place): { loops: PassLoops; woken: number[] } {
  const loops = new PassLoops(count, place);
  const woken: number[] = [];
  for (let i = 0; i < count; i++) loops.register(i, () => woken.push(i));
  return { loops, woken };
}

describe('PassLoops', () => {
  it('runs the lead alone over every aggregate until a pass is full', () => {
    const { loops, woken } = loopsWithWakes(3);
    expect([0, 1, 2].map((i) => loops.runs(i))).toEqual([true, false, false]);
    expect(loops.share(0)).toEqual({ index: 0, count: 1 });
    loops.wakeAll();
    expect(woken).toEqual([0]);
    loops.passed(false);
    expect(loops.runs(1)).toBe(false);
    expect(woken).toEqual([0]);
  });

  it('calls every loop back on a full pass, each to its own share', () => {
    const { loops, woken } = loopsWithWakes(3);
    loops.passed(true);
    expect(woken).toEqual([0, 1, 2]);
    expect([0, 1, 2].map((i) => loops.runs(i))).toEqual([true, true, true]);
    expect([0, 1, 2].map((i) => loops.share(i))).toEqual([
      { index: 0, count: 3 },
      { index: 1, count: 3 },
      { index: 2, count: 3 },
    ]);
    // A second full pass changes nothing and wakes nobody.
    loops.passed(true);
    expect(woken).toHaveLength(3);
  });

  it('goes back to the lead alone when a pass is not full, and wakes the lead for its wider share', () => {
    const { loops, woken } = loopsWithWakes(2);
    loops.passed(true);
    woken.length = 0;
    loops.passed(false);
    expect(loops.runs(1)).toBe(false);
    expect(loops.share(0)).toEqual({ index: 0, count: 1 });
    expect(woken).toEqual([0]);
  });

  it('with one loop, is always that loop over every aggregate', () => {
    const { loops, woken } = loopsWithWakes(1);
    loops.passed(true);
    expect(loops.share(0)).toEqual({ index: 0, count: 1 });
    expect(woken).toEqual([]);
  });

  it('with several replicas, cuts the shares across every loop of every replica, only with a backlog', () => {
    let place: Place = { rank: 1, count: 3 };
    const { loops, woken } = loopsWithWakes(2, () => place);
    expect(loops.share(1)).toEqual({ index: 0, count: 1 });
    loops.passed(true);
    expect(woken).toEqual([0, 1]);
    expect([0, 1].map((i) => loops.share(i))).toEqual([
      { index: 2, count: 6 },
      { index: 3, count: 6 },
    ]);
    // A replica left: the next claims take the new place.
    place = { rank: 0, count: 2 };
    expect(loops.share(1)).toEqual({ index: 1, count: 4 });
  });

  it('gives a lone loop a share when other replicas run', () => {
    const { loops, woken } = loopsWithWakes(1, () => ({ rank: 1, count: 2 }));
    loops.passed(true);
    expect(woken).toEqual([0]);
    expect(loops.share(0)).toEqual({ index: 1, count: 2 });
    loops.passed(false);
    expect(loops.share(0)).toEqual({ index: 0, count: 1 });
  });
});

describe('placeAmong', () => {
  it("is a slot's rank among the slots held, or alone", () => {
    expect(placeAmong([4, 0, 9], 4)).toEqual({ rank: 1, count: 3 });
    expect(placeAmong([0], 0)).toEqual({ rank: 0, count: 1 });
    // Holding no slot, or one the server no longer shows (its session is gone): as if alone.
    expect(placeAmong([0, 1], null)).toEqual({ rank: 0, count: 1 });
    expect(placeAmong([0, 1], 5)).toEqual({ rank: 0, count: 1 });
  });
});

describe('Membership', () => {
  it('takes the lowest free slot, and places itself among the slots held', async () => {
    const taken = new Set([0, 1]);
    const session: Queryable = {
      query: async (_sql, params) => {
        const slot = params![1] as number;
        const ok = !taken.has(slot);
        taken.add(slot);
        return { rows: [{ ok }] };
      },
    };
    const m = new Membership();
    expect(m.place()).toEqual({ rank: 0, count: 1 });
    await m.join(session);
    await m.refresh({ query: async () => ({ rows: [...taken].map((slot) => ({ slot })) }) });
    expect(m.place()).toEqual({ rank: 2, count: 3 });
    // Its session gone, it is alone until it joins again.
    m.left();
    expect(m.place()).toEqual({ rank: 0, count: 1 });
  });

  it('joins a read of the slots that is still running instead of starting another', async () => {
    let reads = 0;
    let answer: (rows: { rows: Record<string, unknown>[] }) => void = () => {};
    const db: Queryable = {
      query: () => {
        reads++;
        return new Promise((resolve) => (answer = resolve));
      },
    };
    const m = new Membership();
    const first = m.refresh(db);
    const second = m.refresh(db);
    expect(reads).toBe(1);
    answer({ rows: [] });
    await Promise.all([first, second]);
    void m.refresh(db);
    expect(reads).toBe(2);
    answer({ rows: [] });
  });
});
