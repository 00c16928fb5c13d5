import { describe, expect, it } from 'vitest';
import { printMatrix } from '../../harness/cli/summary.ts';
import { variantsFor, type MatrixReport } from '../../harness/run/matrix.ts';
import { referenceSut } from '../../harness/sut/reference.ts';

describe('matrix: which variants a stack can catch', () => {
  const def = referenceSut();

  it('on one broker, "all" leaves out leader-acks (acks=1 is acks=all there) and says what it needs', () => {
    const { variants, notRun } = variantsFor(def, 'all', 1);
    expect(variants).not.toContain('leader-acks');
    expect(variants).toContain('weak-acks');
    expect(variants.length + notRun.length).toBe(def.bugs!.variants.length);
    expect(notRun).toEqual([{ variant: 'leader-acks', kafkaBrokers: 3 }]);
  });

  it('on three brokers, "all" runs every variant', () => {
    expect(variantsFor(def, 'all', 3)).toEqual({ variants: def.bugs!.variants, notRun: [] });
  });

  it('a variant named on too few brokers is refused with the flag that would run it, not reported as escaping', () => {
    expect(() => variantsFor(def, ['weak-acks', 'leader-acks'], 1)).toThrow(
      'variant leader-acks needs 3 Kafka brokers to be caught: run it with --kafka-brokers 3',
    );
    expect(variantsFor(def, ['leader-acks'], 3).variants).toEqual(['leader-acks']);
  });

  it('an unknown variant is refused', () => {
    expect(() => variantsFor(def, ['no-such'], 3)).toThrow(/unknown variant "no-such"; variants: dual-write/);
  });

  it('the printed matrix lists a variant left out as not run, with what it needs, not as caught or escaped', () => {
    const report: MatrixReport = {
      sut: 'reference',
      profile: 'ci',
      withoutCrashPoints: false,
      scenarios: ['relay-crash'],
      kafkaBrokers: 1,
      notRun: [{ variant: 'leader-acks', kafkaBrokers: 3 }],
      variants: [{ variant: 'weak-acks', caught: false, cells: [] }],
    };
    const lines: string[] = [];
    printMatrix(report, (l) => lines.push(l));
    expect(lines.find((l) => l.startsWith('weak-acks'))).toMatch(/NO$/);
    expect(lines.find((l) => l.startsWith('leader-acks'))).toMatch(
      /not run: needs 3 Kafka brokers, this stack has 1 \(--kafka-brokers 3\)$/,
    );
  });
});
