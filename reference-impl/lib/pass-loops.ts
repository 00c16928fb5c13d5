/**
 * How many of a relay process's pass loops run, and which aggregates each one claims.
 *
 * The extra loops earn their keep only with a backlog: then one loop claims and marks while
 * another waits for Kafka's ack. At a trickle, every insert woke every loop, and each ran a claim
 * of its own share, mostly empty; on a machine that the database, the broker and the writers
 * share, those claims cost more latency than the overlap saved (p99 commit to publish at 1,000
 * events/s: 55 to 91 ms with two loops always on, 29 to 54 ms with one).
 *
 * So the lead loop runs alone and claims every aggregate until one of its passes locks a full
 * batch, the sign of a backlog. Then every loop runs, each on its share. When a pass of any loop
 * locks less than a full batch, its share is drained, and the lead runs alone again; if the other
 * shares still hold a backlog, the lead's next claim is full and calls them back.
 *
 * With several replicas, the shares are cut across all of their loops (this replica's place among
 * them comes from membership.ts), so that with a backlog no two loops anywhere claim the same
 * aggregates; at a trickle each replica's lead still claims every aggregate, and so takes over the
 * share of a replica that has gone.
 */
import { ALONE, type Place } from './membership.ts';

export interface Share {
  readonly index: number;
  readonly count: number;
}

export class PassLoops {
  private parallel = false;
  private readonly wakers = new Map<number, () => void>();

  constructor(
    readonly count: number,
    /** This replica's place among the replicas running. */
    private readonly place: () => Place = () => ALONE,
  ) {}

  /** Registers how to wake loop `index` (the lead is 0). */
  register(index: number, wake: () => void): void {
    this.wakers.set(index, wake);
  }

  /** Whether loop `index` should claim now, or wait to be called back. */
  runs(index: number): boolean {
    return index === 0 || this.parallel;
  }

  /** The aggregates loop `index` claims: all of them while the lead runs alone. */
  share(index: number): Share {
    if (!this.parallel) return { index: 0, count: 1 };
    const { rank, count } = this.place();
    return { index: rank * this.count + index, count: count * this.count };
  }

  /** After a pass: `full` when it locked a whole batch. */
  passed(full: boolean): void {
    // A lone loop of a lone replica has no one to share with.
    if (full === this.parallel || (this.count === 1 && this.place().count === 1)) return;
    this.parallel = full;
    // Calls the others back, or the lead, whose share just grew to every aggregate. A loop in a
    // pass sees the change when that pass ends.
    this.wakeAll();
  }

  /** Rows were inserted or freed: wakes the loops that run. */
  wakeAll(): void {
    for (const [index, wake] of this.wakers) if (this.runs(index)) wake();
  }
}
