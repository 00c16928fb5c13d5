import crypto from 'node:crypto';
import { HarnessError, describeError } from '../common/errors.ts';
import { harnessKafka, onFatalCrash, readWhileTopicSettles, withKafkaAdmin } from '../infra/kafka-client.ts';
import { findUndecodableBatch, undecodableBatchLine } from '../infra/kafka-codecs.ts';
import { withPgClient } from '../infra/pg-client.ts';
import type { SutDefinition } from '../sut/definition.ts';

/** One record as the observer read it from Kafka over the direct listener. */
export interface ObservedMessage {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Record<string, string>;
  readonly timestamp: number;
}

/**
 * Reads every partition of a topic from its first retained offset up to the high watermark seen
 * at the start, whatever codec compressed it. Throws when the end is not reached in time (a
 * partial read must never pass for the whole topic), and at once when a batch cannot be decoded.
 */
export async function readWholeTopic(brokers: string[], topic: string, timeoutMs: number): Promise<ObservedMessage[]> {
  const messages: ObservedMessage[] = [];
  await scanWholeTopic(brokers, topic, timeoutMs, (m) => messages.push(m));
  return messages.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/**
 * readWholeTopic's reading, handing each message over as it comes (partition by partition in
 * offset order) instead of keeping them: a benchmark reads a million messages for their ids.
 */
export async function scanWholeTopic(
  brokers: string[],
  topic: string,
  timeoutMs: number,
  onMessage: (m: ObservedMessage) => void,
): Promise<void> {
  const kafka = harnessKafka(brokers, 'outbox-chaos-observer');
  const offsets = await withKafkaAdmin(brokers, 'outbox-chaos-observer', (admin) =>
    readWhileTopicSettles(() => admin.fetchTopicOffsets(topic)),
  );
  const ends = new Map(offsets.map((o) => [o.partition, { low: Number(o.low), high: Number(o.high) }]));
  const remaining = new Set([...ends].filter(([, e]) => e.high > e.low).map(([p]) => p));
  // The next offset wanted from each partition, to say where an undecodable batch sits.
  const next = new Map([...remaining].map((p) => [p, ends.get(p)!.low]));
  if (remaining.size === 0) return;

  const consumer = kafka.consumer({
    groupId: `observer-${crypto.randomUUID()}`,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new HarnessError(
              `observer: ${topic} not read to its end within ${timeoutMs} ms (partitions left: ${[...remaining].join(',')})`,
            ),
          ),
        timeoutMs,
      );
      onFatalCrash(consumer, (error) => {
        clearTimeout(timer);
        const undecodable = findUndecodableBatch(error);
        const readingFrom = new Map([...next].filter(([p]) => remaining.has(p)));
        reject(
          new HarnessError(
            undecodable
              ? `observer: ${undecodableBatchLine(topic, undecodable, readingFrom)}`
              : `observer: reading ${topic} failed: ${describeError(error)}`,
          ),
        );
      });
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const offset = Number(message.offset);
            const end = ends.get(partition)!;
            if (offset >= end.high) return;
            next.set(partition, offset + 1);
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(message.headers ?? {}))
              if (v !== undefined) headers[k] = Buffer.isBuffer(v) ? v.toString() : String(v);
            onMessage({
              partition,
              offset,
              key: message.key?.toString() ?? null,
              value: message.value?.toString() ?? null,
              headers,
              timestamp: Number(message.timestamp),
            });
            if (offset + 1 >= end.high) {
              remaining.delete(partition);
              if (remaining.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            }
          },
        })
        .catch(reject);
    });
  } catch (err) {
    throw err instanceof HarnessError
      ? err
      : new HarnessError(`observer: reading ${topic} failed: ${describeError(err)}`);
  } finally {
    await consumer.disconnect().catch(() => {});
  }
}

export interface CommittedRow {
  readonly eventId: string;
  readonly opId: string;
  readonly aggregateId: string;
  readonly seq: number;
  readonly payload: unknown;
}

export interface EffectRow {
  readonly eventId: string;
  readonly aggregateId: string;
  readonly seq: number;
  /** When the SUT applied it (ms since epoch), if it says. */
  readonly appliedAt?: number;
}

export interface FinalDbState {
  readonly committed: CommittedRow[];
  readonly effects: EffectRow[];
  readonly deadLettered: string[];
}

/** The SUT's final state through its declared queries, over a direct connection. */
export async function readFinalDbState(pgUrl: string, def: SutDefinition): Promise<FinalDbState> {
  return withPgClient(pgUrl, async (c) => {
    const committed = await c.query(def.committedEventsSql);
    const effects = await c.query(def.effectsSql);
    const dead = def.deadLetteredSql ? await c.query(def.deadLetteredSql) : { rows: [] };
    return {
      committed: committed.rows.map((r) => ({
        eventId: r.event_id,
        opId: r.op_id,
        aggregateId: r.aggregate_id,
        seq: Number(r.seq),
        payload: r.payload,
      })),
      effects: effects.rows.map((r) => ({
        eventId: r.event_id,
        aggregateId: r.aggregate_id,
        seq: Number(r.seq),
        ...(r.applied_at_ms != null ? { appliedAt: Number(r.applied_at_ms) } : {}),
      })),
      deadLettered: dead.rows.map((r) => r.event_id as string),
    };
  });
}
