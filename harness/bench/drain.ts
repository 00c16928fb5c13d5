import path from 'node:path';
import { withPgClient } from '../infra/pg-client.ts';
import type { RunEnv, Stack } from '../infra/stack.ts';
import { SutCluster } from '../sut/cluster.ts';
import type { BenchDefinition, SutDefinition } from '../sut/definition.ts';
import { cpuWindow, type CpuUse } from './cpu.ts';
import { DrainStalled, observeIds, perSecond, waitForMessages, type ObservedIds } from './measure.ts';
import { newEventIds, preloadEvents, type EventIds } from './workload.ts';

/**
 * One drain: the relay's replicas start on an empty outbox, a backlog of N events commits at once
 * (through the SUT's own preload statement), and the clock runs from that commit until Kafka
 * holds every one of the N event ids. A relay that stops short is reported as stalled, one that
 * finishes with ids missing as lost: neither gets a rate.
 */
export interface DrainFigure {
  readonly replicas: number;
  /** The batch size the relay was given, or null when it takes none (its own setting). */
  readonly batchSize: number | null;
  readonly backlog: number;
  /** Commit to the last event in Kafka; null when it never got there. */
  readonly ms: number | null;
  readonly eventsPerSec: number | null;
  /** Distinct events of the backlog found in Kafka. */
  readonly delivered: number;
  /** Events of the backlog never found in Kafka although the relay had stopped publishing. */
  readonly lost: number;
  /** Messages beyond one per event: the relay republished some. */
  readonly duplicates: number;
  /**
   * Set when not every event got to Kafka: it stopped gaining messages for quietMs (stalled), or
   * was still gaining when the time allowed ran out (timedOut: slow, not stuck).
   */
  readonly stalled?: {
    readonly delivered: number;
    readonly events: number;
    readonly quietMs: number;
    readonly timedOut: boolean;
  };
  /**
   * Set when the relay did not get through the warm-up (see SutBench.warmUpEvents): the backlog
   * never committed, and delivered, lost and stalled count the warm-up's events.
   */
  readonly warmUp?: { readonly events: number };
  /** The machine's processors from the commit until Kafka first held as many messages as events (or the drain stopped short). */
  readonly cpu?: CpuUse;
}

/** The consumer alone on a topic the relay has filled: how fast effects are applied. */
export interface ApplyFigure {
  readonly events: number;
  readonly applied: number;
  /** First to last effect by the SUT's own applied_at, or the harness's clock when it gives none. */
  readonly ms: number | null;
  readonly effectsPerSec: number | null;
  readonly stalled?: { readonly applied: number; readonly events: number };
}

/** One SUT on the shared stack. */
export interface SutBench {
  readonly stack: Stack;
  readonly def: SutDefinition;
  readonly bench: BenchDefinition;
  readonly template: string;
  readonly partitions: number;
  readonly logDir: string;
  /** The most a drain may take before it is reported as timed out (never as a rate). */
  readonly timeoutMs: number;
  /** How long Kafka may gain nothing before a drain counts as stalled. */
  readonly stallMs: number;
  /**
   * Events each drain's relay publishes before the measured backlog commits, on the same replicas,
   * so that the figure is the relay's pace rather than its start: a Node or JVM relay that has
   * just started runs its first passes unoptimised (the reference's first three 1,000-row sends
   * took 210 to 510 ms each, the later ones 50 to 150 ms), and so does a broker that has just started.
   */
  readonly warmUpEvents: number;
}

export async function withRun<T>(ctx: SutBench, fn: (run: RunEnv) => Promise<T>): Promise<T> {
  const run = await ctx.stack.newRun({
    partitions: ctx.partitions,
    template: ctx.template,
    perRunSql: ctx.def.perRunSql,
  });
  try {
    return await fn(run);
  } finally {
    await run.drop().catch(() => {});
  }
}

/** The relay's environment for a benchmark run: the manifest's bench tuning, and the batch size when it takes one. */
export function relayEnv(ctx: SutBench, batchSize: number | null): Record<string, string> {
  return {
    ...ctx.bench.relayEnv,
    ...(batchSize !== null && ctx.bench.batchSizeEnv ? { [ctx.bench.batchSizeEnv]: String(batchSize) } : {}),
  };
}

export async function relayDrain(
  ctx: SutBench,
  o: { backlog: number; replicas: number; batchSize: number | null; applyRate?: boolean },
): Promise<{ drain: DrainFigure; apply?: ApplyFigure }> {
  return withRun(ctx, async (run) => {
    const cluster = await SutCluster.start(ctx.stack, run, ctx.def, {
      replicas: { app: 0, relay: o.replicas, consumer: 0 },
      env: { relay: relayEnv(ctx, o.batchSize) },
      logDir: path.join(ctx.logDir, `${ctx.def.name}-drain-${o.backlog}-r${o.replicas}-b${o.batchSize ?? 'own'}`),
    });
    try {
      const shape = { replicas: o.replicas, batchSize: o.batchSize };
      // One id space for both parts, so that each aggregate's sequence runs on from the warm-up
      // into the measured backlog.
      const warmUp = ctx.warmUpEvents;
      const ids = newEventIds(warmUp + o.backlog);
      let before = 0;
      if (warmUp > 0) {
        const warm = await drainRange(ctx, cluster, run, ids, { from: 0, to: warmUp, before: 0 });
        if (warm.figure.eventsPerSec === null)
          return { drain: { ...warm.figure, ...shape, backlog: o.backlog, warmUp: { events: warmUp } } };
        before = warm.messages;
      }
      const { figure } = await drainRange(ctx, cluster, run, ids, { from: warmUp, to: warmUp + o.backlog, before });
      const drain = { ...figure, ...shape };
      if (!o.applyRate || drain.eventsPerSec === null) return { drain };
      return { drain, apply: await applyRate(ctx, cluster, run, ids.count) };
    } finally {
      await cluster.stopAll();
    }
  });
}

/**
 * Events from..to-1 commit in one transaction, and the clock runs until Kafka holds every one of
 * them. `before`: messages the topic held already. Returns the figure (its replicas and batch size
 * are the caller's to fill in) and the messages the topic holds after it.
 */
async function drainRange(
  ctx: SutBench,
  cluster: SutCluster,
  run: RunEnv,
  ids: EventIds,
  { from, to, before }: { from: number; to: number; before: number },
): Promise<{ figure: DrainFigure; messages: number }> {
  const backlog = to - from;
  await withPgClient(run.pgUrl('direct'), (c) => preloadEvents(c, ctx.bench, ids, from, to));
  const committed = Date.now();
  const window = cpuWindow(() => cluster.pidRoles());
  let seen = await observeUntil(run, before + backlog, ctx);
  // Closed before the harness reads the topic back, which would count as the drain's.
  const cpu = window.end();
  const result = (ms: number | null, observed: ObservedIds, extra: Partial<DrainFigure> = {}) => {
    const delivered = distinctIn(observed, from, to);
    const figure: DrainFigure = {
      replicas: 0,
      batchSize: null,
      backlog,
      ms,
      eventsPerSec: ms === null ? null : perSecond(backlog, ms),
      delivered,
      lost: 0,
      duplicates: Math.max(0, observed.messages - before - delivered),
      ...(cpu ? { cpu } : {}),
      ...extra,
    };
    return { figure, messages: observed.messages };
  };
  // The message count can reach the target with duplicates while events are still missing: wait
  // on for as many more messages as events are missing, until it has them all or stalls.
  while (!seen.stalled) {
    const done = seen.at;
    const observed = await observeIds(run, ctx.def.eventId, ids);
    const delivered = distinctIn(observed, from, to);
    if (delivered >= backlog) return result(done - committed, observed);
    seen = await observeUntil(run, observed.messages + (backlog - delivered), ctx);
    if (seen.stalled && !seen.stalled.timedOut) {
      // It had stopped with events missing: those are lost, not slow.
      const final = await observeIds(run, ctx.def.eventId, ids);
      return result(null, final, { lost: backlog - distinctIn(final, from, to) });
    }
  }
  const final = await observeIds(run, ctx.def.eventId, ids);
  return result(null, final, {
    stalled: {
      delivered: distinctIn(final, from, to),
      events: backlog,
      quietMs: seen.stalled.waitedMs,
      timedOut: seen.stalled.timedOut,
    },
  });
}

/** Distinct events from..to-1 that Kafka holds. */
function distinctIn(observed: ObservedIds, from: number, to: number): number {
  let n = 0;
  for (let g = from; g < to; g++) if (!Number.isNaN(observed.firstSeen[g]!)) n++;
  return n;
}

async function observeUntil(
  run: RunEnv,
  count: number,
  ctx: SutBench,
): Promise<{ at: number; stalled?: undefined } | { at?: undefined; stalled: DrainStalled }> {
  try {
    return { at: await waitForMessages(run, count, ctx.timeoutMs, ctx.stallMs) };
  } catch (err) {
    if (err instanceof DrainStalled) return { stalled: err };
    throw err;
  }
}

/**
 * The relay has filled the topic; one consumer starts and applies it. The rate runs from its
 * first effect to its last, by the SUT's applied_at when the manifest's effects query gives one,
 * so that joining the group is not counted.
 */
async function applyRate(ctx: SutBench, cluster: SutCluster, run: RunEnv, events: number): Promise<ApplyFigure> {
  const started = Date.now();
  await cluster.addReplica('consumer');
  return withPgClient(run.pgUrl('direct'), async (c) => {
    const has = await c.query(`SELECT * FROM (${ctx.def.effectsSql}) e LIMIT 0`);
    const timed = has.fields.some((f) => f.name === 'applied_at_ms');
    const sql = `SELECT count(*)::bigint AS n${timed ? ', min(applied_at_ms)::float8 AS first, max(applied_at_ms)::float8 AS last' : ''} FROM (${ctx.def.effectsSql}) e`;
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      const { rows } = await c.query<{ n: string; first?: number; last?: number }>(sql);
      const n = Number(rows[0]!.n);
      if (n >= events) {
        const ms = timed ? Number(rows[0]!.last) - Number(rows[0]!.first) : Date.now() - started;
        return { events, applied: n, ms, effectsPerSec: perSecond(timed ? n - 1 : n, ms) };
      }
      if (n !== last) {
        last = n;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > ctx.stallMs) {
        return { events, applied: n, ms: null, effectsPerSec: null, stalled: { applied: n, events } };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  });
}
