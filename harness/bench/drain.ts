import path from 'node:path';
import type pg from 'pg';
import { readWholeTopic } from '../history/observe.ts';
import { harnessKafka } from '../infra/kafka-client.ts';
import { withPgClient } from '../infra/pg-client.ts';
import type { RunEnv, Stack } from '../infra/stack.ts';
import { SutCluster } from '../sut/cluster.ts';
import type { SutDefinition } from '../sut/definition.ts';
import { messagesInTopic, perSecond, waitForMessages } from './measure.ts';
import { benchMessages, preloadOutbox } from './workload.ts';

export interface DrainFigure {
  readonly replicas: number;
  readonly batchSize: number;
  readonly events: number;
  readonly ms: number;
  readonly eventsPerSec: number;
  /** Messages in Kafka beyond one per event: the relay republished some. */
  readonly duplicates: number;
}

export interface BenchContext {
  readonly stack: Stack;
  readonly def: SutDefinition;
  readonly template: string;
  /** Commits N outbox rows in the SUT's own table layout, in one transaction. */
  readonly preload: (client: pg.Client, events: number) => Promise<void>;
  readonly partitions: number;
  readonly logDir: string;
  readonly timeoutMs: number;
}

export async function withRun<T>(ctx: BenchContext, fn: (run: RunEnv) => Promise<T>): Promise<T> {
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

/**
 * The relay's drain: its replicas start on an empty outbox, N rows commit at once, and the clock
 * runs from that commit until Kafka holds N messages. Every event id is then read back from Kafka.
 */
export async function relayDrain(
  ctx: BenchContext,
  o: { events: number; replicas: number; batchSize: number },
): Promise<DrainFigure> {
  return withRun(ctx, async (run) => {
    const cluster = await SutCluster.start(ctx.stack, run, ctx.def, {
      replicas: { app: 0, relay: o.replicas, consumer: 0 },
      env: { relay: { BATCH_SIZE: String(o.batchSize), POLL_INTERVAL_MS: '50', METRICS_INTERVAL_MS: '60000' } },
      logDir: path.join(ctx.logDir, `drain-r${o.replicas}-b${o.batchSize}`),
    });
    try {
      await withPgClient(run.pgUrl('direct'), (c) => ctx.preload(c, o.events));
      const committed = Date.now();
      const done = await waitForMessages(run, o.events, ctx.timeoutMs);
      const messages = await readWholeTopic(run.kafkaBrokers('direct'), run.topic, 120_000);
      const ids = new Set(messages.map((m) => m.headers['event-id']));
      if (ids.size !== o.events) throw new Error(`Kafka holds ${ids.size} distinct event ids, not ${o.events}`);
      const ms = done - committed;
      return {
        replicas: o.replicas,
        batchSize: o.batchSize,
        events: o.events,
        ms,
        eventsPerSec: perSecond(o.events, ms),
        duplicates: messages.length - ids.size,
      };
    } finally {
      await cluster.stopAll();
    }
  });
}

/** The same messages from one raw kafkajs producer, same settings and batching, through the relay's link. */
export async function kafkaProducerBaseline(
  ctx: BenchContext,
  o: { events: number; batchSize: number },
): Promise<{ ms: number; eventsPerSec: number }> {
  return withRun(ctx, async (run) => {
    const messages = benchMessages(o.events);
    const producer = harnessKafka(run.kafkaBrokers('relay-kafka'), 'outbox-chaos-bench').producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    try {
      const started = Date.now();
      for (let i = 0; i < messages.length; i += o.batchSize) {
        await producer.send({ topic: run.topic, acks: -1, messages: messages.slice(i, i + o.batchSize) });
      }
      const ms = Date.now() - started;
      const inTopic = await messagesInTopic(run);
      if (inTopic < o.events) throw new Error(`the producer baseline left ${inTopic} of ${o.events} messages in Kafka`);
      return { ms, eventsPerSec: perSecond(o.events, ms) };
    } finally {
      await producer.disconnect().catch(() => {});
    }
  });
}

/** Claim a batch with FOR UPDATE SKIP LOCKED and mark it, until none is left: no Kafka at all. */
export async function pgClaimMarkBaseline(
  ctx: BenchContext,
  o: { events: number; batchSize: number },
): Promise<{ ms: number; eventsPerSec: number }> {
  return withRun(ctx, async (run) => {
    await withPgClient(run.pgUrl('direct'), (c) => preloadOutbox(c, o.events));
    return withPgClient(run.pgUrl('relay-pg'), async (c) => {
      const started = Date.now();
      let marked = 0;
      for (;;) {
        await c.query('BEGIN');
        // As the relay does: a just-loaded table has no statistics, and the bitmap-scan-and-sort
        // plan the planner then picks costs O(backlog) per batch.
        await c.query('SET LOCAL enable_bitmapscan = off');
        const claimed = await c.query<{ id: string }>(
          'SELECT id FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED',
          [o.batchSize],
        );
        if (claimed.rowCount === 0) {
          await c.query('COMMIT');
          break;
        }
        await c.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1)', [claimed.rows.map((r) => r.id)]);
        await c.query('COMMIT');
        marked += claimed.rowCount ?? 0;
      }
      const ms = Date.now() - started;
      if (marked !== o.events) throw new Error(`the claim+mark baseline marked ${marked} of ${o.events} rows`);
      return { ms, eventsPerSec: perSecond(o.events, ms) };
    });
  });
}
