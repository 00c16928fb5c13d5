-- Schema of the reference outbox service. The harness applies it once to a template database;
-- every run gets a fresh copy.

-- Business side (the app). A double-applied or lost change shows in balances and the ledger.
CREATE TABLE accounts (
  id      text PRIMARY KEY,
  balance bigint NOT NULL DEFAULT 0,
  -- The aggregate's version: every event of the account takes the next one, inside the
  -- transaction that holds the account row's lock, so sequence order is commit order.
  version bigint NOT NULL DEFAULT 0
);

CREATE TABLE ledger (
  event_id      uuid PRIMARY KEY,
  op_id         uuid NOT NULL,
  account_id    text NOT NULL REFERENCES accounts (id),
  seq           bigint NOT NULL,
  event_type    text NOT NULL,
  amount        bigint NOT NULL,
  balance_after bigint NOT NULL,
  memo          text,
  written_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (account_id, seq)
);
CREATE INDEX ledger_op ON ledger (op_id);

-- The outbox. Published rows are kept until the retention period passes.
CREATE TABLE outbox (
  id              bigserial PRIMARY KEY,
  event_id        uuid NOT NULL UNIQUE,
  aggregate_type  text NOT NULL,
  aggregate_id    text NOT NULL,
  aggregate_seq   bigint NOT NULL,
  event_type      text NOT NULL,
  payload         jsonb NOT NULL,
  headers         jsonb NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT '-infinity',
  last_error      text,
  published_at    timestamptz,
  dead_lettered_at timestamptz,
  UNIQUE (aggregate_id, aggregate_seq)
);
-- Only pending rows are ever scanned by the relay.
CREATE INDEX outbox_pending ON outbox (aggregate_id, aggregate_seq)
  WHERE published_at IS NULL AND dead_lettered_at IS NULL;
CREATE INDEX outbox_pending_by_id ON outbox (id)
  WHERE published_at IS NULL AND dead_lettered_at IS NULL;
CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL;

-- A wake-up hint for relays; they poll as well, so a lost notification only costs latency.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('outbox_pending', '');
  RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Consumer side. The inbox makes effects idempotent. The effects log has no unique key on
-- event_id, so a double application is recorded rather than rejected.
CREATE TABLE inbox (
  event_id    uuid PRIMARY KEY,
  topic       text NOT NULL,
  partition   integer NOT NULL,
  "offset"    bigint NOT NULL,
  received_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE effects (
  apply_id   bigserial PRIMARY KEY,
  event_id   uuid NOT NULL,
  account_id text NOT NULL,
  seq        bigint NOT NULL,
  amount     bigint NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE projections (
  account_id text PRIMARY KEY,
  balance    bigint NOT NULL,
  last_seq   bigint NOT NULL,
  applied    integer NOT NULL
);
