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
 * the event id, type and sequence in headers, the payload as JSON.
 *
 * The aggregate type is not sent: the topic is the aggregate type's, and the key names the
 * aggregate. KafkaJS encodes each header in a buffer of its own, about 4 µs a message on the
 * benchmark machine (a record with four headers 19.5 µs, with three 15), while the whole relay
 * spends about 40 µs an event in a drain.
 */
export function toKafkaMessage(event: OutboxEvent, payloadJson?: string): Message {
  return {
    key: event.aggregateId,
    // A relay that read the payload as JSON text passes it through unchanged.
    value: payloadJson ?? JSON.stringify(event.payload),
    headers: {
      'event-id': event.eventId,
      'event-type': event.eventType,
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
