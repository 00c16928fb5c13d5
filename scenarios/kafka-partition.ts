import { linksTo } from '../harness/infra/links.ts';
import type { Scenario } from '../harness/run/scenario.ts';

export const kafkaPartition: Scenario = {
  name: 'kafka-partition',
  description: 'The links to Kafka are cut, black-holed, slowed, reset or truncated, one at a time.',
  faults: [
    { fault: 'partition', links: linksTo('kafka'), weight: 2 },
    { fault: 'toxic', links: linksTo('kafka'), weight: 2 },
  ],
  longWindowWeight: 1 / 4,
};
