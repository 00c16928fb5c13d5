import type { Scenario } from '../harness/run/scenario.ts';

export const mixed: Scenario = {
  name: 'mixed',
  description: 'Everything at once: process, network and infrastructure faults over every role and link.',
  concurrency: { writers: { min: 1, max: 4 }, relays: { min: 1, max: 3 }, consumers: { min: 1, max: 2 }, partitions: { min: 1, max: 4 } },
  faults: [
    { fault: 'crash-point' },
    { fault: 'kill', roles: ['app', 'relay', 'consumer'] },
    { fault: 'pause', roles: ['app', 'relay', 'consumer'] },
    { fault: 'partition', links: ['app-pg', 'relay-pg', 'consumer-pg', 'relay-kafka', 'consumer-kafka', 'app-kafka'] },
    { fault: 'toxic', links: ['app-pg', 'relay-pg', 'consumer-pg', 'relay-kafka', 'consumer-kafka', 'app-kafka'] },
    { fault: 'kafka-restart' },
    { fault: 'pg-restart' },
    { fault: 'rebalance' },
  ],
  faultWeight: 1.5,
};
