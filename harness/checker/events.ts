import type { ObservedMessage } from '../history/observe.ts';
import type { CheckInput, EventIdLocation } from './types.ts';

/** Derived views over the input, shared by several checkers. */

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

export function describeEventIdLocation(location: EventIdLocation): string {
  return 'header' in location ? `${location.header} header` : `event id at JSON pointer ${location.jsonPointer}`;
}

/** Messages grouped by event id, in observation order (partition, offset). */
export function deliveriesById(input: CheckInput): Map<string, ObservedMessage[]> {
  const byId = new Map<string, ObservedMessage[]>();
  for (const m of input.messages) {
    const id = eventIdOf(m, input.eventId);
    if (id === undefined) continue;
    const list = byId.get(id);
    if (list) list.push(m);
    else byId.set(id, [m]);
  }
  return byId;
}

export function committedById(input: CheckInput) {
  return new Map(input.committed.map((c) => [c.eventId, c]));
}

/** Events the SUT must deliver: committed and not deliberately dead-lettered. */
export function deliverable(input: CheckInput) {
  const dead = new Set(input.deadLettered);
  return input.committed.filter((c) => !dead.has(c.eventId));
}

/** Caps the ids listed in one anomaly so a report stays readable; the count is in the detail. */
export function sample(ids: readonly string[], max = 20): string[] {
  return ids.slice(0, max);
}
