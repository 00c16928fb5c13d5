-- The ledger domain every SUT in this repository serves (reference-impl/lib/ledger-app.ts):
-- the app's business tables, and the consumer's effects log and projection. An implementation
-- adds its own outbox (and inbox) tables next to these.

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

-- Consumer side: the effects log has no unique key on event_id, so a double application is
-- recorded rather than rejected.
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
