import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';

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
