import { LINK_NAMES } from '../harness/infra/links.ts';
import type { Scenario } from '../harness/run/scenario.ts';

export const mixed: Scenario = {
  name: 'mixed',
  description:
    'Everything at once: process, network and infrastructure faults over every role and link (and over the brokers, on a cluster).',
  concurrency: { relays: { min: 1, max: 3 }, consumers: { min: 1, max: 2 }, partitions: { min: 1, max: 4 } },
  faults: [
    { fault: 'crash-point' },
    { fault: 'kill', roles: ['app', 'relay', 'consumer'] },
    { fault: 'pause', roles: ['app', 'relay', 'consumer'] },
    { fault: 'partition', links: LINK_NAMES },
    { fault: 'toxic', links: LINK_NAMES },
    { fault: 'kafka-restart' },
    { fault: 'pg-restart' },
    { fault: 'rebalance' },
    { fault: 'service-pause' },
    // Drawn only on a three-broker cluster; a single broker's schedules stay as they were.
    { fault: 'broker-down' },
    { fault: 'broker-isolate' },
    { fault: 'slow-follower' },
    { fault: 'unclean-election' },
  ],
};
