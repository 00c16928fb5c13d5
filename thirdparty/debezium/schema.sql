-- The Debezium SUT's own tables, applied after reference-impl/ledger.sql.

-- The outbox table in the layout Debezium's Outbox Event Router expects by default (id,
-- aggregatetype, aggregateid, type, payload), plus the aggregate's sequence, which the router
-- places in a header. Debezium reads inserts from the WAL; nothing ever updates or deletes here.
CREATE TABLE outbox (
  id            uuid PRIMARY KEY,
  aggregatetype text NOT NULL,
  aggregateid   text NOT NULL,
  type          text NOT NULL,
  seq           bigint NOT NULL,
  payload       jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE PUBLICATION dbz_outbox_pub FOR TABLE outbox WITH (publish = 'insert');

-- Debezium is a relay only; the consumer is the reference consumer, and this is its inbox.
CREATE TABLE inbox (
  event_id    uuid PRIMARY KEY,
  topic       text NOT NULL,
  partition   integer NOT NULL,
  "offset"    bigint NOT NULL,
  received_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
