import fs from 'node:fs';

/**
 * The history of one run, Jepsen style: every client operation as an invoke and a completion
 * (ok / fail / info = indeterminate), every fault as a start and an end, every process
 * lifecycle event. Written as JSON lines as it happens, so a crash of the harness keeps it.
 */

export type OpType = 'ok' | 'fail' | 'info';

interface Base {
  /** Position in the history. */
  readonly index: number;
  /** Wall clock (ms since epoch) and monotonic time (ms since the run began). */
  readonly wall: number;
  readonly mono: number;
  /** Who did it: writer-1, nemesis, harness, or a SUT process name. */
  readonly process: string;
}

export interface InvokeEvent extends Base {
  readonly type: 'invoke';
  readonly opId: string;
  readonly step: number;
  readonly op: Readonly<Record<string, unknown>>;
}

export interface CompleteEvent extends Base {
  readonly type: OpType;
  readonly opId: string;
  readonly step: number;
  readonly events?: readonly { eventId: string; aggregateId: string; seq: number }[];
  readonly error?: string;
}

export interface FaultEvent extends Base {
  readonly type: 'fault-start' | 'fault-end';
  readonly faultId: string;
  readonly step: number;
  readonly fault: string;
  readonly target: string;
  /** For a fault that cycles within its window: which firing this is (0-based). */
  readonly cycle?: number;
  /** On fault-end: the lanes it acted on (links, processes, services), known once it started. */
  readonly affects?: readonly string[];
  readonly detail?: string;
  /** On fault-end: how the fault itself made the infrastructure lose acknowledged data, if it did. */
  readonly dataLoss?: string;
}

export interface ProcessLifecycleEvent extends Base {
  readonly type: 'process';
  readonly what: string;
  readonly pid: number;
  readonly detail?: string;
}

export interface PhaseEvent extends Base {
  readonly type: 'phase';
  readonly phase: 'start' | 'load-start' | 'workload-done' | 'healed' | 'drained' | 'observed';
  readonly detail?: string;
}

export type HistoryEvent = InvokeEvent | CompleteEvent | FaultEvent | ProcessLifecycleEvent | PhaseEvent;

type Without<T> = T extends unknown ? Omit<T, 'index' | 'wall' | 'mono'> : never;

export class History {
  private readonly list: HistoryEvent[] = [];
  private readonly started = performance.now();
  private readonly fd: number | undefined;

  constructor(file?: string) {
    this.fd = file ? fs.openSync(file, 'a') : undefined;
  }

  record(event: Without<HistoryEvent>): HistoryEvent {
    const full = {
      index: this.list.length,
      wall: Date.now(),
      mono: Math.round((performance.now() - this.started) * 1000) / 1000,
      ...event,
    } as HistoryEvent;
    this.list.push(full);
    if (this.fd !== undefined) fs.writeSync(this.fd, `${JSON.stringify(full)}\n`);
    return full;
  }

  get events(): readonly HistoryEvent[] {
    return this.list;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
  }
}
