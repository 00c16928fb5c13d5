// The relay: moves outbox rows to Kafka, at least once, in per-aggregate order.
//
// Each pass, in one transaction: claim rows, publish them and wait for the broker's ack (acks=-1,
// idempotent producer), then mark them published and commit. A crash between ack and mark rolls
// the claim back, so the rows are published again: duplicates, never loss.
//
// Order across replicas (and across the concurrent passes of one replica): a pass locks the oldest
// ready rows with FOR UPDATE SKIP LOCKED, then keeps, per aggregate, only the rows that form an
// unbroken prefix of that aggregate's pending rows. A row whose predecessor is held by someone
// else, or waits out a backoff, stays where it is. Whoever holds an aggregate's oldest pending
// row therefore owns the aggregate until it commits, and no two passes publish one aggregate at once.
//
// The pass loops of one process split the aggregates between them by a hash of the aggregate id,
// while there is a backlog (lib/pass-loops.ts; at a trickle the lead loop runs alone), and so do
// the loops of every replica, which learn of each other through advisory locks
// (lib/membership.ts). That is only a hint to keep them out of each other's way (order rests on
// the claim above, which also keeps separate replicas apart). Without it, with a backlog spread
// over about as many aggregates as a batch holds, one loop's claim took the oldest row of nearly
// every aggregate, and the other loop locked the next rows only to find each behind the first
// loop's: half-empty passes. Its cost: a loop whose share has nothing ready walks all pending
// rows of the other share before its claim comes back empty (16 ms with 100k pending rows of a
// single aggregate).
import pg from 'pg';
import type { Kafka, Producer } from 'kafkajs';
import { AnsweredPartitions, UnansweredSendError } from './lib/answered-partitions.ts';
import { bugIs } from './lib/bugs.ts';
import { int, optional, required, runMain } from './lib/config.ts';
import { crashPoint } from './lib/crash.ts';
import { kafkaFromEnv } from './lib/kafka.ts';
import { logLine } from './lib/log.ts';
import { toKafkaMessage, type OutboxEvent } from './lib/message.ts';
import { Membership } from './lib/membership.ts';
import { PassLoops, type Share } from './lib/pass-loops.ts';

interface Row {
  id: string;
  event_id: string;
  aggregate_type: string;
  aggregate_id: string;
  aggregate_seq: string;
  event_type: string;
  /** The payload as stored (jsonb rendered as text): sent as is, never parsed and re-serialised. */
  payload: string;
  attempts: number;
}

const COLUMNS =
  'id, event_id, aggregate_type, aggregate_id, aggregate_seq, event_type, payload::text AS payload, attempts';

const config = () => ({
  relayId: optional('RELAY_ID', String(process.pid)),
  topic: required('TOPIC'),
  dlqTopic: optional('DLQ_TOPIC', `${required('TOPIC')}.dlq`),
  batchSize: int('BATCH_SIZE', 200, 1),
  // Pass loops in flight at once, with a backlog: one claims and marks while another waits for Kafka's ack.
  concurrency: int('RELAY_CONCURRENCY', 2, 1),
  pollIntervalMs: int('POLL_INTERVAL_MS', 500, 1),
  maxAttempts: int('MAX_ATTEMPTS', 5, 1),
  backoffBaseMs: int('BACKOFF_BASE_MS', 100, 1),
  backoffMaxMs: int('BACKOFF_MAX_MS', 5_000, 1),
  // Published rows stay this long, for inspection. 0: a row is deleted as it is marked published,
  // in the pass's transaction, and none are kept.
  retentionMs: int('RETENTION_MS', 3_600_000, 0),
  metricsIntervalMs: int('METRICS_INTERVAL_MS', 5_000, 100),
});
type Config = ReturnType<typeof config>;

/** How soon a pass whose every row waited behind another pass tries again. */
const BLOCKED_RETRY_MS = 5;

const PENDING = 'published_at IS NULL AND dead_lettered_at IS NULL';
/** Pending and due. "attempts >= 0" (always true) matches the predicate of the claim's index; see schema.sql. */
const READY = `${PENDING} AND attempts >= 0 AND next_attempt_at <= now()`;

/** BEGIN, and planner settings for this transaction only, sent with the claim in one round trip. */
const BEGIN =
  // With stale statistics (a burst of inserts that autovacuum has not analysed yet) the planner
  // takes a bitmap scan of every pending row plus a sort for the claim: 100 ms with 100k pending
  // rows, against 1 ms for the ordered index scan.
  'BEGIN; SET LOCAL enable_bitmapscan = off';

/** The result of the last statement of a multi-statement query (pg returns an array for those). */
function lastResult<T extends pg.QueryResultRow>(r: pg.QueryResult<T> | pg.QueryResult<T>[]): pg.QueryResult<T> {
  return Array.isArray(r) ? r[r.length - 1]! : r;
}

/** Opens the transaction and runs one parameterised claim query in it (two round trips); it keeps every row it locks. */
async function beginAndQuery(client: pg.PoolClient, sql: string, params: unknown[]): Promise<Claimed> {
  await client.query(BEGIN);
  const rows = (await client.query<Row>(sql, params)).rows;
  return { rows, locked: rows.length };
}

/**
 * Reference claim, opening the pass's transaction. Locks the oldest ready rows, then keeps for each
 * aggregate the rows that are an unbroken prefix of its pending rows in sequence order: a row is
 * kept when no pending row of its aggregate up to the highest sequence locked is outside what this
 * pass locked (held by another pass, or backing off). Rows from such a gap on must wait.
 *
 * One statement, sent with BEGIN in one round trip (every value in it is a number of the relay's
 * own): each round trip through the proxy is a wake-up of four processes, and at a few rows per
 * pass they, not the rows, set the pass's time. The gap lookup is a LATERAL index range scan per
 * aggregate, so a pass costs the same with ten pending rows or a million: a join lets the planner
 * hash every pending row, O(backlog) per pass (117 ms with 100k pending, measured).
 */
async function claimOwnedPrefixes(client: pg.PoolClient, limit: number, shard: Share): Promise<Claimed> {
  const mine = shard.count > 1 ? `AND (hashtext(aggregate_id) & 2147483647) % ${shard.count} = ${shard.index}` : '';
  const result = await client.query<Row & { kept: boolean }>(
    `${BEGIN};
     WITH locked AS (
       SELECT ${COLUMNS} FROM outbox WHERE ${READY} ${mine}
        ORDER BY id LIMIT ${Math.trunc(limit)} FOR UPDATE SKIP LOCKED
     ), tops AS (
       SELECT aggregate_id, max(aggregate_seq) AS top, array_agg(id) AS ids FROM locked GROUP BY aggregate_id
     ), gaps AS (
       SELECT t.aggregate_id, g.gap FROM tops t
        CROSS JOIN LATERAL (
          SELECT min(o.aggregate_seq) AS gap FROM outbox o
           WHERE o.aggregate_id = t.aggregate_id AND o.published_at IS NULL AND o.dead_lettered_at IS NULL
             AND o.aggregate_seq <= t.top AND o.id <> ALL (t.ids)) AS g
     )
     SELECT l.*, (g.gap IS NULL OR l.aggregate_seq < g.gap) AS kept
       FROM locked l LEFT JOIN gaps g USING (aggregate_id)
      ORDER BY l.aggregate_id, l.aggregate_seq`,
  );
  const locked = lastResult(result).rows;
  return { rows: locked.filter((r) => r.kept), locked: locked.length };
}

/** Broken (unordered-parallel): any pending rows, so replicas split one aggregate between them. */
const claimAnyPending = (client: pg.PoolClient, limit: number): Promise<Claimed> =>
  beginAndQuery(client, `SELECT ${COLUMNS} FROM outbox WHERE ${READY} ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`, [
    limit,
  ]);

/** Broken (id-cursor): only rows above the highest published id; a row that commits late is below it forever. */
const claimAfterCursor = (client: pg.PoolClient, limit: number): Promise<Claimed> =>
  beginAndQuery(
    client,
    `SELECT ${COLUMNS} FROM outbox
      WHERE id > (SELECT coalesce(max(id), 0) FROM outbox WHERE published_at IS NOT NULL)
        AND ${READY}
      ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );

/**
 * What a claim returns: the rows the pass may publish, and how many it locked. Locking a whole
 * batch means a backlog; locking rows and keeping none, that every one waits behind another pass.
 */
interface Claimed {
  readonly rows: Row[];
  readonly locked: number;
}

const claim: (client: pg.PoolClient, limit: number, shard: Share) => Promise<Claimed> = bugIs('unordered-parallel')
  ? claimAnyPending
  : bugIs('id-cursor')
    ? claimAfterCursor
    : claimOwnedPrefixes;

function toEvent(row: Row): OutboxEvent {
  return {
    eventId: row.event_id,
    aggregateType: row.aggregate_type,
    aggregateId: row.aggregate_id,
    aggregateSeq: Number(row.aggregate_seq),
    eventType: row.event_type,
    payload: row.payload,
  };
}

const toMessage = (row: Row) => toKafkaMessage(toEvent(row), row.payload);

/** Shared by every producer of the process: it only remembers the partition picked per message. */
const answered = new AnsweredPartitions();

/** Errors that no retry can fix, because the message itself is unacceptable. */
const POISON = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE']);
/**
 * Any failed send leaves an idempotent KafkaJS producer out of step with the broker. KafkaJS hands
 * a partition's sequence numbers back when a request fails, yet the broker may have appended that
 * batch (the connection broke after the append, before the response). The next send then reuses
 * those numbers for whatever this loop claims next. Of a different length, it is refused with
 * OUT_OF_ORDER_SEQUENCE_NUMBER; of the same length, the broker takes it for a retry of the batch
 * it already holds, answers success, and drops it, so rows are marked published that Kafka never
 * got. A new producer (new producer id, fresh sequences) after every failure closes both ways.
 */
/** The error and what it wraps (KafkaJS nests the broker's error as originalError or cause). */
function* causes(err: unknown): Generator<{ type?: string }> {
  for (let e = err as { type?: string; cause?: unknown; originalError?: unknown } | undefined; e;) {
    yield e;
    e = (e.originalError ?? e.cause) as typeof e;
  }
}

function hasErrorType(err: unknown, types: Set<string>): boolean {
  for (const e of causes(err)) if (e.type && types.has(e.type)) return true;
  return false;
}

const isPoison = (err: unknown) => hasErrorType(err, POISON);

/** The Kafka error type (MESSAGE_TOO_LARGE, ...) when there is one, then the message. */
function errorText(err: unknown): string {
  const type = [...causes(err)].find((e) => e.type)?.type;
  const message = err instanceof Error ? err.message : String(err);
  return (type ? `${type}: ${message}` : message).slice(0, 500);
}

/** What every pass loop of this process counts, for the metrics line. */
interface RelayStats {
  published: number;
  failures: number;
  deadLettered: number;
}

/**
 * One pass loop with its own connection and its own idempotent producer. A process runs
 * RELAY_CONCURRENCY of them, so that, with a backlog, one waits for Kafka's ack while another
 * claims or marks (PassLoops decides when the others run).
 * Separate producers keep their sends independent; order needs no more than the claim gives,
 * since an aggregate's next rows can be claimed only after this pass has committed.
 */
class Relay {
  /** Set by a wake-up that came while the loop was busy, so that it is not lost. */
  private wakePending = false;
  private wake: (() => void) | undefined;
  stopping = false;

  /** Connected once, replaced when a failure leaves it out of step with the broker. */
  private producer: Promise<Producer> | undefined;
  /** The last pass's mark and COMMIT, which may still be running. */
  private committing: Promise<void> | undefined;
  private dlqReady = false;

  constructor(
    private readonly cfg: Config,
    private readonly pool: pg.Pool,
    private readonly kafka: Kafka,
    private readonly newProducer: () => Producer,
    private readonly stats: RelayStats,
    /** This loop's place among the process's loops; 0 is the lead. */
    private readonly index: number,
    private readonly loops: PassLoops,
  ) {
    loops.register(index, () => this.notify());
  }

  private connectedProducer(): Promise<Producer> {
    this.producer ??= (async () => {
      const producer = this.newProducer();
      await producer.connect();
      return producer;
    })().catch((err: unknown) => {
      this.producer = undefined;
      throw err;
    });
    return this.producer;
  }

  /** Sends, and replaces the producer when the send failed (see above). */
  private async send(record: Parameters<Producer['send']>[0]): Promise<void> {
    const current = this.connectedProducer();
    const producer = await current;
    try {
      const results = await producer.send(record);
      // acks=0 (weak-acks) gets no answers to compare; every other send must be answered in full.
      const missing = record.acks === 0 ? [] : answered.unanswered(record.topic, record.messages, results);
      if (missing.length > 0) throw new UnansweredSendError(record.topic, missing);
    } catch (err) {
      if (this.producer === current) {
        this.producer = undefined;
        await producer.disconnect().catch(() => {});
      }
      throw err;
    }
  }

  /** Connects the producer now; a failure is left to the first send, which connects again. */
  async warmUp(): Promise<void> {
    // A send of no messages loads the topic's metadata and sends nothing, so the first real pass
    // does not wait for it.
    await this.connectedProducer()
      .then((p) => p.send({ topic: this.cfg.topic, acks: -1, messages: [] }))
      .catch(() => {});
  }

  async close(): Promise<void> {
    await this.committing;
    await this.producer?.then((p) => p.disconnect()).catch(() => {});
  }

  notify(): void {
    if (this.wake) this.wake();
    else this.wakePending = true;
  }

  async run(): Promise<void> {
    let idleErrors = 0;
    while (!this.stopping) {
      if (!this.loops.runs(this.index)) {
        await this.sleep(null);
        continue;
      }
      let claimed = 0;
      let blocked = false;
      try {
        let full: boolean;
        ({ claimed, blocked, full } = await this.pass());
        this.loops.passed(full);
        idleErrors = 0;
      } catch (err) {
        idleErrors++;
        logLine({ relay: this.cfg.relayId, error: errorText(err) });
        await this.sleep(Math.min(this.cfg.backoffBaseMs * 2 ** idleErrors, this.cfg.backoffMaxMs));
        continue;
      }
      // Blocked: another pass (here or in another replica) holds the predecessors of every row this
      // one locked; it commits within a pass's time, so waiting a full poll interval only idles.
      if (claimed === 0)
        await this.sleep(blocked ? Math.min(this.cfg.pollIntervalMs, BLOCKED_RETRY_MS) : this.cfg.pollIntervalMs);
    }
  }

  /**
   * Sleeps until the poll interval passes (never, for null) or a NOTIFY arrives. A NOTIFY that
   * came during the last pass (its rows committed after that pass's claim looked) ends the sleep at once.
   */
  private sleep(ms: number | null): Promise<void> {
    if (this.wakePending) {
      this.wakePending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = ms === null ? undefined : setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** One claim-publish-mark transaction; returns how many rows it claimed. */
  private async pass(): Promise<{ claimed: number; blocked: boolean; full: boolean }> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    let handedOver = false;
    try {
      const { rows, locked } = await claim(client, this.cfg.batchSize, this.loops.share(this.index));
      const full = locked >= this.cfg.batchSize;
      if (rows.length === 0) {
        // Locked rows and kept none: the caller retries soon rather than after a poll.
        await client.query('COMMIT');
        return { claimed: 0, blocked: locked > 0, full };
      }
      crashPoint('relay.after-claim');
      if (bugIs('mark-before-ack')) {
        // Broken: the rows count as published before the broker has them.
        await this.markPublished(client, rows, true);
        crashPoint('relay.after-mark-before-publish');
        await this.publish(rows);
        this.stats.published += rows.length;
        return { claimed: rows.length, blocked: false, full };
      }
      try {
        await this.publish(rows);
      } catch (err) {
        await this.recordFailure(client, rows, err);
        await client.query('COMMIT');
        return { claimed: rows.length, blocked: false, full };
      }
      crashPoint('relay.after-publish-before-mark');
      // The mark and COMMIT go on while this loop claims again, on another connection: a row
      // committed during this pass then waits for one round trip less. One commit in flight per
      // loop. After a full batch the loop waits for it: the next rows of the same aggregates
      // would only be locked and let go, behind rows this commit has not yet freed.
      await this.committing;
      this.committing = this.markAndCommit(client, rows);
      handedOver = true;
      if (full) await this.committing;
      return { claimed: rows.length, blocked: false, full };
    } catch (err) {
      broken = err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      // A client whose transaction broke is discarded, which also rolls the claim back.
      if (!handedOver) client.release(broken ?? false);
    }
  }

  /**
   * Marks published rows and commits, then gives the connection back. A failure rolls the claim
   * back, so the rows are published again (duplicates, never loss); it never rejects.
   */
  private async markAndCommit(client: pg.PoolClient, rows: Row[]): Promise<void> {
    let broken: Error | undefined;
    try {
      await this.markPublished(client, rows, true);
      this.stats.published += rows.length;
      // Rows this process's other loops wait behind are free.
      this.loops.wakeAll();
      crashPoint('relay.after-mark');
    } catch (err) {
      broken = err instanceof Error ? err : new Error(String(err));
      this.stats.failures++;
      logLine({ relay: this.cfg.relayId, error: errorText(err) });
    } finally {
      client.release(broken ?? false);
    }
  }

  private async publish(rows: Row[]): Promise<void> {
    // weak-acks (broken) does not wait at all; leader-acks (broken) waits for the leader's own log only,
    // so a write the followers have not yet copied is gone when leadership moves.
    const acks = bugIs('weak-acks') ? 0 : bugIs('leader-acks') ? 1 : -1;
    if (bugIs('unordered-parallel')) {
      // Broken: one send per row, all at once; completion order is not claim order.
      await Promise.all(rows.map((r) => this.send({ topic: this.cfg.topic, acks, messages: [toMessage(r)] })));
      return;
    }
    await this.send({ topic: this.cfg.topic, acks, messages: rows.map(toMessage) });
  }

  /**
   * Marks the rows published and, with `commit`, commits in the same round trip. The ids are the
   * bigints the claim read back, written into the statement as an array literal, since a statement
   * with parameters cannot share a round trip with COMMIT.
   */
  private async markPublished(client: pg.PoolClient, rows: Row[], commit = false): Promise<void> {
    // Deleting costs a quarter of updating (1,000 rows, measured without Kafka: 4 ms against
    // 18 ms): an update writes a new version of every row and an entry in four indexes, since
    // published_at is in the partial indexes' predicates and so no update is ever HOT. The
    // id-cursor variant finds its cursor among the published rows, so it always keeps them.
    const ids = `'{${rows.map((r) => BigInt(r.id)).join(',')}}'::bigint[]`;
    const mark =
      this.cfg.retentionMs === 0 && !bugIs('id-cursor')
        ? `DELETE FROM outbox WHERE id = ANY(${ids})`
        : `UPDATE outbox SET published_at = clock_timestamp() WHERE id = ANY(${ids})`;
    await client.query(commit ? `${mark}; COMMIT` : mark);
  }

  /**
   * A transient failure (broker or network) backs off and retries forever: an outage must end in
   * delivery. A poison message is isolated by publishing the batch row by row; after maxAttempts it
   * goes to the dead-letter topic and is marked dead-lettered, never dropped silently.
   */
  private async recordFailure(client: pg.PoolClient, rows: Row[], err: unknown): Promise<void> {
    this.stats.failures++;
    if (isPoison(err) && rows.length > 1) return this.isolatePoison(client, rows);
    // One backoff per aggregate, from its most-tried row: rows of an aggregate are only ever sent
    // as a prefix, so per-row jitter would leave a ready row stuck behind a predecessor that is not.
    const delay = new Map<string, number>();
    for (const row of rows) {
      const backoff = Math.min(this.cfg.backoffBaseMs * 2 ** Math.min(row.attempts + 1, 20), this.cfg.backoffMaxMs);
      delay.set(row.aggregate_id, Math.max(delay.get(row.aggregate_id) ?? 0, backoff));
    }
    for (const [aggregate, backoff] of delay)
      delay.set(aggregate, Math.round(backoff / 2 + Math.random() * (backoff / 2)));
    for (const row of rows) {
      const attempts = row.attempts + 1;
      if (bugIs('drop-after-retries') && attempts >= this.cfg.maxAttempts) {
        // Broken: gives up on the row and hides it, as if it had been published.
        await client.query(
          `UPDATE outbox SET attempts = $2, last_error = $3, published_at = clock_timestamp() WHERE id = $1`,
          [row.id, attempts, errorText(err)],
        );
        continue;
      }
      if (isPoison(err) && attempts >= this.cfg.maxAttempts && (await this.deadLetter(client, row, err, attempts)))
        continue;
      await client.query(
        `UPDATE outbox SET attempts = $2, last_error = $3, next_attempt_at = now() + $4 * interval '1 millisecond' WHERE id = $1`,
        [row.id, attempts, errorText(err), delay.get(row.aggregate_id)],
      );
    }
  }

  private async isolatePoison(client: pg.PoolClient, rows: Row[]): Promise<void> {
    const blocked = new Set<string>();
    for (const row of rows) {
      if (blocked.has(row.aggregate_id)) continue; // later rows of that aggregate wait behind it
      try {
        await this.publish([row]);
        await this.markPublished(client, [row]);
        this.stats.published++;
      } catch (err) {
        blocked.add(row.aggregate_id);
        await this.recordFailure(client, [row], err);
      }
    }
  }

  /** Returns false when the dead-letter topic is unreachable; the row then stays pending. */
  private async deadLetter(client: pg.PoolClient, row: Row, err: unknown, attempts: number): Promise<boolean> {
    try {
      if (!this.dlqReady) {
        await ensureTopic(this.kafka, this.cfg.dlqTopic);
        this.dlqReady = true;
      }
      await this.send({
        topic: this.cfg.dlqTopic,
        acks: -1,
        messages: [
          {
            key: row.aggregate_id,
            value: JSON.stringify({
              eventId: row.event_id,
              aggregateId: row.aggregate_id,
              aggregateSeq: Number(row.aggregate_seq),
              error: errorText(err),
              attempts,
            }),
            headers: { 'event-id': row.event_id },
          },
        ],
      });
    } catch {
      return false;
    }
    await client.query(
      `UPDATE outbox SET attempts = $2, last_error = $3, dead_lettered_at = clock_timestamp() WHERE id = $1`,
      [row.id, attempts, errorText(err)],
    );
    this.stats.deadLettered++;
    logLine({ relay: this.cfg.relayId, deadLettered: row.event_id, error: errorText(err) });
    return true;
  }
}

/**
 * LISTEN on its own connection, which also holds this replica's membership slot; reconnects after
 * faults. Polling covers any gap.
 */
function listenForInserts(
  url: string,
  membership: Membership,
  onNotify: () => void,
  isStopping: () => boolean,
): () => Promise<void> {
  let client: pg.Client | undefined;
  const connect = async () => {
    if (isStopping()) return;
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
    let retried = false;
    // A failed connect can report itself twice (an 'error' event and the rejected promise): one
    // reconnect per client, or every outage would double the reconnect loops until the server
    // runs out of connection slots.
    const retry = () => {
      if (retried) return;
      retried = true;
      if (client === c) membership.left();
      c.removeAllListeners();
      c.end().catch(() => {});
      if (client === c) client = undefined;
      setTimeout(() => void connect(), 1_000).unref();
    };
    c.on('error', retry);
    c.on('end', retry);
    c.on('notification', onNotify);
    try {
      await c.connect();
      await c.query('LISTEN outbox_pending');
      await membership.join(c);
      client = c;
    } catch {
      retry();
    }
  };
  void connect();
  return async () => {
    const c = client;
    client = undefined;
    c?.removeAllListeners();
    await c?.end().catch(() => {});
  };
}

async function main(): Promise<void> {
  const cfg = config();
  const url = required('DATABASE_URL');
  const pool = new pg.Pool({
    connectionString: url,
    // Each loop: a claim, and the last pass's commit; and the metrics query.
    max: 2 * cfg.concurrency + 2,
    connectionTimeoutMillis: 3_000,
    // A connection to a server that died without closing it (a container's network torn down)
    // hangs until this fires; the relay must fail over to a new connection within seconds.
    query_timeout: int('QUERY_TIMEOUT_MS', 15_000, 100),
  });
  pool.on('error', () => {});
  const kafka = kafkaFromEnv(`relay-${cfg.relayId}`);
  // weak-acks and leader-acks (broken) turn idempotence off, since idempotence requires acks=-1.
  // leader-acks keeps one request in flight, as the reference does, so that its only fault is the acks.
  const { createPartitioner } = answered;
  const newProducer = () =>
    bugIs('weak-acks')
      ? kafka.producer({ allowAutoTopicCreation: false, createPartitioner })
      : bugIs('leader-acks')
        ? kafka.producer({ maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner })
        : kafka.producer({
            idempotent: true,
            maxInFlightRequests: 1,
            allowAutoTopicCreation: false,
            createPartitioner,
          });
  const stats: RelayStats = { published: 0, failures: 0, deadLettered: 0 };
  let stopping = false;
  const membership = new Membership();
  const loops = new PassLoops(cfg.concurrency, () => membership.place());
  const relays: Relay[] = Array.from(
    { length: cfg.concurrency },
    (_, index) => new Relay(cfg, pool, kafka, newProducer, stats, index, loops),
  );
  const stopListening = listenForInserts(
    url,
    membership,
    () => loops.wakeAll(),
    () => stopping,
  );
  // A replica that joined or left changes every replica's share within a second.
  const members = setInterval(() => void membership.refresh(pool).catch(() => {}), 1_000);

  const metrics = setInterval(async () => {
    const lag = await pool
      .query<{ pending: string; oldest_ms: string | null }>(
        `SELECT count(*) AS pending, (extract(epoch FROM now() - min(created_at)) * 1000)::bigint AS oldest_ms FROM outbox WHERE ${PENDING}`,
      )
      .then(
        (r) => r.rows[0],
        () => undefined,
      );
    logLine({
      metric: 'relay',
      relay: cfg.relayId,
      published: stats.published,
      failures: stats.failures,
      deadLettered: stats.deadLettered,
      pending: lag ? Number(lag.pending) : null,
      replicas: membership.place().count,
      rank: membership.place().rank,
      oldestPendingMs: lag?.oldest_ms == null ? null : Number(lag.oldest_ms),
    });
  }, cfg.metricsIntervalMs);
  const retention = setInterval(
    () => {
      pool
        .query(
          `DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE published_at < now() - $1 * interval '1 millisecond' LIMIT 5000)`,
          [cfg.retentionMs],
        )
        .catch(() => {});
    },
    Math.max(1_000, Math.min(cfg.retentionMs, 60_000)),
  );

  const shutdown = () => {
    stopping = true;
    // Every loop, the parked ones too.
    for (const r of relays) {
      r.stopping = true;
      r.notify();
    }
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  // Producers connected before the relay says it has started: a first pass that also set up its
  // producer took 0.7 s, the whole drain time of a 1k backlog. Bounded, so that a relay started
  // while Kafka is unreachable still starts (and connects on its first send).
  await Promise.race([Promise.all(relays.map((r) => r.warmUp())), new Promise((r) => setTimeout(r, 3_000))]);
  logLine({ relay: cfg.relayId, started: true, batchSize: cfg.batchSize });
  await Promise.all(relays.map((r) => r.run()));
  clearInterval(metrics);
  clearInterval(retention);
  clearInterval(members);
  await stopListening();
  await Promise.all(relays.map((r) => r.close()));
  await pool.end().catch(() => {});
  logLine({ relay: cfg.relayId, stopped: true, published: stats.published });
  process.exit(0);
}

async function ensureTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  } catch (err) {
    if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw err;
  } finally {
    await admin.disconnect();
  }
}

runMain('relay', main);
