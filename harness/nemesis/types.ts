import type fc from 'fast-check';
import type { Stack } from '../infra/stack.ts';
import type { SutCluster } from '../sut/cluster.ts';
import type { Role, SutDefinition } from '../sut/definition.ts';

/** What a fault may act on during a run. */
export interface FaultContext {
  readonly stack: Stack;
  readonly cluster: SutCluster;
  readonly def: SutDefinition;
}

/**
 * What a fault acts on, as a lane of the report's timeline: a link, one SUT process, or a piece
 * of the infrastructure.
 */
export type FaultLane = `link:${string}` | `process:${string}` | `service:${string}`;

/** A fault in progress; heal() undoes it and is safe to call twice. */
export interface ActiveFault {
  heal(): Promise<void>;
  readonly affects: readonly FaultLane[];
}

/** Picks a replica of a role: an index taken modulo the number running, so shrinking stays valid. */
export interface ProcessTarget {
  readonly role: Role;
  readonly replica: number;
}

/**
 * One kind of fault. Its parameters are plain JSON, so a schedule can be printed,
 * saved and replayed. Adding a fault is one file in faults/ and one line in nemesis/index.ts.
 */
export interface FaultKind<P = unknown> {
  readonly name: string;
  /**
   * True when the fault may cycle within its window (kill, restart, kill again...): many bugs lose
   * only what is in flight during a narrow moment, so more firings under load find more.
   */
  readonly repeatable?: boolean;
  /** Parameters for this fault, limited to what the scenario allows (roles, links, ...). */
  params(limits: FaultLimits): fc.Arbitrary<P> | undefined;
  /** One line for people: what it hits and how. */
  describe(params: P): string;
  start(ctx: FaultContext, params: P): Promise<ActiveFault>;
}

export interface FaultLimits {
  readonly def: SutDefinition;
  readonly roles?: readonly Role[];
  readonly links?: readonly string[];
}

export function resolveTarget(cluster: SutCluster, target: ProcessTarget): string {
  const names = cluster.names(target.role);
  if (names.length === 0) throw new Error(`no ${target.role} process to target`);
  return names[target.replica % names.length]!;
}

/** Wraps an undo so that a second heal (the window's end after a harness-wide heal) does nothing. */
export function healOnce(undo: () => Promise<void> | void): () => Promise<void> {
  let healed: Promise<void> | undefined;
  return () => (healed ??= Promise.resolve().then(undo));
}
