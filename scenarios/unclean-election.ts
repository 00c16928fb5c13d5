import type { Scenario } from '../harness/run/scenario.ts';

export const uncleanElection: Scenario = {
  name: 'unclean-election',
  description:
    'A three-broker cluster whose topic allows unclean leader elections: the in-sync replicas die and an out-of-sync one takes over, so Kafka itself loses acknowledged messages. Run by name only: every SUT fails it.',
  kafkaBrokers: 3,
  uncleanElection: true,
  byNameOnly: true,
  faults: [{ fault: 'unclean-election' }],
};
