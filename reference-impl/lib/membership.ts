/**
 * Which relay replicas are running, as far as PostgreSQL can tell, and this one's place among them.
 *
 * Each replica holds one session-level advisory lock, a numbered slot, on a connection of its own;
 * the slots held make the membership, and a replica's rank is its slot's place among them. The
 * pass loops use it only with a backlog, to give each replica a share of the aggregates (see
 * pass-loops.ts): replicas that claimed the oldest rows of one backlog locked each other's
 * predecessors, let those rows go, and spent PostgreSQL's time on nothing (two replicas drained
 * slower than one). Order never rests on it: a replica that dies releases its slot with its
 * session, and one whose view is stale merely claims rows another replica also looks at.
 */

/** The first key of every slot lock: the reference relay's own, so that other advisory locks of the database never count. */
export const MEMBERSHIP_LOCK_CLASS = 0x0b0c5a1e;
/** More replicas than this run without a slot, each as if it were alone. */
export const MEMBERSHIP_SLOTS = 64;

/** A replica's place: its rank among `count` replicas holding slots. */
export interface Place {
  readonly rank: number;
  readonly count: number;
}

/** Alone: a replica without a slot claims as if no other ran. */
export const ALONE: Place = { rank: 0, count: 1 };

/** The place of slot `own` among the slots held (any order); alone when it holds none or is not among them. */
export function placeAmong(held: readonly number[], own: number | null): Place {
  if (own === null) return ALONE;
  const sorted = [...new Set(held)].sort((a, b) => a - b);
  const rank = sorted.indexOf(own);
  return rank < 0 ? ALONE : { rank, count: sorted.length };
}

/** What Membership needs from a PostgreSQL connection. */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

export class Membership {
  private slot: number | null = null;
  private current: Place = ALONE;
  private reading: Promise<void> | undefined;

  /** This replica's place as last read. */
  place(): Place {
    return this.current;
  }

  /** Takes the lowest free slot on `session`, which holds it for as long as it lives. */
  async join(session: Queryable): Promise<void> {
    this.slot = null;
    for (let slot = 0; slot < MEMBERSHIP_SLOTS; slot++) {
      const { rows } = await session.query('SELECT pg_try_advisory_lock($1, $2) AS ok', [MEMBERSHIP_LOCK_CLASS, slot]);
      if (rows[0]?.ok === true) {
        this.slot = slot;
        return;
      }
    }
  }

  /** The session that held the slot is gone, and the slot with it. */
  left(): void {
    this.slot = null;
    this.current = ALONE;
  }

  /**
   * Reads the slots held now; on failure keeps the last place (a stale view costs only
   * collisions). A read still running is joined, not doubled: while the database does not answer,
   * reads piling up would hold the connections the passes need.
   */
  refresh(any: Queryable): Promise<void> {
    this.reading ??= this.read(any).finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(any: Queryable): Promise<void> {
    const { rows } = await any.query(
      // Advisory locks belong to a database; other databases of the server run other outboxes.
      `SELECT objid::int AS slot FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid = $1::int::oid
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [MEMBERSHIP_LOCK_CLASS],
    );
    this.current = placeAmong(
      rows.map((r) => Number(r.slot)),
      this.slot,
    );
  }
}
