import crypto from 'node:crypto';
import type { History } from '../history/history.ts';
import type { SutCluster } from '../sut/cluster.ts';
import type { SutDefinition } from '../sut/definition.ts';
import { sendOp, type OpRequest } from '../sut/write-client.ts';
import { CRASH_AFTER_MS, planWrite, reshape, type PlannedWrite } from '../workload/ops.ts';
import type { Schedule } from '../workload/schedule.ts';

const WRITE_TIMEOUT_MS = 10_000;
/** At most this many long transactions open at once: each holds a connection of the app's pool. */
const MAX_LONG_OPEN = 2;
/** An app crash stops every write in flight, so crashes mid-transaction are spaced out. */
const CRASH_SPACING_MS = 6_000;

/**
 * The client load, Jepsen style: closed-loop writers (each with at most one write outstanding)
 * sharing one rate limit, issuing writes drawn from the schedule's load until told to stop. A
 * writer that falls behind does not catch up in a burst: a slow SUT is paced, not drowned.
 * Every write is recorded once: its invoke and its completion, in the history.
 */
export class LoadRunner {
  private readonly writers: Promise<void>[] = [];
  private stopped = false;
  private nextSlot = 0;
  private drawn = 0;
  private open = 0;
  private longOpen = 0;
  private lastCrashAt = -Infinity;
  private nextApp = 0;

  constructor(
    private readonly schedule: Schedule,
    private readonly cluster: SutCluster,
    private readonly def: SutDefinition,
    private readonly history: History,
  ) {}

  /** Writes sent whose answer has not come yet. */
  get inFlight(): number {
    return this.open;
  }

  start(): void {
    this.nextSlot = performance.now();
    for (let i = 0; i < this.schedule.concurrency.writers; i++) this.writers.push(this.work(`writer-${i + 1}`));
  }

  /** Stops issuing writes and waits for the ones in flight to be answered. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.writers);
  }

  private async work(name: string): Promise<void> {
    const interval = 1000 / Math.max(1, this.schedule.load.rate);
    while (!this.stopped) {
      const now = performance.now();
      const slot = Math.max(now, this.nextSlot);
      this.nextSlot = slot + interval;
      if (slot > now) await new Promise((r) => setTimeout(r, slot - now));
      if (this.stopped) return;
      await this.write(name, this.draw());
    }
  }

  /** The next write of the load, with the shapes that are capped at run time turned into singles. */
  private draw(): PlannedWrite {
    const k = this.drawn++;
    const write = planWrite(this.schedule.load, k);
    if (write.shape === 'long' && this.longOpen >= MAX_LONG_OPEN)
      return reshape(this.schedule.load, write, 'single', k);
    if (write.shape === 'crash') {
      if (Date.now() - this.lastCrashAt < CRASH_SPACING_MS) return reshape(this.schedule.load, write, 'single', k);
      this.lastCrashAt = Date.now();
    }
    return write;
  }

  private request(write: PlannedWrite): OpRequest {
    const base = { op_id: crypto.randomUUID(), amount: write.amount };
    const extra = {
      ...(write.shape === 'rollback' ? { abort: true } : {}),
      ...(write.holdMs ? { hold_ms: write.holdMs } : {}),
      ...(write.repeat ? { repeat: write.repeat } : {}),
    };
    return write.to
      ? { ...base, type: 'transfer', from: write.aggregate, to: write.to, ...extra }
      : { ...base, type: 'deposit', account: write.aggregate, ...extra };
  }

  private async write(writer: string, write: PlannedWrite): Promise<void> {
    const apps = this.cluster.apps();
    if (apps.length === 0) return;
    const app = apps[this.nextApp++ % apps.length]!;
    const op = this.request(write);
    this.history.record({
      type: 'invoke',
      process: writer,
      opId: op.op_id,
      step: -1,
      op: { ...op, shape: write.shape, app: app.name },
    });
    this.open++;
    if (write.shape === 'long') this.longOpen++;
    try {
      const sending = sendOp(app.url, this.def.write.path, op, WRITE_TIMEOUT_MS);
      if (write.shape === 'crash') {
        // The app dies while this transaction is open; the supervisor brings it back.
        setTimeout(() => void this.cluster.crash(app.name).catch(() => {}), CRASH_AFTER_MS);
      }
      const result = await sending;
      if (result.type === 'ok') {
        this.history.record({ type: 'ok', process: writer, opId: op.op_id, step: -1, events: result.events });
      } else {
        this.history.record({ type: result.type, process: writer, opId: op.op_id, step: -1, error: result.error });
      }
    } finally {
      this.open--;
      if (write.shape === 'long') this.longOpen--;
    }
  }
}
