// The idempotent consumer. Per message, one database transaction: insert the event id into the
// inbox with ON CONFLICT DO NOTHING, and apply the effect only if that insert happened. The Kafka
// offset is committed after the database commit, so a crash in between replays the message and
// the replay does nothing. Offsets are never auto-committed.
import pg from 'pg';
import type { KafkaMessage } from 'kafkajs';
import { bugIs } from './lib/bugs.ts';
import { int, required, runMain } from './lib/config.ts';
import { crashPoint } from './lib/crash.ts';
import { applyEffect } from './lib/effects.ts';
import { commitPast, subscribedConsumer } from './lib/kafka.ts';
import { logLine } from './lib/log.ts';
import { fromKafkaMessage } from './lib/message.ts';

async function applyOnce(pool: pg.Pool, topic: string, partition: number, message: KafkaMessage): Promise<boolean> {
  const event = fromKafkaMessage(message);
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    if (!bugIs('non-idempotent-consumer')) {
      const inserted = await client.query(
        'INSERT INTO inbox (event_id, topic, partition, "offset") VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING',
        [event.eventId, topic, partition, message.offset],
      );
      if (inserted.rowCount === 0) {
        await client.query('COMMIT');
        return false; // seen before: the effect is already durable
      }
    }
    await applyEffect(client, event);
    await client.query('COMMIT');
    return true;
  } catch (err) {
    broken = err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    client.release(broken ?? false);
  }
}

async function main(): Promise<void> {
  const topic = required('TOPIC');
  const groupId = required('GROUP_ID');
  const pool = new pg.Pool({ connectionString: required('DATABASE_URL'), max: 2, connectionTimeoutMillis: 3_000, query_timeout: 15_000 });
  pool.on('error', () => {});
  const consumer = await subscribedConsumer(topic, groupId);
  let applied = 0;
  let skipped = 0;
  const commit = (partition: number, message: KafkaMessage) => commitPast(consumer, topic, partition, message);

  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      crashPoint('consumer.before-effect');
      if (bugIs('offset-before-effect')) {
        // Broken: the offset moves on before the effect is durable.
        await commit(partition, message);
        crashPoint('consumer.after-offset-before-effect');
        (await applyOnce(pool, topic, partition, message)) ? applied++ : skipped++;
        return;
      }
      (await applyOnce(pool, topic, partition, message)) ? applied++ : skipped++;
      crashPoint('consumer.after-effect-before-offset');
      await commit(partition, message);
    },
  });
  logLine({ consumer: process.pid, started: true, groupId });

  const metrics = setInterval(() => logLine({ metric: 'consumer', consumer: process.pid, applied, skipped }), int('METRICS_INTERVAL_MS', 5_000, 100));
  const shutdown = async () => {
    clearInterval(metrics);
    await consumer.disconnect().catch(() => {});
    await pool.end().catch(() => {});
    logLine({ consumer: process.pid, stopped: true, applied, skipped });
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

runMain('consumer', main);
