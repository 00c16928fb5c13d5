import type { EventIdLocation } from '../sut/definition.ts';
import { eventIdOf } from './event-id.ts';
import type { CommittedRow, EffectRow, ObservedMessage } from './observe.ts';

/**
 * Per event, when it was committed, first published and first applied, and how many times each
 * happened: the raw material of the report's throughput and latency charts. Events seen in Kafka
 * or in the effects but never committed (phantoms) are listed too, with committedAt null.
 */
export interface EventTimes {
  readonly eventId: string;
  readonly aggregateId: string | null;
  readonly committedAt: number | null;
  readonly publishedAt: number | null;
  readonly deliveries: number;
  readonly appliedAt: number | null;
  readonly effects: number;
}

export function eventTimes(input: {
  readonly committed: readonly CommittedRow[];
  readonly messages: readonly ObservedMessage[];
  readonly effects: readonly EffectRow[];
  readonly eventId: EventIdLocation;
  readonly commitTimes: ReadonlyMap<string, number>;
}): EventTimes[] {
  interface Acc {
    aggregateId: string | null;
    committedAt: number | null;
    publishedAt: number | null;
    deliveries: number;
    appliedAt: number | null;
    effects: number;
  }
  const byId = new Map<string, Acc>();
  const entry = (id: string): Acc => {
    let e = byId.get(id);
    if (!e)
      byId.set(
        id,
        (e = { aggregateId: null, committedAt: null, publishedAt: null, deliveries: 0, appliedAt: null, effects: 0 }),
      );
    return e;
  };
  for (const c of input.committed) {
    const e = entry(c.eventId);
    e.aggregateId = c.aggregateId;
    e.committedAt = input.commitTimes.get(c.eventId) ?? null;
  }
  for (const m of input.messages) {
    const id = eventIdOf(m, input.eventId);
    if (id === undefined) continue;
    const e = entry(id);
    e.deliveries++;
    e.publishedAt = e.publishedAt === null ? m.timestamp : Math.min(e.publishedAt, m.timestamp);
  }
  for (const f of input.effects) {
    const e = entry(f.eventId);
    e.aggregateId ??= f.aggregateId;
    e.effects++;
    if (f.appliedAt !== undefined)
      e.appliedAt = e.appliedAt === null ? f.appliedAt : Math.min(e.appliedAt, f.appliedAt);
  }
  return [...byId].map(([eventId, e]) => ({ eventId, ...e }));
}
