import type { Scenario } from '../harness/run/scenario.ts';

export const concurrentRelays: Scenario = {
  name: 'concurrent-relays',
  description: 'Several relay replicas and writers race on a few hot aggregates; replicas are killed or paused.',
  concurrency: { relays: { min: 2, max: 3 }, consumers: { min: 1, max: 2 } },
  faults: [
    { fault: 'kill', roles: ['relay'] },
    { fault: 'pause', roles: ['relay'] },
  ],
};
