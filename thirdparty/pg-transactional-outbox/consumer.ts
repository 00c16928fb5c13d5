// The consumer, the library's inbox way: each Kafka message is stored in the inbox table (the
// library ignores an id it already holds) and only then is its offset committed; the library's
// inbox listener hands each stored message once to a handler, which applies the effect inside
// the transaction that marks the message processed.
import pg from 'pg';
import { getDisabledLogger, initializeMessageStorage, type GeneralMessageHandler } from 'pg-transactional-outbox';
import { required, runMain } from '../../reference-impl/lib/config.ts';
import { applyEffect } from '../../reference-impl/lib/effects.ts';
import { commitPast, subscribedConsumer } from '../../reference-impl/lib/kafka.ts';
import { logLine } from '../../reference-impl/lib/log.ts';
import { fromKafkaMessage } from '../../reference-impl/lib/message.ts';
import { startListener } from './listener.ts';
import { storageConfig } from './settings.ts';

runMain('consumer', async () => {
  const topic = required('TOPIC');
  const pool = new pg.Pool({
    connectionString: required('DATABASE_URL'),
    max: 2,
    connectionTimeoutMillis: 3_000,
    query_timeout: 15_000,
  });
  pool.on('error', () => {});
  const store = initializeMessageStorage(storageConfig('inbox'), getDisabledLogger());
  let applied = 0;
  const handler: GeneralMessageHandler = {
    async handle(message, client) {
      await applyEffect(client, {
        eventId: message.id,
        aggregateId: message.aggregateId,
        aggregateSeq: Number(message.metadata?.seq),
        payload: message.payload as never,
      });
      applied++;
    },
  };
  const shutdownInbox = startListener('inbox', handler);

  const consumer = await subscribedConsumer(topic, required('GROUP_ID'));
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      const event = fromKafkaMessage(message);
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        await store(
          {
            id: event.eventId,
            aggregateType: 'account',
            aggregateId: event.aggregateId,
            messageType: 'account-event',
            segment: event.aggregateId,
            concurrency: 'sequential',
            payload: event.payload,
            metadata: { seq: event.aggregateSeq },
          },
          client,
        );
        await client.query('COMMIT');
      } catch (err) {
        broken = err instanceof Error ? err : new Error(String(err));
        throw err;
      } finally {
        client.release(broken ?? false);
      }
      await commitPast(consumer, topic, partition, message);
    },
  });
  logLine({ consumer: process.pid, started: true, mode: process.env.TRX_MODE });
  const stop = async () => {
    await consumer.disconnect().catch(() => {});
    await shutdownInbox().catch(() => {});
    await pool.end().catch(() => {});
    logLine({ consumer: process.pid, stopped: true, applied });
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
});
