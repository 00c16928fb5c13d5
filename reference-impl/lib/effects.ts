import type pg from 'pg';
import type { ReceivedEvent } from './message.ts';

/**
 * The consumer's business effect of one event: an effects-log row and the account projection.
 * The caller owns the transaction and decides whether the event is new; this only applies it.
 */
export async function applyEffect(client: pg.ClientBase | pg.Pool, event: ReceivedEvent): Promise<void> {
  const amount = Number(event.payload.amount);
  await client.query('INSERT INTO effects (event_id, account_id, seq, amount) VALUES ($1, $2, $3, $4)', [
    event.eventId, event.aggregateId, event.aggregateSeq, amount,
  ]);
  await client.query(
    `INSERT INTO projections (account_id, balance, last_seq, applied) VALUES ($1, $2, $3, 1)
     ON CONFLICT (account_id) DO UPDATE
       SET balance = projections.balance + EXCLUDED.balance, last_seq = EXCLUDED.last_seq, applied = projections.applied + 1`,
    [event.aggregateId, amount, event.aggregateSeq],
  );
}
