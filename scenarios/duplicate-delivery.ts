import type { Scenario } from '../harness/run/scenario.ts';

export const duplicateDelivery: Scenario = {
  name: 'duplicate-delivery',
  description:
    'Redeliveries: a relay dies between ack and mark, a consumer between effect and offset, consumers join and leave.',
  concurrency: { consumers: { min: 1, max: 2 } },
  faults: [
    {
      fault: 'crash-point',
      points: ['relay.after-publish-before-mark', 'consumer.after-effect-before-offset'],
      weight: 3,
    },
    { fault: 'rebalance' },
    { fault: 'kill', roles: ['relay', 'consumer'], weight: 2 },
  ],
};
