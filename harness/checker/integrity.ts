import { isDeepStrictEqual } from 'node:util';
import { committedById, eventIdOf } from './events.ts';
import type { Anomaly, Checker } from './types.ts';

/** integrity: the key and payload in Kafka are exactly what was committed. */
export const integrityChecker: Checker = {
  name: 'integrity',
  needsSettledState: false,
  check(input) {
    const committed = committedById(input);
    const anomalies: Anomaly[] = [];
    for (const m of input.messages) {
      const id = eventIdOf(m, input.eventId);
      const truth = id === undefined ? undefined : committed.get(id);
      if (!truth) continue; // not committed: the phantom checker's business
      const where = `p${m.partition}@${m.offset}`;
      if (m.key !== truth.aggregateId) {
        anomalies.push({
          kind: 'integrity',
          aggregateId: truth.aggregateId,
          eventIds: [truth.eventId],
          detail: `${where}: key ${JSON.stringify(m.key)}, committed aggregate ${truth.aggregateId}`,
        });
        continue;
      }
      let payload: unknown;
      try {
        payload = m.value === null ? null : JSON.parse(m.value);
      } catch {
        anomalies.push({
          kind: 'integrity',
          aggregateId: truth.aggregateId,
          eventIds: [truth.eventId],
          detail: `${where}: value is not JSON`,
        });
        continue;
      }
      if (!isDeepStrictEqual(payload, truth.payload)) {
        anomalies.push({
          kind: 'integrity',
          aggregateId: truth.aggregateId,
          eventIds: [truth.eventId],
          detail: `${where}: payload differs from the committed one`,
        });
      }
    }
    return {
      checker: 'integrity',
      valid: anomalies.length === 0,
      anomalies,
      stats: { integrityViolations: anomalies.length },
    };
  },
};
