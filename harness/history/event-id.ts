import type { EventIdLocation } from '../sut/definition.ts';
import type { ObservedMessage } from './observe.ts';

/**
 * Reading the harness's event id out of a Kafka message. It lives here, beside the messages the
 * observer reads, because both the history's timings and the checkers need it.
 */

const parsedValues = new WeakMap<ObservedMessage, unknown>();

function parsedValue(message: ObservedMessage): unknown {
  if (!parsedValues.has(message)) {
    let value: unknown;
    try {
      value = message.value === null ? undefined : JSON.parse(message.value);
    } catch {
      value = undefined;
    }
    parsedValues.set(message, value);
  }
  return parsedValues.get(message);
}

/** RFC 6901: /a/b~1c reads a -> "b/c". */
function atPointer(value: unknown, pointer: string): unknown {
  if (pointer === '') return value;
  let at = value;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** The harness's event id of a message, where the SUT says it lives; undefined if it carries none. */
export function eventIdOf(message: ObservedMessage, location: EventIdLocation): string | undefined {
  if ('header' in location) return message.headers[location.header];
  const id = atPointer(parsedValue(message), location.jsonPointer);
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}
