import type fc from 'fast-check';
import type { RunEnv, Stack } from '../infra/stack.ts';
import type { SutCluster } from '../sut/cluster.ts';
import type { Role, SutDefinition } from '../sut/definition.ts';

/** What a fault may act on during a run. */
export interface FaultContext {
  readonly stack: Stack;
  readonly cluster: SutCluster;
  readonly def: SutDefinition;
  /** The run's own database, topic and group: a broker fault finds its partition leaders here. */
  readonly run?: RunEnv;
}

/** The kinds of lane on the report's timeline: a link, one SUT process, or a piece of the infrastructure. */
export type LaneGroup = 'link' | 'process' | 'service';

/** What a fault acts on, as one lane of the report's timeline: "link:relay-kafka", "process:relay-1"... */
export type FaultLane<G extends LaneGroup = LaneGroup> = `${G}:${string}`;

/** A fault in progress; heal() undoes it and is safe to call twice. */
export interface ActiveFault<G extends LaneGroup = LaneGroup> {
  heal(): Promise<void>;
  /** The lanes this firing hit, all of its fault's kind of lane. */
  readonly affects: readonly FaultLane<G>[];
  /** What the firing found and did, once started: which broker and partition it hit, say. */
  readonly detail?: () => string | undefined;
  /**
   * For a fault that acts once, at a moment the SUT chooses (a crash point fires when the process
   * gets there): resolves when it has. Such a firing is held until then or until its window ends,
   * not for a cycle's down time: a crash point disarmed before the process reached it never happened.
   */
  readonly acted?: Promise<void>;
  /**
   * Set when the firing made the infrastructure itself lose acknowledged data (an unclean leader
   * election truncating Kafka's log): the checker names it beside any loss it reports.
   */
  readonly dataLoss?: () => string | undefined;
}

/** Picks a replica of a role: an index taken modulo the number running, so shrinking stays valid. */
export interface ProcessTarget {
  readonly role: Role;
  readonly replica: number;
}

/**
 * One kind of fault, whole in its own file: its name, its parameters, how people read it, how the
 * report draws it, how it starts and how it heals. Its parameters are plain JSON, so a schedule
 * can be printed, saved and replayed. Adding a fault is one file in faults/ and one line in
 * nemesis/index.ts.
 */
export interface FaultKind<P = unknown, G extends LaneGroup = LaneGroup> {
  readonly name: string;
  /** The colour of its windows on the report's timeline (#rrggbb), distinct from every other fault's. */
  readonly colour: string;
  /** The kind of lane its windows are drawn on; which lanes exactly, each firing says (affects). */
  readonly lane: G;
  /**
   * True when the fault may cycle within its window (kill, restart, kill again...): many bugs lose
   * only what is in flight during a narrow moment, so more firings under load find more.
   */
  readonly repeatable?: boolean;
  /**
   * What a firing needs to itself, if anything: two faults naming the same thing are never active
   * at once. Every fault on Kafka's brokers names "kafka", one broker or all of them: two brokers
   * of three down together lose the controller quorum, and a whole-cluster restart or pause
   * tramples a single broker's fault and its heal.
   */
  exclusive?(params: P): string | undefined;
  /** Parameters for this fault, limited to what the scenario allows (roles, links, ...). */
  params(limits: FaultLimits): fc.Arbitrary<P> | undefined;
  /** One line for people: what it hits and how. */
  describe(params: P): string;
  start(ctx: FaultContext, params: P): Promise<ActiveFault<G>>;
}

export interface FaultLimits {
  readonly def: SutDefinition;
  readonly roles?: readonly Role[];
  readonly links?: readonly string[];
  /** Kafka brokers of the stack: broker faults need a cluster. */
  readonly brokers?: number;
  /** The scenario lets the run's topic elect an out-of-sync replica as leader. */
  readonly uncleanElection?: boolean;
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
