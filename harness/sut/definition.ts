import type { LinkName } from '../infra/links.ts';
import type { BenchPreloadArray } from './placeholders.ts';

/**
 * The three roles of an outbox deployment: the app writes business rows and outbox rows in one
 * transaction, the relay moves outbox rows to Kafka, the consumer applies each event's effect.
 */
export type Role = 'app' | 'relay' | 'consumer';
export const ROLES: readonly Role[] = ['app', 'relay', 'consumer'];

/** Where a Kafka message carries the harness's event id: a header, or a JSON pointer (RFC 6901) into its value. */
export type EventIdLocation = { readonly header: string } | { readonly jsonPointer: string };

/**
 * The transaction shapes the load may send beside plain single-event writes (a SUT's manifest may
 * list fewer, if its write interface serves fewer):
 * - multi: several events of one aggregate in one transaction ("repeat": n on a deposit).
 * - transfer: one transaction touching two aggregates.
 * - rollback: the client rolls the transaction back ("abort": true).
 * - crash: the app is killed while the transaction is open; the outcome is indeterminate and is
 *   resolved from the final database.
 * - long: the transaction writes its events early and commits late ("hold_ms") while later
 *   transactions commit around it: the condition under which cursor relays skip rows.
 */
export const EXTRA_SHAPES = ['multi', 'transfer', 'rollback', 'crash', 'long'] as const;
export type ExtraShape = (typeof EXTRA_SHAPES)[number];

/** What `outbox-chaos bench` needs to measure a SUT (the manifest's bench section). */
export interface BenchDefinition {
  /** One statement inserting a batch, its ${EVENT_IDS}-style placeholders turned into $1, $2... */
  readonly preloadSql: string;
  /** Which array each bind parameter takes, in order ($1 first). */
  readonly preloadParams: readonly BenchPreloadArray[];
  /** Added to the relay's environment in every benchmark run. */
  readonly relayEnv: Readonly<Record<string, string>>;
  /** The relay variable that takes a batch size, when it has one. */
  readonly batchSizeEnv?: string;
  /** The most relay replicas that make sense. */
  readonly maxReplicas?: number;
}

/** What load a SUT can take: the harness paces its writers below these. */
export interface LoadLimits {
  /** Writes per second, over all writers. */
  readonly maxRate?: number;
  /** Concurrent writers. */
  readonly maxWriters?: number;
  /** Shapes the write interface serves; all of them when absent. */
  readonly shapes?: readonly ExtraShape[];
}

/**
 * How the harness runs one implementation under test. It never imports the SUT: it starts
 * commands, passes environment variables, sends writes over HTTP and reads results with SQL.
 */
export interface SutDefinition {
  readonly name: string;
  /** Applied once to a template database; every run gets a copy. */
  readonly schemaSql: string;
  /**
   * Statements run one by one, outside a transaction, on every fresh run database before the SUT
   * starts; ${DATABASE} is that database's name. A template cannot carry a replication slot.
   */
  readonly perRunSql?: readonly string[];
  readonly processes: Readonly<Record<Role, ProcessDefinition>>;
  /** Writes go to POST {app}/ops; see reference-impl/app.ts for the request and answer shapes. */
  readonly write: { readonly kind: 'http'; readonly path: string; readonly healthPath: string };
  /** Caps on the load the harness sends. */
  readonly load?: LoadLimits;
  /** How the benchmark preloads and tunes it; without it, `bench` cannot measure this SUT. */
  readonly bench?: BenchDefinition;
  /** Where a Kafka message carries the event id. */
  readonly eventId: EventIdLocation;
  /**
   * SQL over the final database: one row per committed event, with columns
   * event_id, op_id, aggregate_id, seq, payload (jsonb, exactly what Kafka must carry).
   */
  readonly committedEventsSql: string;
  /**
   * SQL over the final database: one row per applied effect, in apply order: event_id,
   * aggregate_id, seq, and optionally applied_at_ms (epoch milliseconds) for effect latency.
   */
  readonly effectsSql: string;
  /** SQL: event ids the SUT dead-lettered on purpose (accounted for, not lost). */
  readonly deadLetteredSql?: string;
  readonly guarantees: { readonly perAggregateOrder: boolean };
  /**
   * The consumer commits its progress as Kafka offsets of the run's group (GROUP_ID). The drain
   * then waits for that group's lag to reach zero before it calls the state final.
   */
  readonly consumerCommitsOffsets: boolean;
  /**
   * How long the SUT may legitimately sit still with work left (a lease it waits out after a
   * crash); the drain waits at least this long without change before calling a state final.
   */
  readonly drainQuietMs?: number;
  /**
   * Bug variants the SUT can be switched to, via the env var named here. kafkaBrokers: the variants
   * that cannot lose anything on fewer brokers (acks=1 is acks=all without followers), with how many they need.
   */
  readonly bugs?: {
    readonly env: string;
    readonly variants: readonly string[];
    readonly kafkaBrokers?: Readonly<Record<string, number>>;
  };
  /** The env var that takes crash points, as <point>@<pass> (see reference-impl/README.md). */
  readonly crashEnv?: string;
  /**
   * The env var naming a file the SUT reads crash points from at every pass (same syntax, text
   * after # ignored, counting passes afresh whenever the text changes). With it, the harness arms
   * a point in a running process; without it, arming restarts the process with crashEnv set.
   */
  readonly crashFileEnv?: string;
  /** Named code points, per role, where the SUT can be told to SIGKILL itself. */
  readonly crashPoints?: Partial<Record<Role, readonly string[]>>;
}

export interface ProcessDefinition {
  readonly command: readonly string[];
  /** Working directory of the process. */
  readonly cwd: string;
  /** The links this role's connections go through. */
  readonly links: { readonly pg: LinkName; readonly kafka: LinkName };
  /**
   * Environment for the process. Values may use ${DATABASE_URL}, ${DATABASE}, ${KAFKA_BROKERS}, ${TOPIC},
   * ${DLQ_TOPIC}, ${GROUP_ID}, ${PORT}, ${REPLICA}, ${STATE_DIR}, which the harness fills in per process.
   */
  readonly env: Readonly<Record<string, string>>;
  /** A line the process prints on stdout once it is serving; apps are probed over HTTP instead. */
  readonly readyLog?: string;
}
