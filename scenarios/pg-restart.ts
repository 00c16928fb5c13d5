import type { Scenario } from '../harness/run/scenario.ts';

export const pgRestart: Scenario = {
  name: 'pg-restart',
  description: 'PostgreSQL is killed with SIGKILL (postmaster and backends) and recovers from its WAL.',
  faults: [{ fault: 'pg-restart' }],
};
