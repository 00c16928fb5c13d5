import type { Scenario } from '../harness/run/scenario.ts';

export const pgRestart: Scenario = {
  name: 'pg-restart',
  description: 'PostgreSQL is killed with SIGKILL (postmaster and backends) and recovers from its WAL.',
  concurrency: { writers: { min: 1, max: 3 }, relays: { min: 1, max: 2 }, consumers: { min: 1, max: 1 }, partitions: { min: 1, max: 3 } },
  faults: [{ fault: 'pg-restart' }],
};
