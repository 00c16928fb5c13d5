import type { Scenario } from '../harness/run/scenario.ts';

export const consumerCrash: Scenario = {
  name: 'consumer-crash',
  description: 'Consumers are killed, paused, or crash between their effect and their offset commit.',
  concurrency: { writers: { min: 1, max: 3 }, relays: { min: 1, max: 1 }, consumers: { min: 1, max: 2 }, partitions: { min: 1, max: 3 } },
  faults: [{ fault: 'crash-point', roles: ['consumer'], weight: 2 }, { fault: 'kill', roles: ['consumer'] }, { fault: 'pause', roles: ['consumer'] }],
};
