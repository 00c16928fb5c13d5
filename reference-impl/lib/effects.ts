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
const APPLY_MANY = `
  WITH batch AS (
    SELECT event_id, account_id, seq, amount, ord
    FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[]) WITH ORDINALITY AS b(event_id, account_id, seq, amount, ord)
  ), logged AS (
    INSERT INTO effects (event_id, account_id, seq, amount)
    SELECT event_id, account_id, seq, amount FROM batch ORDER BY ord
  )
  INSERT INTO projections (account_id, balance, last_seq, applied)
  SELECT account_id, sum(amount), max(seq), count(*) FROM batch GROUP BY account_id ORDER BY account_id
  ON CONFLICT (account_id) DO UPDATE
    SET balance = projections.balance + EXCLUDED.balance, last_seq = EXCLUDED.last_seq,
        applied = projections.applied + EXCLUDED.applied`;

/**
 * The effects of many events in one statement, applied in array order. Same contract as
 * applyEffect: the caller owns the transaction and has already chosen which events are new, so
 * an event listed twice is applied twice.
 */
export async function applyEffects(client: pg.ClientBase | pg.Pool, events: readonly ReceivedEvent[]): Promise<void> {
  if (events.length === 0) return;
  await client.query(APPLY_MANY, [
    events.map((e) => e.eventId),
    events.map((e) => e.aggregateId),
    events.map((e) => e.aggregateSeq),
    events.map((e) => Number(e.payload.amount)),
  ]);
}
