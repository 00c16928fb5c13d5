import { brokerDown } from './faults/broker-down.ts';
import { brokerIsolate } from './faults/broker-isolate.ts';
import { crashPoint } from './faults/crash-point.ts';
import { kafkaRestart, pgRestart, rebalance } from './faults/infra.ts';
import { partition } from './faults/partition.ts';
import { kill, pause } from './faults/process.ts';
import { servicePause } from './faults/service-pause.ts';
import { slowFollower } from './faults/slow-follower.ts';
import { toxic } from './faults/toxic.ts';
import { uncleanElection } from './faults/unclean-election.ts';
import type { FaultKind } from './types.ts';

export {
  healOnce,
  type ActiveFault,
  type FaultContext,
  type FaultKind,
  type FaultLimits,
  type LaneGroup,
} from './types.ts';

/**
 * Every fault the nemesis knows, in the order the report's legend lists them. A new fault is one
 * file in faults/ and one line here; its name, colour and lane come with it.
 */
const REGISTERED: readonly FaultKind<any>[] = [
  partition,
  toxic,
  kill,
  pause,
  crashPoint,
  kafkaRestart,
  pgRestart,
  rebalance,
  servicePause,
  brokerDown,
  brokerIsolate,
  slowFollower,
  uncleanElection,
];

/** Every fault by name. */
export const FAULTS: Readonly<Record<string, FaultKind<any>>> = Object.fromEntries(REGISTERED.map((f) => [f.name, f]));

export function faultKind(name: string): FaultKind<unknown> {
  const kind = FAULTS[name];
  if (!kind) throw new Error(`unknown fault "${name}"; faults: ${Object.keys(FAULTS).join(', ')}`);
  return kind;
}

/** One line for people about a recorded fault step; an unknown fault still prints its parameters. */
export function describeFault(name: string, params: unknown): string {
  const kind = FAULTS[name];
  return kind ? kind.describe(params) : `${name} ${JSON.stringify(params)}`;
}
