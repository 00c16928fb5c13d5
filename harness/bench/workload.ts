import type pg from 'pg';

/**
 * The benchmark's events: N outbox rows over A aggregates, inserted straight into the reference
 * schema by the database itself, so that preloading is not what gets measured.
 */
export const BENCH_AGGREGATES = 1_000;

export async function preloadOutbox(client: pg.Client, events: number, aggregates = BENCH_AGGREGATES): Promise<void> {
  await client.query(
    `INSERT INTO outbox (event_id, aggregate_type, aggregate_id, aggregate_seq, event_type, payload)
     SELECT gen_random_uuid(), 'account', 'acct-' || (g % $2), g / $2 + 1, 'AccountCredited',
            jsonb_build_object('account', 'acct-' || (g % $2), 'amount', 1 + g % 9, 'seq', g / $2 + 1, 'pad', repeat('x', 64))
       FROM generate_series(0, $1 - 1) AS g`,
    [events, aggregates],
  );
}

/** The same events as Kafka messages, for the raw producer baseline. */
export function benchMessages(events: number, aggregates = BENCH_AGGREGATES): { key: string; value: string; headers: Record<string, string> }[] {
  return Array.from({ length: events }, (_, g) => {
    const account = `acct-${g % aggregates}`;
    const seq = Math.floor(g / aggregates) + 1;
    return {
      key: account,
      value: JSON.stringify({ account, amount: 1 + (g % 9), seq, pad: 'x'.repeat(64) }),
      headers: { 'event-id': `bench-${g}`, 'event-type': 'AccountCredited', 'aggregate-type': 'account', 'aggregate-seq': String(seq) },
    };
  });
}
