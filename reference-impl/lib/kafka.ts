import { Kafka, logLevel } from 'kafkajs';
import { brokers, int } from './config.ts';

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
