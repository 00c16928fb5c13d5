import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { withPgClient } from '../infra/pg-client.ts';
import type { RunEnv, Stack } from '../infra/stack.ts';
import { cpuText, cpuWindow, type CpuUse } from './cpu.ts';
import { messagesInTopic, perSecond } from './measure.ts';
import { measureRepeatedly, perRunText, slowerFirst, type Repeats } from './repeat.ts';
import type { KafkaLimitJob, KafkaLimitReport } from './kafka-limit-worker.ts';
import { BENCH_AGGREGATES } from './workload.ts';

/**
 * What the hardware allows each half of a relay, measured on the same stack in the same run, as
 * the ceiling a relay is a fraction of. Each is taken at its best concurrency, so that a relay
 * that beats one would show a faulty limit, not a fast relay.
 */
export interface LimitFigure {
  readonly name: string;
  readonly concurrency: number;
  /** The worker threads the limit's clients ran in (Kafka's; one for the rest). */
  readonly threads?: number;
  readonly batchSize: number;
  readonly eventsPerSec: number;
  /** The machine's processors while it ran: whether the limit is the stack's or the harness's client. */
  readonly cpu?: CpuUse;
}

/** "4 at once", and the threads they ran in when there were several: "4 at once over 2 threads". */
export function concurrencyText(l: LimitFigure): string {
  return `${l.concurrency} at once${(l.threads ?? 1) > 1 ? ` over ${l.threads} threads` : ''}`;
}

/** The stack alone: the limits run no SUT process. */
const NO_SUT = () => new Map<number, string>();

/** A limit's figure: the median of its runs, each run's events/s beside it. */
export type RepeatedLimit = LimitFigure & Repeats;

export interface Limits {
  /** Every form and concurrency tried. */
  readonly runs: readonly RepeatedLimit[];
  readonly pgClaimMark: RepeatedLimit;
  readonly pgSingleStatement: RepeatedLimit;
  readonly kafkaProducer: RepeatedLimit;
  /** min(the better PostgreSQL form, Kafka): a relay needs both halves, and may use either claim. */
  readonly eventsPerSec: number;
  /**
   * Both halves at once: the better PostgreSQL form and the producer, each at its best
   * concurrency, each with the whole backlog, running side by side. Each limit alone may take the
   * whole machine; a relay does both halves for every event on the same processors, so on a
   * machine they share it can go no faster than this (and a relay that did would show a faulty
   * figure).
   */
  readonly together: RepeatedLimit;
}

/** The harness's own table, in its own run: a plain outbox, neither the reference's nor a third party's. */
const TABLE = `CREATE TABLE outbox_chaos_limit (
  id bigserial PRIMARY KEY, event_id uuid NOT NULL, aggregate_id text NOT NULL, seq bigint NOT NULL,
  payload jsonb NOT NULL, published_at timestamptz);
CREATE INDEX outbox_chaos_limit_pending ON outbox_chaos_limit (id) WHERE published_at IS NULL`;

async function fillLimitTable(c: pg.Client, events: number): Promise<void> {
  await c.query(TABLE);
  await c.query(
    `INSERT INTO outbox_chaos_limit (event_id, aggregate_id, seq, payload)
     SELECT gen_random_uuid(), 'acct-' || (g % $2), g / $2 + 1,
            jsonb_build_object('account', 'acct-' || (g % $2), 'amount', 1 + g % 9, 'seq', g / $2 + 1, 'pad', repeat('x', 64))
       FROM generate_series(0, $1 - 1) AS g`,
    [events, BENCH_AGGREGATES],
  );
  // The limit is the best case, so the planner gets statistics a relay may not have.
  await c.query('ANALYZE outbox_chaos_limit');
}

const CLAIM = `SELECT id, event_id, aggregate_id, seq, payload::text FROM outbox_chaos_limit
  WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`;
const SINGLE = `UPDATE outbox_chaos_limit SET published_at = clock_timestamp()
  WHERE id IN (SELECT id FROM outbox_chaos_limit WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
  RETURNING id, event_id, aggregate_id, seq, payload::text`;

/** One worker: claim+mark (two statements in a transaction) or the single statement, until nothing is left. */
async function claimWorker(c: pg.Client, form: 'two' | 'single', batchSize: number): Promise<number> {
  let marked = 0;
  for (;;) {
    let n: number;
    if (form === 'single') {
      n = (await c.query(SINGLE, [batchSize])).rowCount ?? 0;
    } else {
      await c.query('BEGIN');
      const claimed = await c.query<{ id: string }>(CLAIM, [batchSize]);
      n = claimed.rowCount ?? 0;
      if (n > 0)
        await c.query('UPDATE outbox_chaos_limit SET published_at = clock_timestamp() WHERE id = ANY($1::bigint[])', [
          claimed.rows.map((r) => r.id),
        ]);
      await c.query('COMMIT');
    }
    if (n === 0) return marked;
    marked += n;
  }
}

/**
 * One limit's work, set up before the clock starts (connected, its table filled) and closed after
 * it stops: the server processes behind its connections are then there at both ends of the
 * processor reading, which counts none that exited.
 */
interface LimitLoad {
  /**
   * Connects, before the clock. Called once the load is in timeLoads's hands, so that a connection
   * that fails part-way is closed with everything else set up by then.
   */
  readonly open: () => Promise<void>;
  /** Does the work: what the clock times. */
  readonly run: () => Promise<void>;
  /** After the clock: rejects when the work done was less than all of it. */
  readonly check: () => Promise<void>;
  readonly close: () => Promise<void>;
}

type ClaimForm = 'two' | 'single';
const claimName = (form: ClaimForm) =>
  form === 'two' ? 'PostgreSQL claim+mark' : 'PostgreSQL single UPDATE ... SKIP LOCKED RETURNING';

/** N rows claimed and marked through the relay's link by `concurrency` connections. */
async function claimLoad(
  run: RunEnv,
  o: { events: number; batchSize: number; concurrency: number; form: ClaimForm },
): Promise<LimitLoad> {
  await withPgClient(run.pgUrl('direct'), (c) => fillLimitTable(c, o.events));
  const clients: pg.Client[] = [];
  let total = 0;
  return {
    open: async () => {
      for (let i = 0; i < o.concurrency; i++) {
        const c = new pg.Client({ connectionString: run.pgUrl('relay-pg') });
        c.on('error', () => {});
        clients.push(c);
        await c.connect();
      }
    },
    run: async () => {
      const marked = await Promise.all(clients.map((c) => claimWorker(c, o.form, o.batchSize)));
      total = marked.reduce((a, b) => a + b, 0);
    },
    check: async () => {
      if (total !== o.events) throw new Error(`the claim+mark limit marked ${total} of ${o.events} rows`);
    },
    close: () => Promise.all(clients.map((c) => c.end().catch(() => {}))).then(() => {}),
  };
}

/** Sets the loads up, runs them at once on one clock and one processor reading, and closes them. */
async function timeLoads(
  setUps: readonly (() => Promise<LimitLoad>)[],
): Promise<{ ms: number; cpu: CpuUse | undefined }> {
  const loads: LimitLoad[] = [];
  try {
    for (const setUp of setUps) {
      const load = await setUp();
      loads.push(load);
      await load.open();
    }
    const started = Date.now();
    const window = cpuWindow(NO_SUT);
    await Promise.all(loads.map((l) => l.run()));
    const cpu = window.end();
    const ms = Date.now() - started;
    for (const l of loads) await l.check();
    return { ms, cpu };
  } finally {
    await Promise.all(loads.map((l) => l.close()));
  }
}

const withCpu = (f: LimitFigure, cpu: CpuUse | undefined): LimitFigure => (cpu ? { ...f, cpu } : f);

/** PostgreSQL alone: N rows claimed and marked through the relay's link by `concurrency` connections. */
export async function pgClaimMarkLimit(
  run: RunEnv,
  o: { events: number; batchSize: number; concurrency: number; form: ClaimForm },
): Promise<LimitFigure> {
  const { ms, cpu } = await timeLoads([() => claimLoad(run, o)]);
  const f = {
    name: claimName(o.form),
    concurrency: o.concurrency,
    batchSize: o.batchSize,
    eventsPerSec: perSecond(o.events, ms),
  };
  return withCpu(f, cpu);
}

/**
 * Kafka alone: the benchmark's messages from idempotent producers (acks=all), through the relay's
 * link, `concurrency` sends at once in all, spread over as many worker threads as there are
 * processors (up to one per send), each thread with a producer of its own. KafkaJS holds an
 * idempotent producer's requests to one broker to one at a time (a lock per broker, for its
 * sequence numbers), so the sends of one producer overlap only in building and encoding the
 * next request, and all of that runs on its thread: with one thread for every send, the limit
 * was that thread's (it was busy 1.11 cores' worth, harness included, while the broker used
 * 0.12), not what the broker and the machine allow.
 */
export async function kafkaProducerLimit(
  run: RunEnv,
  o: { events: number; batchSize: number; concurrency: number },
): Promise<LimitFigure> {
  const { ms, cpu } = await timeLoads([() => producerLoad(run, o)]);
  const f = {
    name: PRODUCER,
    concurrency: o.concurrency,
    threads: producerThreads(o.concurrency),
    batchSize: o.batchSize,
    eventsPerSec: perSecond(o.events, ms),
  };
  return withCpu(f, cpu);
}

const PRODUCER = 'Kafka idempotent producer, acks=all';
const producerThreads = (concurrency: number) => Math.max(1, Math.min(concurrency, os.availableParallelism()));

/** The producers' threads, connected; their run sends the benchmark's messages and checks that Kafka holds them. */
async function producerLoad(
  run: RunEnv,
  o: { events: number; batchSize: number; concurrency: number },
): Promise<LimitLoad> {
  const threads = producerThreads(o.concurrency);
  const jobs: KafkaLimitJob[] = Array.from({ length: threads }, (_, t) => ({
    brokers: run.kafkaBrokers('relay-kafka'),
    topic: run.topic,
    from: Math.floor((o.events * t) / threads),
    to: Math.floor((o.events * (t + 1)) / threads),
    batchSize: o.batchSize,
    // The sends at once, dealt out: 3 over 2 threads is 2 and 1.
    inFlight: Math.floor(o.concurrency / threads) + (t < o.concurrency % threads ? 1 : 0),
  }));
  const producers = jobs.map(startLimitProducer);
  let sent = 0;
  return {
    open: () => Promise.all(producers.map((p) => p.ready)).then(() => {}),
    run: async () => {
      for (const p of producers) p.go();
      sent = (await Promise.all(producers.map((p) => p.done))).reduce((a, b) => a + b, 0);
    },
    check: async () => {
      const inTopic = await messagesInTopic(run);
      if (sent < o.events || inTopic < o.events)
        throw new Error(`the producer limit sent ${sent} and left ${inTopic} of ${o.events} messages in Kafka`);
    },
    close: () => Promise.all(producers.map((p) => p.stop())).then(() => {}),
  };
}

/**
 * Both halves at once: the claim in `form` at `pg`'s concurrency and the producer at `kafka`'s,
 * each over the whole backlog, side by side on one clock; events/s is the backlog over the time
 * until both are done.
 */
export async function togetherLimit(
  run: RunEnv,
  o: { events: number; batchSize: number; form: ClaimForm; pg: LimitFigure; kafka: LimitFigure },
): Promise<LimitFigure> {
  const { ms, cpu } = await timeLoads([
    () => claimLoad(run, { events: o.events, batchSize: o.batchSize, concurrency: o.pg.concurrency, form: o.form }),
    () => producerLoad(run, { events: o.events, batchSize: o.batchSize, concurrency: o.kafka.concurrency }),
  ]);
  const f = {
    name: `${o.pg.name} (${concurrencyText(o.pg)}) and the ${PRODUCER} (${concurrencyText(o.kafka)}), side by side`,
    concurrency: o.pg.concurrency + o.kafka.concurrency,
    threads: o.kafka.threads ?? 1,
    batchSize: o.batchSize,
    eventsPerSec: perSecond(o.events, ms),
  };
  return withCpu(f, cpu);
}

/** A limit producer's thread: connected when `ready` resolves, sending after `go`, with its count in `done`. */
interface LimitProducer {
  readonly ready: Promise<void>;
  readonly done: Promise<number>;
  go(): void;
  stop(): Promise<void>;
}

/** The worker's own module: its JavaScript in a package, its TypeScript source in a clone. */
const WORKER = new URL(`./kafka-limit-worker${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/**
 * A thread running the worker module. TypeScript source (a clone) needs tsx's loader, which a
 * thread does not inherit from the command that registered it: scripts/ts-worker.mjs registers it
 * in the thread first. A package has the compiled module, and neither tsx nor that script.
 */
function workerThread(workerData: KafkaLimitJob): Worker {
  if (!WORKER.pathname.endsWith('.ts')) return new Worker(WORKER, { workerData });
  const bootstrap = new URL('../../scripts/ts-worker.mjs', import.meta.url);
  return new Worker(bootstrap, { workerData, argv: [WORKER.href] });
}

function startLimitProducer(job: KafkaLimitJob): LimitProducer {
  const worker = workerThread(job);
  let ready!: () => void;
  let done!: (sent: number) => void;
  let failed!: (err: Error) => void;
  const readyP = new Promise<void>((resolve) => (ready = resolve));
  const doneP = new Promise<number>((resolve, reject) => {
    done = resolve;
    failed = reject;
  });
  // A failure before "ready" fails both, so that the caller waiting on either hears of it.
  const readyOrFailed = Promise.race([readyP, doneP.then(() => {})]);
  doneP.catch(() => {});
  worker.on('message', (m: KafkaLimitReport) => {
    if (m.kind === 'ready') ready();
    else if (m.kind === 'done') done(m.sent);
    else failed(new Error(`a producer thread of the Kafka limit failed: ${m.message}`));
  });
  worker.on('error', (err) => failed(err));
  worker.on('exit', (code) => failed(new Error(`a producer thread of the Kafka limit exited (code ${code})`)));
  return {
    ready: readyOrFailed,
    done: doneP,
    go: () => worker.postMessage('go'),
    stop: async () => {
      await worker.terminate().catch(() => {});
    },
  };
}

const best = (xs: RepeatedLimit[]) => xs.reduce((a, b) => (b.eventsPerSec > a.eventsPerSec ? b : a));

/** Every form at every concurrency, each run in a fresh run of the stack; the best median of each form is its limit. */
export async function measureLimits(
  stack: Stack,
  o: { events: number; batchSize: number; concurrencies: readonly number[]; partitions: number; repeat: number },
  log: (line: string) => void,
): Promise<Limits> {
  const runs: RepeatedLimit[] = [];
  const inRuns = async (fn: (run: RunEnv) => Promise<LimitFigure>) => {
    const { kept, runs: each } = await measureRepeatedly(
      o.repeat,
      async () => {
        const run = await stack.newRun({ partitions: o.partitions });
        try {
          return await fn(run);
        } finally {
          await run.drop().catch(() => {});
        }
      },
      { failed: () => false, worseFirst: slowerFirst((f: LimitFigure) => f.eventsPerSec) },
    );
    const figure = { ...kept, perRun: each.map((f) => f.eventsPerSec) };
    log(
      `limit  ${kept.name}, ${concurrencyText(kept)}, batch ${kept.batchSize}: ${kept.eventsPerSec} events/s${perRunText(figure)}${cpuText(kept.cpu)}`,
    );
    runs.push(figure);
    return figure;
  };
  const two: RepeatedLimit[] = [];
  const single: RepeatedLimit[] = [];
  const kafka: RepeatedLimit[] = [];
  for (const concurrency of o.concurrencies) {
    two.push(await inRuns((run) => pgClaimMarkLimit(run, { ...o, concurrency, form: 'two' })));
    single.push(await inRuns((run) => pgClaimMarkLimit(run, { ...o, concurrency, form: 'single' })));
    kafka.push(await inRuns((run) => kafkaProducerLimit(run, { ...o, concurrency })));
  }
  const pgClaimMark = best(two);
  const pgSingleStatement = best(single);
  const kafkaProducer = best(kafka);
  const form: ClaimForm = pgSingleStatement.eventsPerSec > pgClaimMark.eventsPerSec ? 'single' : 'two';
  const pgBest = form === 'single' ? pgSingleStatement : pgClaimMark;
  const together = await inRuns((run) => togetherLimit(run, { ...o, form, pg: pgBest, kafka: kafkaProducer }));
  return {
    runs,
    pgClaimMark,
    pgSingleStatement,
    kafkaProducer,
    eventsPerSec: Math.min(pgBest.eventsPerSec, kafkaProducer.eventsPerSec),
    together,
  };
}
