// One place for how this adapter configures pg-transactional-outbox: table names, the listener
// mode (polling or logical replication), and the per-run replication slot names.
import { ConfigError, int } from '../../reference-impl/lib/config.ts';
import type { PollingListenerConfig, ReplicationListenerConfig, OutboxOrInbox } from 'pg-transactional-outbox';

export type Mode = 'polling' | 'replication';
export type PollingConfig = PollingListenerConfig;
export type ReplicationConfig = ReplicationListenerConfig;

export function modeFrom(value: string | undefined): Mode {
  if (value === 'polling' || value === 'replication') return value;
  throw new ConfigError(`TRX_MODE must be "polling" or "replication", got "${value ?? ''}"`);
}

export const TABLES: Record<OutboxOrInbox, string> = { outbox: 'outbox', inbox: 'inbox' };
export const PUBLICATIONS: Record<OutboxOrInbox, string> = { outbox: 'ptxo_outbox_pub', inbox: 'ptxo_inbox_pub' };
export const NEXT_MESSAGES: Record<OutboxOrInbox, string> = {
  outbox: 'next_outbox_messages',
  inbox: 'next_inbox_messages',
};

/** Slots are server-wide, so each run database gets its own (created by the manifest's perRun SQL). */
export function slotName(kind: OutboxOrInbox, database: string): string {
  return `ptxo_${kind}_${database}`;
}

/**
 * The library's README settings for each side: the outbox turns the attempt limits off (a relay
 * must not give up on a message), the inbox keeps them on (a poison message must not loop).
 */
function baseSettings(kind: OutboxOrInbox) {
  const protect = kind === 'inbox';
  return {
    dbSchema: 'public',
    dbTable: TABLES[kind],
    enableMaxAttemptsProtection: protect,
    enablePoisonousMessageProtection: protect,
  };
}

export function listenerConfig(
  kind: OutboxOrInbox,
  mode: Mode,
  databaseUrl: string,
  database: string,
): PollingListenerConfig | ReplicationListenerConfig {
  const dbListenerConfig = { connectionString: databaseUrl, connectionTimeoutMillis: 3_000 };
  if (mode === 'polling') {
    return {
      outboxOrInbox: kind,
      dbListenerConfig,
      settings: {
        ...baseSettings(kind),
        nextMessagesFunctionName: NEXT_MESSAGES[kind],
        // The README's values by default; the benchmark raises the batch.
        nextMessagesBatchSize: int('BATCH_SIZE', 5, 1),
        nextMessagesPollingIntervalInMs: int('POLL_INTERVAL_MS', 250, 1),
      },
    };
  }
  return {
    outboxOrInbox: kind,
    dbListenerConfig,
    settings: { ...baseSettings(kind), dbPublication: PUBLICATIONS[kind], dbReplicationSlot: slotName(kind, database) },
  };
}

/** What the app and the consumer need to store messages (no listener). */
export function storageConfig(kind: OutboxOrInbox) {
  return { outboxOrInbox: kind, settings: baseSettings(kind) };
}
