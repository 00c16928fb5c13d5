import path from 'node:path';
import pg from 'pg';
import { percentiles, type Percentiles } from '../common/stats.ts';
import { withPgClient } from '../infra/pg-client.ts';
import { SutCluster } from '../sut/cluster.ts';
import { cpuWindow, type CpuUse } from './cpu.ts';
import { relayEnv, withRun, type SutBench } from './drain.ts';
import { observeIds, perSecond, waitForMessages } from './measure.ts';
import { eventIndex, insertEvents, newEventIds, type EventIds } from './workload.ts';

/** Latencies in milliseconds. */
export type Latency = Percentiles;

export interface SteadyFigure {
  /** The rate the writers aimed at, events per second. */
  readonly rate: number;
  /** What they committed, per second of the window (the warm-up not counted). */
  readonly achievedRate: number;
  /** Events committed, the warm-up's included. */
  readonly events: number;
  /** Events due before the window: written at the same rate, checked for loss, not timed. */
  readonly warmUpEvents: number;
  /** Commit (the writer's COMMIT returned) to the first copy in Kafka (its producer timestamp). */
  readonly publishMs: Latency;
  /** Commit to the consumer's effect (the applied_at_ms of the manifest's effects query). */
  readonly effectMs: Latency;
  /** Committed events not in Kafka when the harness stopped waiting. */
  readonly missing: number;
  /**
   * Committed events missing although Kafka's message count had caught up (duplicates stood in
   * for them); null when it never caught up, since those events may simply still be on their way.
   */
  readonly lost: number | null;
  /** After the writers stopped, how long until Kafka held every committed event; null if it never did. */
  readonly catchUpMs: number | null;
  /** The writers kept the rate and the relay kept up (caught up within a second), losing nothing. */
  readonly sustained: boolean;
  /** The machine's processors over the window (from the warm-up's end until the writers stopped). */
  readonly cpu?: CpuUse;
}

/** Connections writing at once, like an app's pool; each owns its aggregates, so sequences stay in commit order. */
export const WRITERS = 8;
const SUSTAINED_CATCH_UP_MS = 1_000;

/** A latency as p50/p95/p99/max in whole milliseconds. */
export function formatLatency(l: Latency): string {
  return [l.p50, l.p95, l.p99, l.max].map((v) => (v === null ? '-' : Math.round(v))).join('/');
}

/**
 * Event g of a steady run belongs to writer g % WRITERS, so one aggregate is only ever written by
 * one writer, in sequence order: the same aggregates and sequences as a preloaded backlog.
 */
async function writer(
  url: string,
  ctx: SutBench,
  ids: EventIds,
  w: number,
  o: { rate: number; started: number },
  commitTimes: Float64Array,
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let g = w; g < ids.count; g += WRITERS) {
      const wait = o.started + (g * 1000) / o.rate - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      // One event per transaction: autocommit runs the preload statement as its own transaction.
      await insertEvents(client, ctx.bench, ids, g, g + 1);
      commitTimes[g] = Date.now();
    }
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Writers commit one event per transaction through the SUT's preload statement, over the app's
 * link, at a fixed rate for the window; the SUT's relay and consumer run as in production.
 */
export async function steadyState(
  ctx: SutBench,
  o: { rate: number; windowMs: number; warmUpMs: number; batchSize: number | null },
): Promise<SteadyFigure> {
  return withRun(ctx, async (run) => {
    const cluster = await SutCluster.start(ctx.stack, run, ctx.def, {
      replicas: { app: 0, relay: 1, consumer: 1 },
      env: { relay: relayEnv(ctx, o.batchSize) },
      logDir: path.join(ctx.logDir, `${ctx.def.name}-steady-${o.rate}`),
    });
    try {
      // The writers run at the rate through the warm-up and the window alike; only events due in
      // the window count towards the latencies and the achieved rate, so that neither the relay's
      // nor the consumer's start is read as its steady pace. Every event counts for loss.
      const warm = Math.round((o.rate * o.warmUpMs) / 1000);
      const ids = newEventIds(warm + Math.round((o.rate * o.windowMs) / 1000));
      const commitTimes = new Float64Array(ids.count).fill(NaN);
      const started = Date.now();
      let window: ReturnType<typeof cpuWindow> | undefined;
      const windowStarts = setTimeout(() => (window = cpuWindow(() => cluster.pidRoles())), o.warmUpMs);
      await Promise.all(
        Array.from({ length: WRITERS }, (_, w) =>
          writer(run.pgUrl('app-pg'), ctx, ids, w, { rate: o.rate, started }, commitTimes),
        ),
      );
      const stopped = Date.now();
      clearTimeout(windowStarts);
      const cpu = window?.end();
      const caughtUp = await waitForMessages(run, ids.count, ctx.timeoutMs, ctx.stallMs).catch(() => null);
      const observed = await observeIds(run, ctx.def.eventId, ids);
      const effects = await effectTimes(run.pgUrl('direct'), ctx, ids);
      const publish: number[] = [];
      const effect: number[] = [];
      for (let g = warm; g < ids.count; g++) {
        const seen = observed.firstSeen[g]!;
        if (!Number.isNaN(seen)) publish.push(Math.max(0, seen - commitTimes[g]!));
        const applied = effects[g]!;
        if (!Number.isNaN(applied)) effect.push(Math.max(0, applied - commitTimes[g]!));
      }
      const achievedRate = perSecond(ids.count - warm, stopped - (started + o.warmUpMs));
      const catchUpMs = caughtUp === null ? null : Math.max(0, caughtUp - stopped);
      const missing = ids.count - observed.distinct;
      const lost = catchUpMs === null ? null : missing;
      return {
        rate: o.rate,
        achievedRate,
        events: ids.count,
        warmUpEvents: warm,
        publishMs: percentiles(publish),
        effectMs: percentiles(effect),
        missing,
        lost,
        catchUpMs,
        sustained:
          achievedRate >= o.rate * 0.95 && catchUpMs !== null && catchUpMs <= SUSTAINED_CATCH_UP_MS && missing === 0,
        ...(cpu ? { cpu } : {}),
      };
    } finally {
      await cluster.stopAll();
    }
  });
}

/** Per event index, when the consumer applied it (NaN if not, or if the SUT does not say when). */
async function effectTimes(url: string, ctx: SutBench, ids: EventIds): Promise<Float64Array> {
  const times = new Float64Array(ids.count).fill(NaN);
  // A consumer still applying when the time allowed a drain runs out is left there: the effects
  // not yet applied have no latency, and the publish figures already say it fell behind.
  const deadline = Date.now() + ctx.timeoutMs;
  await withPgClient(url, async (c) => {
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      const { rows, fields } = await c.query<{ event_id: string; applied_at_ms?: number }>(ctx.def.effectsSql);
      if (!fields.some((f) => f.name === 'applied_at_ms')) return;
      const quiet = rows.length === last && Date.now() - lastChange > ctx.stallMs;
      if (rows.length >= ids.count || quiet || Date.now() > deadline) {
        for (const r of rows) {
          const g = eventIndex(ids, r.event_id);
          if (g >= 0 && r.applied_at_ms != null) times[g] = Number(r.applied_at_ms);
        }
        return;
      }
      if (rows.length !== last) {
        last = rows.length;
        lastChange = Date.now();
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  });
  return times;
}

/**
 * The writers' own ceiling: as many one-event transactions as WRITERS connections can commit
 * through the SUT's preload statement in the window, with nothing else running. A steady rate
 * above it is out of the writers' reach, whatever the relay does.
 */
export async function writerCeiling(ctx: SutBench, windowMs: number): Promise<number> {
  return withRun(ctx, async (run) => {
    const ids = newEventIds(100_000_000);
    const counts = new Float64Array(WRITERS);
    const started = Date.now();
    const until = started + windowMs;
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        const client = new pg.Client({ connectionString: run.pgUrl('app-pg') });
        await client.connect();
        try {
          for (let g = w; Date.now() < until; g += WRITERS) {
            await insertEvents(client, ctx.bench, ids, g, g + 1);
            counts[w]!++;
          }
        } finally {
          await client.end().catch(() => {});
        }
      }),
    );
    return perSecond(
      counts.reduce((a, b) => a + b, 0),
      Date.now() - started,
    );
  });
}
