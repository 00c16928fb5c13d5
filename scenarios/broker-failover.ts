import type { Scenario } from '../harness/run/scenario.ts';

export const brokerFailover: Scenario = {
  name: 'broker-failover',
  description:
    'A three-broker cluster under load: partition leaders are killed or frozen, a broker is cut off from its peers, a follower lags, the in-sync replicas die (unclean election forbidden).',
  kafkaBrokers: 3,
  faults: [
    { fault: 'broker-down', weight: 3 },
    { fault: 'broker-isolate', weight: 2 },
    { fault: 'slow-follower' },
    { fault: 'unclean-election' },
  ],
};
