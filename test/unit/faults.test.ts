// A fault is a package: everything the harness and the report need to know of it comes from its
// own file. These checks hold for every registered fault without a stack.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LINK_NAMES } from '../../harness/infra/links.ts';
import { FAULTS } from '../../harness/nemesis/index.ts';
import { ROLES } from '../../harness/sut/definition.ts';
import { referenceSut } from '../../harness/sut/reference.ts';

const faults = Object.entries(FAULTS);

describe('every registered fault', () => {
  it('is registered under its own name', () => {
    for (const [name, kind] of faults) expect(kind.name).toBe(name);
  });

  it('brings its own colour, distinct from every other fault, and the kind of lane it draws on', () => {
    for (const [, kind] of faults) {
      expect(kind.colour).toMatch(/^#[0-9a-f]{6}$/);
      expect(['link', 'process', 'service']).toContain(kind.lane);
    }
    expect(new Set(faults.map(([, k]) => k.colour)).size).toBe(faults.length);
  });

  it('draws plain-JSON parameters for the reference on a three-broker stack, and describes them in one line', () => {
    const def = referenceSut();
    for (const [name, kind] of faults) {
      const arb = kind.params({ def, roles: ROLES, links: LINK_NAMES, brokers: 3 });
      expect(arb, `${name} draws nothing for the reference`).toBeDefined();
      for (const params of fc.sample(arb!, { seed: 1, numRuns: 20 })) {
        expect(JSON.parse(JSON.stringify(params))).toEqual(params);
        const line = kind.describe(params);
        expect(line.length).toBeGreaterThan(0);
        expect(line).not.toContain('\n');
      }
    }
  });

  it('leaves the faults that need peers out on a single broker', () => {
    const def = referenceSut();
    const clusterOnly = ['broker-down', 'broker-isolate', 'slow-follower', 'unclean-election'];
    for (const name of clusterOnly) {
      expect(faults.find(([n]) => n === name)![1].params({ def, brokers: 1 }), name).toBeUndefined();
      expect(faults.find(([n]) => n === name)![1].params({ def, brokers: 3 }), name).toBeDefined();
    }
  });
});
