import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { referenceSut } from '../../harness/sut/reference.ts';

describe('detection suites', () => {
  it('cover every variant the reference declares, once', () => {
    const listed = ['writer-and-relay', 'relay-and-consumer'].flatMap((f) => {
      const text = readFileSync(new URL(`./${f}.test.ts`, import.meta.url), 'utf8');
      return [...text.matchAll(/'([a-z-]+)'/g)].map((m) => m[1]!).filter((v) => v !== './detection.ts');
    });
    expect([...listed].sort()).toEqual([...referenceSut().bugs!.variants].sort());
  });
});
