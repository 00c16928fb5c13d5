import { committedById, eventIdOf } from './events.ts';
import type { Anomaly, Checker, CheckInput } from './types.ts';

interface Step {
  readonly eventId: string;
  readonly seq: number;
}

/**
 * First occurrence of each event, per aggregate, in the order given. A later re-delivery of an
 * event already seen is a duplicate, not a reordering.
 */
function firstOccurrences(eventIds: Iterable<string>, input: CheckInput): Map<string, Step[]> {
  const committed = committedById(input);
  const seen = new Set<string>();
  const byAggregate = new Map<string, Step[]>();
  for (const eventId of eventIds) {
    const truth = committed.get(eventId);
    if (!truth || seen.has(eventId)) continue;
    seen.add(eventId);
    const steps = byAggregate.get(truth.aggregateId) ?? [];
    steps.push({ eventId, seq: truth.seq });
    byAggregate.set(truth.aggregateId, steps);
  }
  return byAggregate;
}

function inversions(where: string, byAggregate: Map<string, Step[]>): Anomaly[] {
  const anomalies: Anomaly[] = [];
  for (const [aggregateId, steps] of byAggregate) {
    for (let i = 1; i < steps.length; i++) {
      const before = steps[i - 1]!;
      const after = steps[i]!;
      if (after.seq <= before.seq) {
        anomalies.push({
          kind: 'order',
          aggregateId,
          eventIds: [before.eventId, after.eventId],
          detail: `${where}: ${aggregateId} seq ${before.seq} came before seq ${after.seq}`,
        });
        break; // one inversion per aggregate and place is enough to name it
      }
    }
  }
  return anomalies;
}

/**
 * order: within one aggregate, Kafka order and the consumer's apply order follow the commit
 * sequence. Only held against SUTs that claim per-aggregate ordering.
 */
export const orderChecker: Checker = {
  name: 'order',
  needsSettledState: false,
  check(input) {
    if (!input.perAggregateOrder)
      return { checker: 'order', valid: true, anomalies: [], stats: { orderViolations: null } };
    const committed = committedById(input);
    const anomalies: Anomaly[] = [];

    // An aggregate split over partitions has no order at all in Kafka.
    const partitionsOf = new Map<string, Set<number>>();
    for (const m of input.messages) {
      const truth = committed.get(eventIdOf(m, input.eventId) ?? '');
      if (!truth) continue;
      const set = partitionsOf.get(truth.aggregateId) ?? new Set<number>();
      set.add(m.partition);
      partitionsOf.set(truth.aggregateId, set);
    }
    for (const [aggregateId, partitions] of partitionsOf) {
      if (partitions.size > 1) {
        anomalies.push({
          kind: 'order',
          aggregateId,
          eventIds: [],
          detail: `${aggregateId} was spread over partitions ${[...partitions].join(', ')}`,
        });
      }
    }

    const kafkaOrder = [...input.messages]
      .sort((a, b) => a.partition - b.partition || a.offset - b.offset)
      .map((m) => eventIdOf(m, input.eventId) ?? '');
    anomalies.push(...inversions('Kafka', firstOccurrences(kafkaOrder, input)));
    anomalies.push(
      ...inversions(
        'consumer apply order',
        firstOccurrences(
          input.effects.map((e) => e.eventId),
          input,
        ),
      ),
    );
    return { checker: 'order', valid: anomalies.length === 0, anomalies, stats: { orderViolations: anomalies.length } };
  },
};
