import { linksTo } from '../harness/infra/links.ts';
import type { Scenario } from '../harness/run/scenario.ts';

export const pgPartition: Scenario = {
  name: 'pg-partition',
  description: 'The links to PostgreSQL are cut, black-holed, slowed, reset or truncated, one at a time.',
  concurrency: { writers: { min: 1, max: 3 }, relays: { min: 1, max: 2 }, consumers: { min: 1, max: 1 }, partitions: { min: 1, max: 3 } },
  faults: [
    { fault: 'partition', links: linksTo('postgres'), weight: 2 },
    { fault: 'toxic', links: linksTo('postgres'), weight: 2 },
  ],
};
