import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../infra/paths.ts';
import type { SutDefinition } from './definition.ts';

const dir = path.join(PROJECT_ROOT, 'reference-impl');
const tsx = (file: string) => [process.execPath, '--import', 'tsx', path.join(dir, file)];

/** The reference implementation, described exactly as a third party would describe theirs. */
export function referenceSut(): SutDefinition {
  return {
    name: 'reference',
    schemaSql: fs.readFileSync(path.join(dir, 'schema.sql'), 'utf8'),
    processes: {
      app: {
        command: tsx('app.ts'),
        cwd: PROJECT_ROOT,
        links: { pg: 'app-pg', kafka: 'app-kafka' },
        env: { DATABASE_URL: '${DATABASE_URL}', KAFKA_BROKERS: '${KAFKA_BROKERS}', TOPIC: '${TOPIC}', PORT: '${PORT}' },
      },
      relay: {
        command: tsx('relay.ts'),
        cwd: PROJECT_ROOT,
        links: { pg: 'relay-pg', kafka: 'relay-kafka' },
        env: {
          DATABASE_URL: '${DATABASE_URL}', KAFKA_BROKERS: '${KAFKA_BROKERS}', TOPIC: '${TOPIC}', DLQ_TOPIC: '${DLQ_TOPIC}',
          RELAY_ID: '${REPLICA}', KAFKA_RETRIES: '2',
          // Retry fast and give up on a poison message soon; transient failures are retried forever.
          MAX_ATTEMPTS: '3', BACKOFF_BASE_MS: '50', BACKOFF_MAX_MS: '500', POLL_INTERVAL_MS: '200',
        },
        readyLog: '"started":true',
      },
      consumer: {
        command: tsx('consumer.ts'),
        cwd: PROJECT_ROOT,
        links: { pg: 'consumer-pg', kafka: 'consumer-kafka' },
        env: {
          DATABASE_URL: '${DATABASE_URL}', KAFKA_BROKERS: '${KAFKA_BROKERS}', TOPIC: '${TOPIC}', GROUP_ID: '${GROUP_ID}',
          SESSION_TIMEOUT_MS: '6000',
        },
        readyLog: '"started":true',
      },
    },
    write: { kind: 'http', path: '/ops', healthPath: '/health' },
    eventIdHeader: 'event-id',
    committedEventsSql: `
      SELECT event_id::text, op_id::text, account_id AS aggregate_id, seq,
             jsonb_build_object('opId', op_id, 'account', account_id, 'amount', amount, 'balanceAfter', balance_after, 'seq', seq)
               || CASE WHEN memo IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('memo', memo) END AS payload,
             written_at
        FROM ledger`,
    effectsSql: `SELECT event_id::text, account_id AS aggregate_id, seq, (extract(epoch FROM applied_at) * 1000)::float8 AS applied_at_ms FROM effects ORDER BY apply_id`,
    deadLetteredSql: `SELECT event_id::text FROM outbox WHERE dead_lettered_at IS NOT NULL`,
    guarantees: { perAggregateOrder: true },
    consumerCommitsOffsets: true,
    bugs: {
      env: 'OUTBOX_BUG',
      variants: [
        'dual-write', 'publish-before-commit', 'mark-before-ack', 'id-cursor', 'drop-after-retries',
        'unordered-parallel', 'non-idempotent-consumer', 'offset-before-effect', 'weak-acks',
      ],
    },
    crashEnv: 'OUTBOX_CRASH_AT',
    crashFileEnv: 'OUTBOX_CRASH_FILE',
    crashPoints: {
      app: ['app.before-commit', 'app.after-commit'],
      relay: ['relay.after-claim', 'relay.after-publish-before-mark', 'relay.after-mark', 'relay.after-mark-before-publish'],
      consumer: ['consumer.before-effect', 'consumer.after-effect-before-offset', 'consumer.after-offset-before-effect'],
    },
  };
}
