import type { FaultEvent, HistoryEvent } from './history.ts';

/** One firing of a fault, as the history recorded it: when it started and healed, and on what. */
export interface FaultFiring {
  readonly faultId: string;
  /** Which fault of the schedule's timeline it belongs to. */
  readonly step: number;
  readonly fault: string;
  readonly target: string;
  readonly startedAt: number;
  /** When it healed; the end of the history if it never did. */
  readonly endedAt: number;
  /** False when the fault could not be started (it then acted on nothing). */
  readonly started: boolean;
  readonly affects: readonly string[];
  /** What the firing found and did (its fault-end detail). */
  readonly detail?: string;
  /** How the fault itself made the infrastructure lose acknowledged data, if it did. */
  readonly dataLoss?: string;
}

/** One write as the writer saw it: when it was sent, when its answer came, and what it committed. */
export interface WriteRecord {
  readonly opId: string;
  readonly type: 'ok' | 'fail' | 'info';
  readonly invokedAt: number;
  readonly completedAt: number;
  readonly events: readonly { readonly eventId: string; readonly aggregateId: string; readonly seq: number }[];
}

/**
 * Every completed write, from its invoke and completion in the history (the one record of it). A
 * write still unanswered at the end of the history is left out: it has no outcome to report.
 */
export function writeRecords(events: readonly HistoryEvent[]): WriteRecord[] {
  const invoked = new Map<string, number>();
  const out: WriteRecord[] = [];
  for (const e of events) {
    if (e.type === 'invoke') invoked.set(e.opId, e.wall);
    else if (e.type === 'ok' || e.type === 'fail' || e.type === 'info') {
      const invokedAt = invoked.get(e.opId);
      if (invokedAt === undefined) continue;
      out.push({ opId: e.opId, type: e.type, invokedAt, completedAt: e.wall, events: e.events ?? [] });
    }
  }
  return out;
}

/** A SUT process's lifecycle event (started, exited, killed...), with its wall time. */
export interface ProcessRecord {
  readonly process: string;
  readonly what: string;
  readonly pid: number;
  readonly at: number;
  readonly detail?: string;
}

/** Pairs each fault-start with its fault-end. */
export function faultFirings(events: readonly HistoryEvent[]): FaultFiring[] {
  const open = new Map<string, FaultEvent>();
  const out: FaultFiring[] = [];
  const lastWall = events.at(-1)?.wall ?? 0;
  for (const e of events) {
    if (e.type === 'fault-start') open.set(e.faultId, e);
    else if (e.type === 'fault-end') {
      const start = open.get(e.faultId);
      if (!start) continue;
      open.delete(e.faultId);
      const started = !(e.detail ?? '').startsWith('could not start');
      out.push({
        faultId: e.faultId,
        step: e.step,
        fault: e.fault,
        target: e.target,
        startedAt: start.wall,
        endedAt: e.wall,
        started,
        affects: e.affects ?? [],
        ...(e.detail ? { detail: e.detail } : {}),
        ...(e.dataLoss ? { dataLoss: e.dataLoss } : {}),
      });
    }
  }
  for (const start of open.values()) {
    out.push({
      faultId: start.faultId,
      step: start.step,
      fault: start.fault,
      target: start.target,
      startedAt: start.wall,
      endedAt: lastWall,
      started: true,
      affects: [],
    });
  }
  return out.sort((a, b) => a.startedAt - b.startedAt);
}

export function processRecords(events: readonly HistoryEvent[]): ProcessRecord[] {
  return events.flatMap((e) =>
    e.type === 'process'
      ? [{ process: e.process, what: e.what, pid: e.pid, at: e.wall, ...(e.detail ? { detail: e.detail } : {}) }]
      : [],
  );
}
