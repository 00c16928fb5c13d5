import { Kafka, logLevel, type Admin, type Consumer, type KafkaConfig } from 'kafkajs';
import { HarnessError, describeError } from '../common/errors.ts';
import { registerKafkaCodecs } from './kafka-codecs.ts';

// Before any client exists: relays in the wild compress (snappy, lz4 and zstd are common
// defaults), and kafkajs alone reads only gzip.
registerKafkaCodecs();

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

/**
 * Calls onFatal when the consumer crashes and kafkajs will not restart it (an undecodable batch,
 * for one): its consume loop is over, and a reader waiting for more messages would only run out
 * its deadline.
 */
export function onFatalCrash(consumer: Consumer, onFatal: (error: Error) => void): void {
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) onFatal(payload.error);
  });
}

/** Whether KafkaJS's error, or one it wraps, is the broker's "unknown topic or partition". */
export function isUnknownTopic(err: unknown): boolean {
  for (
    let e = err as { type?: string; cause?: unknown; originalError?: unknown } | undefined, hops = 0;
    e && hops < 8;
    hops++
  ) {
    if (e.type === 'UNKNOWN_TOPIC_OR_PARTITION') return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}

/**
 * Runs a read of a topic that exists, again while a broker answers that it does not host it yet
 * (its metadata lags the topic's creation, or the offsets topic is still loading), for up to
 * `ms`. KafkaJS itself retries that answer in some calls and not in others: fetchOffsets let it
 * out at once, and a run's drain was reported as one the harness could not complete.
 */
export async function readWhileTopicSettles<T>(read: () => Promise<T>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await read();
    } catch (err) {
      if (!isUnknownTopic(err) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export interface TopicShape {
  readonly topic: string;
  readonly partitions: number;
  /** Brokers that must be in sync for every partition: the replication factor. */
  readonly replicas: number;
}

/**
 * Waits until a topic just created is usable from the brokers, not only from the controller that
 * acknowledged it: every partition led and fully in sync, in metadata read again and again. A
 * broker that has not applied the creation yet answers "unknown topic"; that, and any other
 * failed read, only restarts the count. On a cluster different brokers answer successive reads,
 * so several good reads in a row are wanted there; a lone broker's one good answer is its own.
 */
export async function awaitTopicReady(
  admin: Pick<Admin, 'fetchTopicMetadata'>,
  shape: TopicShape,
  options: { readonly ms?: number; readonly pollMs?: number } = {},
): Promise<void> {
  const { topic, partitions, replicas } = shape;
  const ms = options.ms ?? 30_000;
  const wanted = replicas > 1 ? 3 : 1;
  const deadline = Date.now() + ms;
  let good = 0;
  let last = 'no answer';
  for (;;) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      const ps = meta.topics[0]?.partitions ?? [];
      const ready = ps.length === partitions && ps.every((p) => p.leader >= 0 && p.isr.length === replicas);
      good = ready ? good + 1 : 0;
      last = JSON.stringify(ps.map((p) => ({ p: p.partitionId, leader: p.leader, isr: p.isr })));
    } catch (err) {
      good = 0;
      last = describeError(err);
    }
    if (good >= wanted) return;
    if (Date.now() > deadline)
      throw new HarnessError(`topic ${topic} was not ready on every broker within ${ms / 1000} s: ${last}`);
    await new Promise((r) => setTimeout(r, options.pollMs ?? 100));
  }
}

/** A connected admin client for one piece of work, disconnected afterwards whatever happens. */
export async function withKafkaAdmin<T>(
  brokers: string[],
  clientId: string,
  fn: (admin: Admin) => Promise<T>,
): Promise<T> {
  const admin = harnessKafka(brokers, clientId).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Healthy = the broker answers a metadata request and names a controller. Throws otherwise. */
export async function probeBroker(brokers: string[]): Promise<void> {
  const admin = harnessKafka(brokers, 'outbox-chaos-probe', {
    retry: { retries: 0 },
    connectionTimeout: 1_000,
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0 || cluster.controller === null)
      throw new Error('no broker or controller in metadata yet');
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
