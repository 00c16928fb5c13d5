import { eventIdOf } from '../history/event-id.ts';
import type { ObservedMessage } from '../history/observe.ts';
import type { CheckInput, EventIdLocation } from './types.ts';

/** Derived views over the input, shared by several checkers. */

export { eventIdOf };

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
