import { Kafka, logLevel, type Consumer, type EachBatchPayload, type KafkaMessage } from 'kafkajs';
import { brokers, int } from './config.ts';
import { logLine } from './log.ts';

export function kafkaFromEnv(clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: brokers(),
    logLevel: logLevel.ERROR,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    // The relay has its own retry loop with backoff, so it keeps the client's retries low.
    retry: { retries: int('KAFKA_RETRIES', 5, 0), initialRetryTime: 200, maxRetryTime: 2_000 },
  });
}

/**
 * A connected member of the group, subscribed to the topic from its start. A failing handler
 * (database unreachable) is retried with backoff for as long as it takes; if KafkaJS gives up
 * anyway, the process exits and its supervisor restarts it. Offsets are the caller's to commit.
 */
export async function subscribedConsumer(topic: string, groupId: string): Promise<Consumer> {
  const consumer = kafkaFromEnv(`consumer-${process.pid}`).consumer({
    groupId,
    sessionTimeout: int('SESSION_TIMEOUT_MS', 10_000, 1_000),
    heartbeatInterval: 1_000,
    // KafkaJS heartbeats between fetches, so a long poll on a quiet topic holds up every rebalance
    // (a second member joining, a restarted one coming back) until it returns.
    maxWaitTimeInMs: 500,
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 3_000 },
  });
  consumer.on(consumer.events.CRASH, (e) => {
    logLine({ consumer: process.pid, crash: String(e.payload.error), restart: e.payload.restart });
    if (!e.payload.restart) process.exit(1);
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  return consumer;
}

/** Commits the group's offset past this message (or past this offset: only `offset` is read). */
export function commitPast(
  consumer: Consumer,
  topic: string,
  partition: number,
  message: Pick<KafkaMessage, 'offset'>,
): Promise<void> {
  return consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
}

/**
 * Commits the group's offset past `offset` with a single request, from inside eachBatch.
 *
 * The batch payload's commitOffsetsIfNecessary, when handed offsets, sends them to the group
 * coordinator at once, whatever the autoCommit settings, and lets a failure out. commitPast
 * (consumer.commitOffsets) instead retries a retriable failure under the consumer's retry policy,
 * which for this consumer never ends: with the coordinator role moved to another broker, it asked
 * the old broker again every few seconds for as long as the process lived, the batch handler never
 * returned, and KafkaJS, whose rejoin (the step that looks the coordinator up again) waits for the
 * handler, never rejoined.
 */
export function commitPastOnce(
  payload: Pick<EachBatchPayload, 'commitOffsetsIfNecessary'>,
  topic: string,
  partition: number,
  offset: string,
): Promise<void> {
  const next = (BigInt(offset) + 1n).toString();
  return payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: next }] }] });
}

/** Whether a KafkaJS error, or one it wraps, is a broker saying it is not the group's coordinator. */
export function isNotCoordinator(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 5) return false;
  const e = err as { type?: unknown; cause?: unknown };
  return e.type === 'NOT_COORDINATOR_FOR_GROUP' || isNotCoordinator(e.cause, depth + 1);
}
