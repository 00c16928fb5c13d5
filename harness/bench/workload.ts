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

/**
 * The same events in pg-transactional-outbox's table (thirdparty/pg-transactional-outbox), for
 * the library's relay on the same workload: segment = aggregate, the sequence in metadata.
 */
export async function preloadLibraryOutbox(
  client: pg.Client,
  events: number,
  aggregates = BENCH_AGGREGATES,
): Promise<void> {
  await client.query(
    `INSERT INTO outbox (id, aggregate_type, aggregate_id, message_type, segment, concurrency, payload, metadata)
     SELECT gen_random_uuid(), 'account', 'acct-' || (g % $2), 'AccountCredited', 'acct-' || (g % $2), 'sequential',
            jsonb_build_object('account', 'acct-' || (g % $2), 'amount', 1 + g % 9, 'seq', g / $2 + 1, 'pad', repeat('x', 64)),
            jsonb_build_object('seq', g / $2 + 1)
       FROM generate_series(0, $1 - 1) AS g`,
    [events, aggregates],
  );
}

/** One event's payload, as preloadOutbox builds it in SQL. */
export function benchPayload(account: string, seq: number, g: number): Record<string, unknown> {
  return { account, amount: 1 + (g % 9), seq, pad: 'x'.repeat(64) };
}

/** The same events as Kafka messages, for the raw producer baseline. */
export function benchMessages(
  events: number,
  aggregates = BENCH_AGGREGATES,
): { key: string; value: string; headers: Record<string, string> }[] {
  return Array.from({ length: events }, (_, g) => {
    const account = `acct-${g % aggregates}`;
    const seq = Math.floor(g / aggregates) + 1;
    return {
      key: account,
      value: JSON.stringify(benchPayload(account, seq, g)),
      headers: {
        'event-id': `bench-${g}`,
        'event-type': 'AccountCredited',
        'aggregate-type': 'account',
        'aggregate-seq': String(seq),
      },
    };
  });
}
