/**
 * A schedule is one shrinkable, JSON-serialisable value: the concurrency of the run and a short
 * list of steps. An ops step is a burst of business writes against one aggregate; a fault step
 * starts a fault that heals itself after its window. Steps are issued in order; writes run on a
 * pool of writers, so a fault window overlaps the writes that follow it.
 */

export interface Concurrency {
  readonly writers: number;
  readonly relays: number;
  readonly consumers: number;
  readonly partitions: number;
}

/**
 * commit: an ordinary write. rollback: the client rolls the transaction back. slow: the
 * transaction stays open for a while before COMMIT. crash: the app is killed while the
 * transaction is open (an indeterminate write, resolved from the final database).
 */
export type OpMode = 'commit' | 'rollback' | 'slow' | 'crash';

export interface OpStep {
  readonly kind: 'ops';
  readonly type: 'deposit' | 'transfer';
  /** Index into AGGREGATES; for a transfer, the account debited. */
  readonly aggregate: number;
  /** For a transfer, the account credited (moved off `aggregate` if equal). */
  readonly to: number;
  readonly count: number;
  readonly mode: OpMode;
}

export interface FaultStep {
  readonly kind: 'fault';
  readonly fault: string;
  readonly params: unknown;
  readonly windowMs: number;
}

export type Step = OpStep | FaultStep;

export interface Schedule {
  readonly concurrency: Concurrency;
  readonly steps: readonly Step[];
}

/** A small set of aggregates, so that per-aggregate order is exercised hard. */
export const AGGREGATES = ['acct-0', 'acct-1', 'acct-2', 'acct-3'] as const;

export function accountOf(index: number): string {
  return AGGREGATES[((index % AGGREGATES.length) + AGGREGATES.length) % AGGREGATES.length]!;
}

export function transferTarget(step: OpStep): string {
  return accountOf(step.to === step.aggregate ? step.aggregate + 1 : step.to);
}

export function describeStep(step: Step, describeFault: (name: string, params: unknown) => string): string {
  if (step.kind === 'fault') return `fault   ${describeFault(step.fault, step.params)} for ${step.windowMs} ms`;
  const what = step.type === 'deposit' ? `deposit to ${accountOf(step.aggregate)}` : `transfer ${accountOf(step.aggregate)} -> ${transferTarget(step)}`;
  return `ops     ${step.count} x ${what}${step.mode === 'commit' ? '' : ` (${step.mode})`}`;
}
