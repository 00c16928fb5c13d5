import { sample } from './events.ts';
import type { Anomaly, Checker } from './types.ts';

/**
 * The writer's answers against the final database: a write acknowledged as committed must be
 * there (else the business change itself was lost), a write reported as failed must not be
 * (else a phantom commit). Indeterminate writes are resolved here, and counted.
 */
export const acknowledgedWritesChecker: Checker = {
  name: 'acknowledged-writes',
  needsSettledState: false,
  check(input) {
    const ops = input.ops ?? [];
    const committedOps = new Set(input.committed.map((c) => c.opId));
    const lostAcked = ops.filter((o) => o.type === 'ok' && !committedOps.has(o.opId)).map((o) => o.opId);
    const failedButCommitted = ops.filter((o) => o.type === 'fail' && committedOps.has(o.opId)).map((o) => o.opId);
    const info = ops.filter((o) => o.type === 'info');
    const anomalies: Anomaly[] = [];
    if (lostAcked.length > 0) {
      anomalies.push({
        kind: 'lost',
        eventIds: [],
        detail: `${lostAcked.length} write(s) acknowledged as committed are not in the database (ops ${sample(lostAcked, 5).join(', ')})`,
      });
    }
    if (failedButCommitted.length > 0) {
      anomalies.push({
        kind: 'phantom',
        eventIds: [],
        detail: `${failedButCommitted.length} write(s) reported as failed did commit (ops ${sample(failedButCommitted, 5).join(', ')})`,
      });
    }
    return {
      checker: 'acknowledged-writes',
      valid: anomalies.length === 0,
      anomalies,
      stats: {
        opsOk: ops.filter((o) => o.type === 'ok').length,
        opsFailed: ops.filter((o) => o.type === 'fail').length,
        opsIndeterminate: info.length,
        indeterminateCommitted: info.filter((o) => committedOps.has(o.opId)).length,
      },
    };
  },
};
