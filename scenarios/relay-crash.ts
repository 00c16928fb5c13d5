import type { Scenario } from '../harness/run/scenario.ts';

export const relayCrash: Scenario = {
  name: 'relay-crash',
  description: 'Relays are killed, paused, or crash at their own code points (before and after publish and mark).',
  faults: [
    { fault: 'crash-point', roles: ['relay'], weight: 2 },
    { fault: 'kill', roles: ['relay'], weight: 2 },
    { fault: 'pause', roles: ['relay'] },
  ],
};
