import { Kafka, logLevel, type Admin, type KafkaConfig } from 'kafkajs';

/**
 * A KafkaJS client for the harness's own use (readiness probes, topic admin, the observer).
 * Quiet: its retry chatter would drown the harness output, and failures surface as errors.
 */
export function harnessKafka(brokers: string[], clientId: string, overrides: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    ...overrides,
  });
}

/** A connected admin client for one piece of work, disconnected afterwards whatever happens. */
export async function withKafkaAdmin<T>(brokers: string[], clientId: string, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = harnessKafka(brokers, clientId).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
