import type pg from 'pg';
import type { ReceivedEvent } from './message.ts';

/**
 * The consumer's business effect of one event: an effects-log row and the account projection.
 * The caller owns the transaction and decides whether the event is new; this only applies it.
 */
export async function applyEffect(client: pg.ClientBase | pg.Pool, event: ReceivedEvent): Promise<void> {
  const amount = Number(event.payload.amount);
  await client.query('INSERT INTO effects (event_id, account_id, seq, amount) VALUES ($1, $2, $3, $4)', [
    event.eventId,
    event.aggregateId,
    event.aggregateSeq,
    amount,
  ]);
  await client.query(
    `INSERT INTO projections (account_id, balance, last_seq, applied) VALUES ($1, $2, $3, 1)
     ON CONFLICT (account_id) DO UPDATE
       SET balance = projections.balance + EXCLUDED.balance, last_seq = EXCLUDED.last_seq, applied = projections.applied + 1`,
    [event.aggregateId, amount, event.aggregateSeq],
  );
}

// The effects rows are inserted in the order of the input arrays (ordinality), because the
// apply_id sequence is how the checker reads apply order, and it must follow each aggregate's
// commit order. The projection gets one upsert per account: the amounts summed, the highest
// sequence (with in-order delivery that is the last one applied), and the count. The upsert
// visits accounts in key order so that two transactions touching the same accounts (a partition
// briefly owned by two members during a rebalance) lock them in the same order.
// `source` is a relation of the statement with event_id, account_id, seq, amount and ord; the
// statement answers how many events it applied.
const applyFrom = (source: string) => `
  logged AS (
    INSERT INTO effects (event_id, account_id, seq, amount)
    SELECT event_id, account_id, seq, amount FROM ${source} ORDER BY ord
  ), projected AS (
    INSERT INTO projections (account_id, balance, last_seq, applied)
    SELECT account_id, sum(amount), max(seq), count(*) FROM ${source} GROUP BY account_id ORDER BY account_id
    ON CONFLICT (account_id) DO UPDATE
      SET balance = projections.balance + EXCLUDED.balance, last_seq = EXCLUDED.last_seq,
          applied = projections.applied + EXCLUDED.applied
  )
  SELECT count(*)::int AS applied FROM ${source}`;

const APPLY_MANY = `
  WITH batch AS (
    SELECT event_id, account_id, seq, amount, ord
    FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[]) WITH ORDINALITY AS b(event_id, account_id, seq, amount, ord)
  ), ${applyFrom('batch')}`;

// The inbox and the effects in one statement, so in one transaction and one round trip: the
// chunk's ids go into the inbox with ON CONFLICT DO NOTHING, and exactly the ids it inserted are
// applied. An id listed twice in one chunk (a redelivery that landed next to the original) counts
// only at its first position, so it is applied once. The comparison is done on the uuid type, so
// two spellings of one id are one id.
const INBOX_AND_APPLY = `
  WITH batch AS (
    SELECT DISTINCT ON (event_id) event_id, account_id, seq, amount, ord, "offset"
    FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[])
           WITH ORDINALITY AS b(event_id, account_id, seq, amount, "offset", ord)
    ORDER BY event_id, ord
  ), fresh AS (
    INSERT INTO inbox (event_id, topic, partition, "offset")
    SELECT event_id, $6, $7, "offset" FROM batch ORDER BY ord
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id
  ), applied AS (
    SELECT batch.* FROM batch JOIN fresh USING (event_id)
  ), ${applyFrom('applied')}`;

const columns = (events: readonly ReceivedEvent[]) => [
  events.map((e) => e.eventId),
  events.map((e) => e.aggregateId),
  events.map((e) => e.aggregateSeq),
  events.map((e) => Number(e.payload.amount)),
];

/**
 * The effects of many events in one statement, applied in array order. Same contract as
 * applyEffect: the caller owns the transaction and has already chosen which events are new, so
 * an event listed twice is applied twice.
 */
export async function applyEffects(client: pg.ClientBase | pg.Pool, events: readonly ReceivedEvent[]): Promise<void> {
  if (events.length === 0) return;
  await client.query(APPLY_MANY, columns(events));
}

/** Where a chunk of events was read: the inbox records it beside each id. */
export interface Origin {
  readonly topic: string;
  readonly partition: number;
  /** One Kafka offset per event, in the same order. */
  readonly offsets: readonly string[];
}

/**
 * Applies the events not yet in the inbox, in array order, and records them there, in one
 * statement: run on its own, it is its own transaction. Answers how many it applied.
 */
export async function applyNewEffects(
  client: pg.ClientBase | pg.Pool,
  events: readonly ReceivedEvent[],
  origin: Origin,
): Promise<number> {
  if (events.length === 0) return 0;
  const { rows } = await client.query<{ applied: number }>(INBOX_AND_APPLY, [
    ...columns(events),
    origin.offsets,
    origin.topic,
    origin.partition,
  ]);
  return rows[0]?.applied ?? 0;
}
