import type { Message } from 'kafkajs';

/** One event as committed: what the outbox row holds, and what goes to Kafka. */
export interface OutboxEvent {
  readonly eventId: string;
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly aggregateSeq: number;
  readonly eventType: string;
  readonly payload: unknown;
}

/**
 * The wire format: key = aggregate id (so one aggregate stays in one partition, in order),
 * the event id and sequence in headers, the payload as JSON.
 */
export function toKafkaMessage(event: OutboxEvent, payloadJson?: string): Message {
  return {
    key: event.aggregateId,
    // A relay that read the payload as JSON text passes it through unchanged.
    value: payloadJson ?? JSON.stringify(event.payload),
    headers: {
      'event-id': event.eventId,
      'event-type': event.eventType,
      'aggregate-type': event.aggregateType,
      'aggregate-seq': String(event.aggregateSeq),
    },
  };
}

export interface ReceivedEvent {
  readonly eventId: string;
  readonly aggregateId: string;
  readonly aggregateSeq: number;
  readonly payload: { amount: number; account: string; seq: number };
}

export function fromKafkaMessage(message: {
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, unknown>;
}): ReceivedEvent {
  const header = (name: string) => {
    const v = message.headers?.[name];
    return Buffer.isBuffer(v) ? v.toString() : typeof v === 'string' ? v : undefined;
  };
  const eventId = header('event-id');
  const seq = Number(header('aggregate-seq'));
  if (!eventId || !Number.isInteger(seq) || !message.key || !message.value)
    throw new Error('message lacks event-id, aggregate-seq, key or value');
  return {
    eventId,
    aggregateId: message.key.toString(),
    aggregateSeq: seq,
    payload: JSON.parse(message.value.toString()),
  };
}
