import crypto from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { percentiles, type Percentiles } from '../common/stats.ts';
import { readWholeTopic } from '../history/observe.ts';
import { withPgClient } from '../infra/pg-client.ts';
import { SutCluster } from '../sut/cluster.ts';
import { withRun, type BenchContext } from './drain.ts';
import { waitForMessages } from './measure.ts';
import { BENCH_AGGREGATES, benchPayload } from './workload.ts';

/** Latencies in milliseconds. */
export type Latency = Percentiles;

export interface SteadyFigure {
  /** The rate the writers aimed at, events per second. */
  readonly rate: number;
  /** What they committed, per second of the window. */
  readonly achievedRate: number;
  readonly events: number;
  /** Commit (the writer's COMMIT returned) to the first copy in Kafka (its producer timestamp). */
  readonly publishMs: Latency;
  /** Commit to the consumer's effect (its applied_at). */
  readonly effectMs: Latency;
  /** After the writers stopped, how long until Kafka held every committed event. */
  readonly catchUpMs: number;
  /** The writers kept the rate and the relay kept up (caught up within a second). */
  readonly sustained: boolean;
}

/** Connections writing at once, like an app's pool; each owns its aggregates, so sequences stay in commit order. */
const WRITERS = 8;
const SUSTAINED_CATCH_UP_MS = 1_000;

/** A latency as p50/p95/p99/max in whole milliseconds. */
export function formatLatency(l: Latency): string {
  return [l.p50, l.p95, l.p99, l.max].map((v) => (v === null ? '-' : Math.round(v))).join('/');
}

/**
 * Writers commit one event per transaction at a fixed rate, through the app's link, for the
 * window; the reference relay and consumer run as in production. Latencies come from the
 * writers' commit times, the producer timestamps in Kafka, and the consumer's applied_at.
 */
export async function steadyState(ctx: BenchContext, o: { rate: number; windowMs: number }): Promise<SteadyFigure> {
  return withRun(ctx, async (run) => {
    const cluster = await SutCluster.start(ctx.stack, run, ctx.def, {
      replicas: { app: 0, relay: 1, consumer: 1 },
      env: { relay: { METRICS_INTERVAL_MS: '60000' } },
      logDir: path.join(ctx.logDir, `steady-${o.rate}`),
    });
    try {
      const commitTimes = new Map<string, number>();
      const started = Date.now();
      const total = Math.round((o.rate * o.windowMs) / 1000);
      await Promise.all(
        Array.from({ length: WRITERS }, (_, w) => writer(run.pgUrl('app-pg'), w, total, o.rate, started, commitTimes)),
      );
      const window = Date.now() - started;
      const stopped = Date.now();
      const caughtUp = await waitForMessages(run, commitTimes.size, 120_000);
      const messages = await readWholeTopic(run.kafkaBrokers('direct'), run.topic, 120_000);
      const firstSeen = new Map<string, number>();
      for (const m of messages) {
        const id = m.headers['event-id'];
        if (id) firstSeen.set(id, Math.min(firstSeen.get(id) ?? Infinity, m.timestamp));
      }
      const effects = await waitForEffects(run.pgUrl('direct'), commitTimes.size, 120_000);
      const publish: number[] = [];
      const effect: number[] = [];
      for (const [id, committedAt] of commitTimes) {
        const seen = firstSeen.get(id);
        if (seen === undefined) throw new Error(`event ${id} committed but is not in Kafka`);
        publish.push(Math.max(0, seen - committedAt));
        const applied = effects.get(id);
        if (applied !== undefined) effect.push(Math.max(0, applied - committedAt));
      }
      const achievedRate = Math.round((commitTimes.size / window) * 1000);
      const catchUpMs = Math.max(0, caughtUp - stopped);
      return {
        rate: o.rate,
        achievedRate,
        events: commitTimes.size,
        publishMs: percentiles(publish),
        effectMs: percentiles(effect),
        catchUpMs,
        sustained: achievedRate >= o.rate * 0.95 && catchUpMs <= SUSTAINED_CATCH_UP_MS,
      };
    } finally {
      await cluster.stopAll();
    }
  });
}

/** Writer w commits events w, w + WRITERS, ... each at its slot in the schedule, or at once when late. */
async function writer(
  url: string,
  w: number,
  total: number,
  rate: number,
  started: number,
  commitTimes: Map<string, number>,
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const seqs = new Map<string, number>();
  try {
    for (let i = w; i < total; i += WRITERS) {
      const due = started + (i * 1000) / rate;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      // Aggregates are split between writers, so one aggregate's events commit in sequence order.
      const account = `acct-${w + WRITERS * (Math.floor(i / WRITERS) % Math.floor(BENCH_AGGREGATES / WRITERS))}`;
      const seq = (seqs.get(account) ?? 0) + 1;
      seqs.set(account, seq);
      const eventId = crypto.randomUUID();
      await client.query(
        `INSERT INTO outbox (event_id, aggregate_type, aggregate_id, aggregate_seq, event_type, payload) VALUES ($1, 'account', $2, $3, 'AccountCredited', $4)`,
        [eventId, account, seq, JSON.stringify(benchPayload(account, seq, i))],
      );
      commitTimes.set(eventId, Date.now());
    }
  } finally {
    await client.end().catch(() => {});
  }
}

async function waitForEffects(url: string, count: number, timeoutMs: number): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  return withPgClient(url, async (c) => {
    for (;;) {
      const { rows } = await c.query<{ event_id: string; at: number }>(
        `SELECT event_id::text, (extract(epoch FROM applied_at) * 1000)::float8 AS at FROM effects`,
      );
      if (rows.length >= count || Date.now() > deadline) return new Map(rows.map((r) => [r.event_id, Number(r.at)]));
      await new Promise((r) => setTimeout(r, 200));
    }
  });
}
