// A fault is a package: everything the harness and the report need to know of it comes from its
// own file. These checks hold for every registered fault without a stack.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LINK_NAMES } from '../../harness/infra/links.ts';
import { FAULTS } from '../../harness/nemesis/index.ts';
import { ROLES } from '../../harness/sut/definition.ts';
import { PROFILES } from '../../harness/run/profiles.ts';
import { faultArbs, shapeOf, type Scenario } from '../../harness/run/scenario.ts';
import { referenceSut } from '../../harness/sut/reference.ts';
import { scheduleArb } from '../../harness/workload/generators.ts';
import type { FaultStep } from '../../harness/workload/schedule.ts';
import { brokerFailover } from '../../scenarios/broker-failover.ts';

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

describe('faults on Kafka on a three-broker cluster', () => {
  // Decided here from the fault names, apart from what the faults declare: anything that takes a
  // broker down, cuts it off, slows its replication or acts on the whole cluster.
  const onBrokers = (step: FaultStep) =>
    ['broker-down', 'broker-isolate', 'slow-follower', 'unclean-election', 'kafka-restart'].includes(step.fault) ||
    (step.fault === 'service-pause' && (step.params as { service: string }).service === 'kafka');

  // broker-failover's own faults, and every whole-cluster Kafka fault beside them.
  const scenario: Scenario = {
    name: 'every-kafka-fault',
    description: 'broker faults and whole-cluster Kafka faults together',
    kafkaBrokers: 3,
    faults: [
      ...brokerFailover.faults,
      { fault: 'kafka-restart' },
      { fault: 'service-pause' },
      { fault: 'kill', roles: ['relay'] },
      { fault: 'partition', links: ['relay-kafka'] },
    ],
  };

  it('are never active at once in any schedule, even under a profile that lets faults overlap', () => {
    const def = referenceSut();
    const shape = shapeOf(scenario, PROFILES.deep, def);
    expect(shape.overlap).toBe(true);
    const arb = scheduleArb(shape, faultArbs(scenario, def, shape, { brokers: 3 }));
    let overlapsElsewhere = 0;
    fc.assert(
      fc.property(arb, (schedule) => {
        const steps = schedule.faults;
        for (const [i, a] of steps.entries())
          for (const b of steps.slice(i + 1)) {
            const apart = a.atMs + a.windowMs <= b.atMs || b.atMs + b.windowMs <= a.atMs;
            if (apart) continue;
            if (onBrokers(a) && onBrokers(b)) return false;
            overlapsElsewhere++;
          }
        // The placement keeps the drawn steps only: nothing beyond a schedule's own fields leaks out.
        for (const s of steps) expect(s).not.toHaveProperty('exclusive');
        return true;
      }),
      { numRuns: 500, seed: 7 },
    );
    // The profile still overlaps other faults: the property is not met by never overlapping at all.
    expect(overlapsElsewhere).toBeGreaterThan(0);
  });
});
