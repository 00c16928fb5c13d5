import crypto from 'node:crypto';
import type { History } from '../history/history.ts';
import type { SutCluster } from '../sut/cluster.ts';
import type { SutDefinition } from '../sut/definition.ts';
import { sendOp, type OpRequest } from '../sut/write-client.ts';
import { accountOf, transferTarget, type OpStep } from '../workload/schedule.ts';

/** How long an open transaction is held for the slow and crash modes. */
const SLOW_HOLD_MS = 700;
const CRASH_HOLD_MS = 1_500;
const CRASH_AFTER_MS = 300;
const WRITE_TIMEOUT_MS = 10_000;

interface Job {
  readonly step: number;
  readonly op: OpStep;
  readonly n: number;
}

/**
 * A pool of writer processes (logical: writer-1..N) that issue business writes over the SUT's
 * write interface and record each one's invoke and completion in the history.
 */
export class WriterPool {
  private readonly queue: Job[] = [];
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly workers: Promise<void>[];
  private closed = false;
  private wake: (() => void)[] = [];
  private nextApp = 0;
  readonly ops: { opId: string; type: 'ok' | 'fail' | 'info'; completedAt: number; events: { eventId: string }[] }[] = [];

  constructor(
    private readonly writers: number,
    private readonly cluster: SutCluster,
    private readonly def: SutDefinition,
    private readonly history: History,
    name = 'writer',
  ) {
    this.workers = Array.from({ length: writers }, (_, i) => this.work(`${name}-${i + 1}`));
  }

  /** True while a writer is executing a write. */
  get busy(): boolean {
    return this.running > 0;
  }

  /** Writes submitted and not yet taken by a writer. */
  get queued(): number {
    return this.queue.length;
  }

  /** Resolves once a writer has taken the job (not when it completes): steps then move on. */
  submit(step: number, op: OpStep, n: number): Promise<void> {
    return new Promise((accepted) => {
      this.queue.push({ step, op, n });
      this.waiting.push(accepted);
      this.wake.shift()?.();
    });
  }

  /** Waits for every submitted write to complete. */
  async finish(): Promise<void> {
    this.closed = true;
    for (const w of this.wake.splice(0)) w();
    await Promise.all(this.workers);
  }

  private async work(name: string): Promise<void> {
    for (;;) {
      const job = this.queue.shift();
      if (!job) {
        if (this.closed) return;
        await new Promise<void>((r) => this.wake.push(r));
        continue;
      }
      this.waiting.shift()?.();
      this.running++;
      try {
        await this.execute(name, job);
      } finally {
        this.running--;
      }
    }
  }

  private request(job: Job): OpRequest {
    const base = { op_id: crypto.randomUUID(), amount: 1 + (job.n % 9) };
    const hold = job.op.mode === 'slow' ? SLOW_HOLD_MS : job.op.mode === 'crash' ? CRASH_HOLD_MS : undefined;
    const extra = { ...(job.op.mode === 'rollback' ? { abort: true } : {}), ...(hold ? { hold_ms: hold } : {}) };
    return job.op.type === 'deposit'
      ? { ...base, type: 'deposit', account: accountOf(job.op.aggregate), ...extra }
      : { ...base, type: 'transfer', from: accountOf(job.op.aggregate), to: transferTarget(job.op), ...extra };
  }

  private async execute(writer: string, job: Job): Promise<void> {
    const apps = this.cluster.apps();
    if (apps.length === 0) return;
    const app = apps[this.nextApp++ % apps.length]!;
    const op = this.request(job);
    this.history.record({ type: 'invoke', process: writer, opId: op.op_id, step: job.step, op: { ...op, mode: job.op.mode, app: app.name } });
    const sending = sendOp(app.url, this.def.write.path, op, WRITE_TIMEOUT_MS);
    if (job.op.mode === 'crash') {
      // The app dies while this transaction is open; the supervisor brings it back.
      setTimeout(() => void this.cluster.crash(app.name).catch(() => {}), CRASH_AFTER_MS);
    }
    const result = await sending;
    const completedAt = Date.now();
    if (result.type === 'ok') {
      this.history.record({ type: 'ok', process: writer, opId: op.op_id, step: job.step, events: result.events });
      this.ops.push({ opId: op.op_id, type: 'ok', completedAt, events: result.events });
    } else {
      this.history.record({ type: result.type, process: writer, opId: op.op_id, step: job.step, error: result.error });
      this.ops.push({ opId: op.op_id, type: result.type, completedAt, events: [] });
    }
  }
}

/** How often the background writer writes while a fault window is open. */
const BACKGROUND_INTERVAL_MS = 100;

/**
 * Writes that keep coming while any fault window is open, one at a time, Jepsen style: a fault
 * that sees no traffic tests nothing (an armed crash point never fires, a partition cuts no
 * request in flight). The schedule's own bursts stay where the schedule puts them.
 */
export class BackgroundWrites {
  private open = 0;
  private n = 0;
  private readonly timer: NodeJS.Timeout;
  private finished: Promise<void> | undefined;

  constructor(private readonly pool: WriterPool) {
    this.timer = setInterval(() => this.tick(), BACKGROUND_INTERVAL_MS);
  }

  get ops(): WriterPool['ops'] {
    return this.pool.ops;
  }

  /** Marks a fault window open until close() is called. */
  windowOpened(): { close: () => void } {
    this.open++;
    let closed = false;
    return {
      close: () => {
        if (closed) return;
        closed = true;
        this.open--;
      },
    };
  }

  /** Stops writing and waits for the write in flight. */
  finish(): Promise<void> {
    clearInterval(this.timer);
    this.finished ??= this.pool.finish();
    return this.finished;
  }

  private tick(): void {
    // One write at a time: a write stuck behind a partition is not joined by a backlog.
    if (this.open === 0 || this.pool.queued > 0 || this.pool.busy) return;
    const n = this.n++;
    void this.pool.submit(-1, { kind: 'ops', type: 'deposit', aggregate: n, to: n, count: 1, mode: 'commit' }, n);
  }
}
