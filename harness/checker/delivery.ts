import { committedById, deliverable, deliveriesById, describeEventIdLocation, eventIdOf, sample } from './events.ts';
import type { Anomaly, Checker } from './types.ts';

/** lost: a committed event that never reached Kafka after heal and drain. */
export const lostChecker: Checker = {
  name: 'lost',
  needsSettledState: true,
  check(input) {
    const delivered = deliveriesById(input);
    const lost = deliverable(input).filter((c) => !delivered.has(c.eventId));
    const anomalies: Anomaly[] = [];
    const byAggregate = new Map<string, string[]>();
    for (const c of lost) byAggregate.set(c.aggregateId, [...(byAggregate.get(c.aggregateId) ?? []), c.eventId]);
    // A fault that made Kafka itself drop acknowledged messages (an unclean leader election) is
    // named beside the loss: the SUT may have done everything right.
    const causes = (input.faults ?? []).flatMap((f) => (f.dataLoss ? [`${f.faultId}: ${f.dataLoss}`] : []));
    const cause = causes.length
      ? `; this run had faults that make Kafka lose acknowledged messages, so the loss came from them, not necessarily from the SUT (${causes.join('; ')})`
      : '';
    for (const [aggregateId, ids] of byAggregate) {
      anomalies.push({
        kind: 'lost',
        aggregateId,
        eventIds: sample(ids),
        detail: `${ids.length} committed event(s) of ${aggregateId} never reached Kafka${cause}`,
      });
    }
    return {
      checker: 'lost',
      valid: lost.length === 0,
      anomalies,
      stats: { lost: lost.length, committed: input.committed.length, deadLettered: input.deadLettered.length },
    };
  },
};

/** phantom: a message (or an effect) for an event that did not commit, or that carries no event id. */
export const phantomChecker: Checker = {
  name: 'phantom',
  needsSettledState: false,
  check(input) {
    const committed = committedById(input);
    const anomalies: Anomaly[] = [];
    const unknownIds = [...deliveriesById(input).keys()].filter((id) => !committed.has(id));
    if (unknownIds.length > 0) {
      anomalies.push({
        kind: 'phantom',
        eventIds: sample(unknownIds),
        detail: `${unknownIds.length} event(s) in Kafka whose transaction did not commit`,
      });
    }
    const withoutId = input.messages.filter((m) => eventIdOf(m, input.eventId) === undefined);
    if (withoutId.length > 0) {
      const where = withoutId
        .slice(0, 5)
        .map((m) => `p${m.partition}@${m.offset}`)
        .join(', ');
      anomalies.push({
        kind: 'phantom',
        eventIds: [],
        detail: `${withoutId.length} message(s) without an event id (no ${describeEventIdLocation(input.eventId)}: ${where})`,
      });
    }
    const effectIds = [...new Set(input.effects.map((e) => e.eventId))].filter((id) => !committed.has(id));
    if (effectIds.length > 0) {
      anomalies.push({
        kind: 'phantom',
        eventIds: sample(effectIds),
        detail: `${effectIds.length} effect(s) applied for events that never committed`,
      });
    }
    return {
      checker: 'phantom',
      valid: anomalies.length === 0,
      anomalies,
      stats: { phantom: unknownIds.length + withoutId.length },
    };
  },
};

/** duplicates (measured): the same event id delivered to Kafka more than once. Allowed. */
export const duplicatesChecker: Checker = {
  name: 'duplicates',
  needsSettledState: false,
  check(input) {
    let extra = 0;
    let duplicated = 0;
    for (const list of deliveriesById(input).values()) {
      if (list.length > 1) {
        duplicated++;
        extra += list.length - 1;
      }
    }
    const distinct = deliveriesById(input).size;
    return {
      checker: 'duplicates',
      valid: true,
      anomalies: [],
      stats: {
        duplicateDeliveries: extra,
        duplicatedEvents: duplicated,
        duplicateRate: distinct === 0 ? 0 : extra / distinct,
      },
    };
  },
};
