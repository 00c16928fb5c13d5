import type { Scenario } from '../harness/run/scenario.ts';
import { brokerFailover } from './broker-failover.ts';
import { brokerRestart } from './broker-restart.ts';
import { concurrentRelays } from './concurrent-relays.ts';
import { consumerCrash } from './consumer-crash.ts';
import { duplicateDelivery } from './duplicate-delivery.ts';
import { kafkaPartition } from './kafka-partition.ts';
import { mixed } from './mixed.ts';
import { pgPartition } from './pg-partition.ts';
import { pgRestart } from './pg-restart.ts';
import { relayCrash } from './relay-crash.ts';
import { uncleanElection } from './unclean-election.ts';

/** Every scenario, in the order reports list them. A new scenario is one file and one line here. */
export const SCENARIOS: readonly Scenario[] = [
  relayCrash,
  consumerCrash,
  kafkaPartition,
  pgPartition,
  brokerRestart,
  pgRestart,
  concurrentRelays,
  duplicateDelivery,
  mixed,
  brokerFailover,
  uncleanElection,
];

export function scenarioNamed(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown scenario "${name}"; scenarios: ${SCENARIOS.map((x) => x.name).join(', ')}, all`);
  return s;
}
