import {
  createReplicationMutexConcurrencyController,
  getDefaultLogger,
  initializePollingMessageListener,
  initializeReplicationMessageListener,
  type GeneralMessageHandler,
  type OutboxOrInbox,
} from 'pg-transactional-outbox';
import { required } from '../../reference-impl/lib/config.ts';
import { listenerConfig, modeFrom, type PollingConfig, type ReplicationConfig } from './settings.ts';

/**
 * Starts the library's listener on one side, in the mode TRX_MODE names, configured as its README
 * does (a mutex concurrency controller for replication). Returns the library's shutdown.
 */
export function startListener(kind: OutboxOrInbox, handler: GeneralMessageHandler): () => Promise<void> {
  const mode = modeFrom(process.env.TRX_MODE);
  const logger = getDefaultLogger(kind);
  logger.level = process.env.TRX_LOG_LEVEL ?? 'warn';
  const config = listenerConfig(kind, mode, required('DATABASE_URL'), required('DATABASE'));
  const [shutdown] =
    mode === 'polling'
      ? initializePollingMessageListener(config as PollingConfig, handler, logger)
      : initializeReplicationMessageListener(config as ReplicationConfig, handler, logger, {
          concurrencyStrategy: createReplicationMutexConcurrencyController(),
        });
  return shutdown;
}
