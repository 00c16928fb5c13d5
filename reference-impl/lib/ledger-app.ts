// The business side every outbox in this repository serves: an HTTP service whose commands
// (deposit, transfer) change account rows and append ledger rows, one event per changed account,
// in one PostgreSQL transaction. What an implementation adds is how it records those events in
// that same transaction: its own outbox table, a library's message storage, a CDC-watched table.
//
//   POST /ops {"op_id": uuid, "type": "deposit",  "account": "a", "amount": 5}
//   POST /ops {"op_id": uuid, "type": "transfer", "from": "a", "to": "b", "amount": 5}
//   optional: "memo": "..."   -> carried in the event payload (a large one makes a poison message)
//             "repeat": n     -> a deposit applied n times in the transaction: n events of one account
//             "abort": true   -> the client rolls the transaction back instead of committing
//             "hold_ms": n    -> sleep n ms inside the transaction before COMMIT (a slow writer)
//
// Answers: 200 {"outcome":"committed","events":[...]}, 200 {"outcome":"rolled-back"},
// 503 {"outcome":"failed"} when nothing can have committed, 500 {"outcome":"unknown"} when the
// COMMIT was sent but its answer never came.
import http from 'node:http';
import crypto from 'node:crypto';
import pg from 'pg';
import { int, optional, required } from './config.ts';
import { crashPoint } from './crash.ts';
import type { OutboxEvent } from './message.ts';

interface Leg {
  readonly account: string;
  readonly amount: number;
}

interface Op {
  readonly opId: string;
  readonly legs: Leg[];
  readonly abort: boolean;
  readonly holdMs: number;
  readonly memo: string | undefined;
}

/** How one implementation records the events of a business transaction. */
export interface EventRecorder {
  /** Runs inside the business transaction, after the business rows are written. */
  inTransaction(client: pg.PoolClient, events: OutboxEvent[]): Promise<void>;
  /** Runs after COMMIT succeeded (only broken variants do anything here). */
  afterCommit?(events: OutboxEvent[]): Promise<void>;
  /** Releases whatever the recorder holds open, on shutdown. */
  close?(): Promise<void>;
}

class BadRequest extends Error {}

function parseOp(body: unknown): Op {
  const b = body as Record<string, unknown>;
  const opId = b?.op_id;
  if (typeof opId !== 'string' || !/^[0-9a-f-]{36}$/i.test(opId)) throw new BadRequest('op_id must be a uuid');
  const amount = b.amount;
  if (typeof amount !== 'number' || !Number.isInteger(amount) || amount <= 0)
    throw new BadRequest('amount must be a positive integer');
  const name = (v: unknown, field: string) => {
    if (typeof v !== 'string' || v.length === 0 || v.length > 64)
      throw new BadRequest(`${field} must be a non-empty string`);
    return v;
  };
  let legs: Leg[];
  const repeat = b.repeat === undefined ? 1 : Number(b.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20)
    throw new BadRequest('repeat must be an integer in 1..20');
  if (b.type === 'deposit')
    legs = Array.from({ length: repeat }, () => ({ account: name(b.account, 'account'), amount }));
  else if (b.type === 'transfer') {
    const from = name(b.from, 'from');
    const to = name(b.to, 'to');
    if (from === to) throw new BadRequest('from and to must differ');
    legs = [
      { account: from, amount: -amount },
      { account: to, amount },
    ];
  } else throw new BadRequest('type must be "deposit" or "transfer"');
  const holdMs = b.hold_ms === undefined ? 0 : Number(b.hold_ms);
  if (!Number.isInteger(holdMs) || holdMs < 0 || holdMs > 60_000)
    throw new BadRequest('hold_ms must be an integer in 0..60000');
  if (b.memo !== undefined && typeof b.memo !== 'string') throw new BadRequest('memo must be a string');
  return { opId, legs, abort: b.abort === true, holdMs, memo: b.memo as string | undefined };
}

/** Writes the business rows of one leg; returns the event it produces. */
async function applyLeg(client: pg.PoolClient, op: Op, leg: Leg): Promise<OutboxEvent> {
  const opId = op.opId;
  await client.query('INSERT INTO accounts (id) VALUES ($1) ON CONFLICT DO NOTHING', [leg.account]);
  const { rows } = await client.query<{ balance: string; version: string }>(
    'UPDATE accounts SET balance = balance + $2, version = version + 1 WHERE id = $1 RETURNING balance, version',
    [leg.account, leg.amount],
  );
  const balanceAfter = Number(rows[0]!.balance);
  const seq = Number(rows[0]!.version);
  const eventId = crypto.randomUUID();
  const eventType = leg.amount > 0 ? 'AccountCredited' : 'AccountDebited';
  await client.query(
    'INSERT INTO ledger (event_id, op_id, account_id, seq, event_type, amount, balance_after, memo) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    [eventId, opId, leg.account, seq, eventType, leg.amount, balanceAfter, op.memo ?? null],
  );
  return {
    eventId,
    aggregateType: 'account',
    aggregateId: leg.account,
    aggregateSeq: seq,
    eventType,
    payload: {
      opId,
      account: leg.account,
      amount: leg.amount,
      balanceAfter,
      seq,
      ...(op.memo === undefined ? {} : { memo: op.memo }),
    },
  };
}

type Outcome =
  | { status: 200; body: { outcome: 'committed'; events: { event_id: string; aggregate_id: string; seq: number }[] } }
  | { status: 200; body: { outcome: 'rolled-back' } }
  | { status: 503; body: { outcome: 'failed'; error: string } }
  | { status: 500; body: { outcome: 'unknown'; error: string } };

async function execute(pool: pg.Pool, recorder: EventRecorder, op: Op): Promise<Outcome> {
  let client: pg.PoolClient | undefined;
  let commitSent = false;
  try {
    client = await pool.connect();
    // A connection that breaks while the transaction waits (hold_ms) reports it as an 'error'
    // event on the client, which would end the process; the next statement fails with it anyway.
    client.on('error', ignoreClientError);
    await client.query('BEGIN');
    const events: OutboxEvent[] = [];
    // Lock accounts in a fixed order so concurrent transfers cannot deadlock.
    for (const leg of [...op.legs].sort((a, b) => a.account.localeCompare(b.account)))
      events.push(await applyLeg(client, op, leg));
    await recorder.inTransaction(client, events);
    if (op.holdMs > 0) await new Promise((r) => setTimeout(r, op.holdMs));
    if (op.abort) {
      await client.query('ROLLBACK');
      return { status: 200, body: { outcome: 'rolled-back' } };
    }
    crashPoint('app.before-commit');
    commitSent = true;
    await client.query('COMMIT');
    crashPoint('app.after-commit');
    await recorder.afterCommit?.(events);
    return {
      status: 200,
      body: {
        outcome: 'committed',
        events: events.map((e) => ({ event_id: e.eventId, aggregate_id: e.aggregateId, seq: e.aggregateSeq })),
      },
    };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    // A connection that broke mid-transaction takes the transaction with it.
    client?.release(err instanceof Error ? err : true);
    client = undefined;
    return commitSent
      ? { status: 500, body: { outcome: 'unknown', error } }
      : { status: 503, body: { outcome: 'failed', error } };
  } finally {
    client?.off('error', ignoreClientError);
    client?.release();
  }
}

function ignoreClientError(): void {}

/** Serves POST /ops and GET /health on PORT until SIGTERM or SIGINT. */
export async function serveLedgerApp(recorder: EventRecorder): Promise<void> {
  const port = Number(required('PORT'));
  const pool = new pg.Pool({
    connectionString: required('DATABASE_URL'),
    max: int('PG_POOL_SIZE', 10, 1),
    connectionTimeoutMillis: int('PG_CONNECT_TIMEOUT_MS', 3_000, 1),
    // A statement that hangs behind a partition must fail rather than hold the request forever.
    query_timeout: int('PG_QUERY_TIMEOUT_MS', 10_000, 1),
  });
  pool.on('error', () => {}); // idle clients broken by a fault are replaced on next use

  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/health') return reply(200, { ok: true });
    if (req.method !== 'POST' || req.url !== '/ops') return reply(404, { error: 'not found' });
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      let op: Op;
      try {
        op = parseOp(JSON.parse(raw));
      } catch (err) {
        return reply(400, { outcome: 'failed', error: err instanceof Error ? err.message : String(err) });
      }
      execute(pool, recorder, op).then(({ status, body }) => reply(status, body));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, optional('HOST', '127.0.0.1'), resolve));
  process.stdout.write(`app listening on ${port}\n`);

  const shutdown = () => {
    server.close();
    Promise.allSettled([pool.end(), recorder.close?.()]).then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
