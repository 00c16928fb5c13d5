import { linksTo } from '../harness/infra/links.ts';
import type { Scenario } from '../harness/run/scenario.ts';

export const pgPartition: Scenario = {
  name: 'pg-partition',
  description: 'The links to PostgreSQL are cut, black-holed, slowed, reset or truncated, one at a time.',
  faults: [
    { fault: 'partition', links: linksTo('postgres'), weight: 2 },
    { fault: 'toxic', links: linksTo('postgres'), weight: 2 },
  ],
  longWindowWeight: 1 / 4,
};
