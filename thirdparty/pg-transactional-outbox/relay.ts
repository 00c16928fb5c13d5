// The relay: the library's outbox listener (polling or logical replication), with a handler that
// publishes each message to Kafka in the wire format of reference-impl/lib/message.ts. The
// library marks a message processed only after the handler returns, which is after Kafka acked.
import type { GeneralMessageHandler } from 'pg-transactional-outbox';
import { required, runMain } from '../../reference-impl/lib/config.ts';
import { kafkaFromEnv } from '../../reference-impl/lib/kafka.ts';
import { logLine } from '../../reference-impl/lib/log.ts';
import { toKafkaMessage } from '../../reference-impl/lib/message.ts';
import { startListener } from './listener.ts';

runMain('relay', async () => {
  const topic = required('TOPIC');
  const producer = kafkaFromEnv(`relay-${process.pid}`).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let published = 0;
  const publisher: GeneralMessageHandler = {
    async handle(message) {
      const seq = Number(message.metadata?.seq);
      await producer.send({
        topic,
        acks: -1,
        messages: [
          toKafkaMessage({
            eventId: message.id,
            aggregateType: message.aggregateType,
            aggregateId: message.aggregateId,
            aggregateSeq: seq,
            eventType: message.messageType,
            payload: message.payload,
          }),
        ],
      });
      published++;
    },
  };
  const shutdown = startListener('outbox', publisher);
  logLine({ relay: process.pid, started: true, mode: process.env.TRX_MODE });
  const metrics = setInterval(() => logLine({ metric: 'relay', relay: process.pid, published }), 5_000);
  const stop = async () => {
    clearInterval(metrics);
    await shutdown().catch(() => {});
    await producer.disconnect().catch(() => {});
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
});
