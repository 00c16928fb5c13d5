import type { Scenario } from '../harness/run/scenario.ts';

export const relayCrash: Scenario = {
  name: 'relay-crash',
  description: 'Relays are killed, paused, or crash at their own code points (before and after publish and mark).',
  concurrency: { writers: { min: 1, max: 3 }, relays: { min: 1, max: 2 }, consumers: { min: 1, max: 1 }, partitions: { min: 1, max: 3 } },
  faults: [{ fault: 'crash-point', roles: ['relay'], weight: 2 }, { fault: 'kill', roles: ['relay'] }, { fault: 'pause', roles: ['relay'] }],
};
