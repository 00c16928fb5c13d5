import type { Scenario } from '../harness/run/scenario.ts';

export const brokerRestart: Scenario = {
  name: 'broker-restart',
  description: 'The Kafka broker is killed with SIGKILL and restarted on its data.',
  faults: [{ fault: 'kafka-restart' }],
};
