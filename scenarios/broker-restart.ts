import type { Scenario } from '../harness/run/scenario.ts';

export const brokerRestart: Scenario = {
  name: 'broker-restart',
  description: 'The Kafka broker is killed with SIGKILL and restarted on its data.',
  concurrency: { writers: { min: 1, max: 3 }, relays: { min: 1, max: 2 }, consumers: { min: 1, max: 1 }, partitions: { min: 1, max: 3 } },
  faults: [{ fault: 'kafka-restart' }],
};
