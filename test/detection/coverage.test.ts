import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { referenceSut } from '../../harness/sut/reference.ts';

/** The variants a file's detection suite is given, by its quoted names. */
const singleBroker = ['writer-and-relay', 'relay-and-consumer'].flatMap((f) => {
  const text = readFileSync(new URL(`./${f}.test.ts`, import.meta.url), 'utf8');
  return [...text.matchAll(/'([a-z-]+)'/g)].map((m) => m[1]!).filter((v) => v !== './detection.ts');
});

/** The variants the three-broker file runs and expects caught: `bug: '<variant>'` in it. */
const threeBrokers = [
  ...readFileSync(new URL('../scenarios/brokers.test.ts', import.meta.url), 'utf8').matchAll(/bug: '([a-z-]+)'/g),
].map((m) => m[1]!);

describe('detection suites', () => {
  const bugs = referenceSut().bugs!;
  const needCluster = bugs.variants.filter((v) => (bugs.kafkaBrokers?.[v] ?? 1) > 1);

  it('cover every variant the reference declares that one broker can expose, once', () => {
    expect([...singleBroker].sort()).toEqual(bugs.variants.filter((v) => !needCluster.includes(v)).sort());
  });

  it('every variant that needs a cluster is caught in the three-broker file', () => {
    // One broker could never catch it, so it must not hide in the single-broker suites either.
    expect(needCluster.length).toBeGreaterThan(0);
    for (const v of needCluster) expect(threeBrokers, v).toContain(v);
    for (const v of threeBrokers) expect(bugs.variants, v).toContain(v);
  });
});
