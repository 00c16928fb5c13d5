import { describe, expect, it } from 'vitest';
import { PassLoops } from '../../reference-impl/lib/pass-loops.ts';

function loopsWithWakes(count: number): { loops: PassLoops; woken: number[] } {
  const loops = new PassLoops(count);
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
});
