/** The PostgreSQL settings every provider runs with, as name/value pairs. */
export const POSTGRES_SETTINGS: readonly (readonly [string, string])[] = [
  // Durability stays on: crash tests are only meaningful if a commit is on disk.
  ['fsync', 'on'],
  ['synchronous_commit', 'on'],
  ['full_page_writes', 'on'],
  // CDC relays (logical replication) need this.
  ['wal_level', 'logical'],
  ['max_wal_senders', '10'],
  ['max_replication_slots', '10'],
  ['max_connections', '300'],
  ['shared_buffers', '128MB'],
  ['log_line_prefix', "'%m [%p] '"],
  ['log_min_messages', 'warning'],
];
