/**
 * The ${NAME} placeholders a manifest may use, by when they are known. The manifest loader refuses
 * any other name, and the cluster fills exactly these, so the two cannot drift apart.
 */

/** Known when the manifest is read; filled in prepare, schema command, process command, cwd and env. */
export const LOAD_TIME_PLACEHOLDERS = ['NODE', 'MANIFEST_DIR', 'CACHE_DIR'] as const;

/** Known once a process is started; filled in its command and env. */
export const PROCESS_PLACEHOLDERS = [
  'DATABASE_URL',
  'DATABASE',
  'KAFKA_BROKERS',
  'TOPIC',
  'DLQ_TOPIC',
  'GROUP_ID',
  'PORT',
  'REPLICA',
  'STATE_DIR',
] as const;

/**
 * The arrays a bench preload statement takes (bench.preload.sql), each one batch of events, and
 * the SQL type of each: they become bind parameters, the harness never splices values into SQL.
 */
export const BENCH_PRELOAD_PLACEHOLDERS = {
  EVENT_IDS: 'text[]',
  AGGREGATE_IDS: 'text[]',
  SEQS: 'bigint[]',
  PAYLOADS: 'text[]',
} as const;
export type BenchPreloadArray = keyof typeof BENCH_PRELOAD_PLACEHOLDERS;

/** Known once a run's database exists; filled in schema.perRun. */
export const PER_RUN_SQL_PLACEHOLDERS = ['DATABASE'] as const;

export type ProcessPlaceholder = (typeof PROCESS_PLACEHOLDERS)[number];

/**
 * Anything that looks like a placeholder: ${ and a name, including names the filler would not
 * recognise (lower case, digits), so that a typo is named rather than passed through as literal
 * text. A shell's own expansions (${VAR:-x}, ${#VAR}) are not names, and pass through untouched.
 */
export const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The placeholder names a string uses, in order of appearance. */
export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}
