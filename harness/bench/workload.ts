import crypto from 'node:crypto';
import type pg from 'pg';
import type { BenchDefinition } from '../sut/definition.ts';

/**
 * The benchmark's events: N events over A aggregates, each aggregate's sequence from 1, written
 * into the SUT's own outbox by its manifest's preload statement. Event ids are UUIDs that encode
 * their index, so that a million of them are checked off in Kafka with a bitmap, not a set.
 */
export const BENCH_AGGREGATES = 1_000;

/** Rows per preload statement: large enough to keep round trips rare, small enough for one message. */
const PRELOAD_CHUNK = 10_000;

export interface EventIds {
  /** Eight hex digits that mark this run's ids. */
  readonly tag: string;
  readonly count: number;
}

export function newEventIds(count: number): EventIds {
  return { tag: crypto.randomBytes(4).toString('hex'), count };
}

export function eventId(ids: EventIds, g: number): string {
  return `${ids.tag}-0000-4000-8000-${g.toString(16).padStart(12, '0')}`;
}

/** The index of one of these ids, or -1 for any other text (a foreign or mangled id). */
export function eventIndex(ids: EventIds, id: string | undefined): number {
  if (!id || id.length !== 36 || !id.startsWith(ids.tag)) return -1;
  const g = parseInt(id.slice(24), 16);
  return Number.isInteger(g) && g >= 0 && g < ids.count && eventId(ids, g) === id.toLowerCase() ? g : -1;
}

export function aggregateOf(g: number, aggregates = BENCH_AGGREGATES): string {
  return `acct-${g % aggregates}`;
}

export function seqOf(g: number, aggregates = BENCH_AGGREGATES): number {
  return Math.floor(g / aggregates) + 1;
}

/** One event's payload: what a ledger credit carries, padded to a realistic size. */
export function benchPayload(g: number): string {
  return JSON.stringify({ account: aggregateOf(g), amount: 1 + (g % 9), seq: seqOf(g), pad: 'x'.repeat(64) });
}

/**
 * Message g of the Kafka limit: the benchmark's key and payload, and two small headers of the
 * harness's own naming, so that it weighs what a relay's message would.
 */
export function limitMessage(g: number): { key: string; value: string; headers: Record<string, string> } {
  return { key: aggregateOf(g), value: benchPayload(g), headers: { id: `limit-${g}`, seq: String(seqOf(g)) } };
}

/** Events from..to-1 through the SUT's preload statement, as one statement (the caller owns the transaction). */
export async function insertEvents(
  client: pg.Client,
  bench: BenchDefinition,
  ids: EventIds,
  from: number,
  to: number,
): Promise<void> {
  const g = Array.from({ length: to - from }, (_, i) => from + i);
  const arrays = {
    EVENT_IDS: g.map((x) => eventId(ids, x)),
    AGGREGATE_IDS: g.map((x) => aggregateOf(x)),
    SEQS: g.map((x) => seqOf(x)),
    PAYLOADS: g.map((x) => benchPayload(x)),
  };
  await client.query(
    bench.preloadSql,
    bench.preloadParams.map((name) => arrays[name]),
  );
}

/** Events from..to-1 (all of them by default) in one transaction, so that the relay finds them all at once. */
export async function preloadEvents(
  client: pg.Client,
  bench: BenchDefinition,
  ids: EventIds,
  from = 0,
  to = ids.count,
): Promise<void> {
  await client.query('BEGIN');
  try {
    for (let at = from; at < to; at += PRELOAD_CHUNK)
      await insertEvents(client, bench, ids, at, Math.min(to, at + PRELOAD_CHUNK));
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
