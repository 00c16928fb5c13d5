import type { History } from '../history/history.ts';
import { describeError } from '../common/errors.ts';
import { faultKind, type FaultContext } from '../nemesis/index.ts';
import type { FaultStep } from '../workload/schedule.ts';

/** One firing of a step: its place in the schedule, and until when it holds (`end`: the window's). */
interface Firing {
  readonly index: number;
  readonly step: FaultStep;
  /** The cycle's number, for a step that cycles. */
  readonly cycle: number | undefined;
  readonly until: number;
  readonly end: number;
}

/**
 * The nemesis on its own timeline, beside the load: each fault starts at its offset, stays for its
 * window (cycling on and off within it when it has a cycle) and heals at the window's end. Every
 * firing is one fault-start / fault-end pair in the history, so power and the report see each one.
 */
export class FaultTimeline {
  private readonly tasks: Promise<void>[] = [];
  private readonly heals = new Set<() => Promise<void>>();
  private stopping = false;
  private wakeAll: (() => void)[] = [];
  /** Per thing a fault holds alone (FaultKind.exclusive): resolves when the last firing on it has healed. */
  private readonly held = new Map<string, Promise<void>>();

  constructor(
    private readonly faults: readonly FaultStep[],
    private readonly ctx: FaultContext,
    private readonly history: History,
  ) {}

  /** When the load ends (ms since epoch): a fault that acts once may wait for its moment until then. */
  private loadEnd = 0;

  /** Starts every fault's clock; t0 is when the load began, loadEnd when it ends (ms since epoch). */
  start(t0: number, loadEnd: number): void {
    this.loadEnd = loadEnd;
    for (const [index, step] of this.faults.entries()) this.tasks.push(this.play(index, step, t0));
  }

  /** Resolves when every fault has run its window and healed. */
  finished(): Promise<void> {
    return Promise.all(this.tasks).then(() => {});
  }

  /** Cuts every window short, heals whatever is active, and waits for the faults to wind down. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of this.wakeAll.splice(0)) wake();
    await Promise.all([...this.heals].map((h) => h().catch(() => {})));
    await this.finished();
  }

  /** Sleeps until the given wall time, or until stop(). */
  private sleepUntil(at: number): Promise<void> {
    const ms = at - Date.now();
    if (ms <= 0 || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeAll.push(done);
    });
  }

  private async play(index: number, step: FaultStep, t0: number): Promise<void> {
    const end = t0 + step.atMs + step.windowMs;
    await this.sleepUntil(t0 + step.atMs);
    for (let cycle = 0; !this.stopping && Date.now() < end; cycle++) {
      const downUntil = step.cycle ? Math.min(end, Date.now() + step.cycle.downMs) : end;
      await this.fire({ index, step, cycle: step.cycle ? cycle : undefined, until: downUntil, end });
      if (!step.cycle) return;
      await this.sleepUntil(Math.min(end, Date.now() + step.cycle.upMs));
    }
  }

  /**
   * One firing: start, hold until `until` (a fault that acts once: until it has, or the load ends),
   * heal; each recorded in the history.
   */
  private async fire(firing: Firing): Promise<void> {
    const kind = faultKind(firing.step.fault);
    // The schedule keeps such faults apart, but a heal can outlast its window (a broker restart
    // waits until it is healthy): the next one waits for it rather than take a second broker down.
    const key = kind.exclusive?.(firing.step.params);
    if (key === undefined) return this.fireNow(kind, firing);
    const before = this.held.get(key) ?? Promise.resolve();
    let release = () => {};
    const mine = new Promise<void>((r) => (release = r));
    this.held.set(
      key,
      before.then(() => mine),
    );
    try {
      await before;
      if (this.stopping) return;
      await this.fireNow(kind, firing);
    } finally {
      release();
    }
  }

  private async fireNow(kind: ReturnType<typeof faultKind>, { index, step, cycle, until, end }: Firing): Promise<void> {
    const faultId = cycle === undefined ? `f${index}` : `f${index}.${cycle}`;
    const target = kind.describe(step.params);
    const base = {
      process: 'nemesis',
      faultId,
      step: index,
      fault: step.fault,
      target,
      ...(cycle === undefined ? {} : { cycle }),
    };
    this.history.record({ type: 'fault-start', ...base });
    let active;
    try {
      active = await kind.start(this.ctx, step.params);
    } catch (err) {
      this.history.record({ type: 'fault-end', ...base, detail: `could not start: ${describeError(err)}` });
      return;
    }
    const heal = active.heal;
    this.heals.add(heal);
    // A fault that acts once (a crash point) waits for its moment until the load ends, not only
    // through its window: a window that fell where its target had nothing to do (every writer
    // queued behind one held lock, say) armed a point the consumer never passed, and the run
    // passed a consumer that loses effects.
    if (active.acted) await Promise.race([active.acted, this.sleepUntil(Math.max(end, this.loadEnd))]);
    else await this.sleepUntil(until);
    const found = () => {
      const detail = active.detail?.();
      const dataLoss = active.dataLoss?.();
      return { ...(detail ? { detail } : {}), ...(dataLoss ? { dataLoss } : {}) };
    };
    try {
      await heal();
      this.history.record({ type: 'fault-end', ...base, affects: active.affects, ...found() });
    } catch (err) {
      const { detail, ...rest } = found();
      this.history.record({
        type: 'fault-end',
        ...base,
        affects: active.affects,
        ...rest,
        detail: `${detail ? `${detail}; ` : ''}heal failed: ${describeError(err)}`,
      });
    } finally {
      this.heals.delete(heal);
    }
  }
}
