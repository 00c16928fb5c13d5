-- The Spring Modulith SUT's own table beside the library's registry (printed by schema.sh): the
-- inbox of the reference consumer, which this SUT uses because Spring Modulith has no consumer side.
CREATE TABLE inbox (
  event_id    uuid PRIMARY KEY,
  topic       text NOT NULL,
  partition   integer NOT NULL,
  "offset"    bigint NOT NULL,
  received_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
