import type { Scenario } from '../harness/run/scenario.ts';

export const consumerCrash: Scenario = {
  name: 'consumer-crash',
  description: 'Consumers are killed, paused, or crash between their effect and their offset commit.',
  concurrency: { relays: { min: 1, max: 1 }, consumers: { min: 1, max: 2 } },
  faults: [
    { fault: 'crash-point', roles: ['consumer'], weight: 2 },
    { fault: 'kill', roles: ['consumer'], weight: 2 },
    { fault: 'pause', roles: ['consumer'] },
  ],
};
