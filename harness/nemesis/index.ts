import { crashPoint } from './faults/crash-point.ts';
import { kafkaRestart, pgRestart, rebalance } from './faults/infra.ts';
import { partition } from './faults/partition.ts';
import { kill, pause } from './faults/process.ts';
import { toxic } from './faults/toxic.ts';
import type { FaultKind } from './types.ts';

export { healOnce, type ActiveFault, type FaultContext, type FaultKind, type FaultLimits } from './types.ts';

/** Every fault the nemesis knows, by name. A new fault is one file and one line here. */
export const FAULTS: Readonly<Record<string, FaultKind<any>>> = Object.fromEntries(
  [partition, toxic, kill, pause, crashPoint, kafkaRestart, pgRestart, rebalance].map((f) => [f.name, f]),
);

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
