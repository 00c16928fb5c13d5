import type { Scenario } from '../harness/run/scenario.ts';

export const duplicateDelivery: Scenario = {
  name: 'duplicate-delivery',
  description: 'Redeliveries: a relay dies between ack and mark, a consumer between effect and offset, consumers join and leave.',
  concurrency: { writers: { min: 1, max: 3 }, relays: { min: 1, max: 2 }, consumers: { min: 1, max: 2 }, partitions: { min: 1, max: 3 } },
  faults: [
    { fault: 'crash-point', points: ['relay.after-publish-before-mark', 'consumer.after-effect-before-offset'], weight: 3 },
    { fault: 'rebalance' },
    { fault: 'kill', roles: ['consumer'] },
  ],
};
