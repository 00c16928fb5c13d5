import fc from 'fast-check';
import {
  broker,
  brokerLane,
  describePartition,
  enableAll,
  needsCluster,
  partitionState,
  requireRun,
  onKafka,
} from '../kafka-cluster.ts';
import { healOnce, type FaultKind } from '../types.ts';

export interface BrokerTarget {
  /** leader: the broker leading one of the run's partitions at fault time; broker: a fixed one. */
  readonly target: 'leader' | 'broker';
  /** The partition (leader) or the broker (broker), modulo how many there are. */
  readonly index: number;
}

export interface BrokerDownParams extends BrokerTarget {
  /** kill: kill -9, restarted on its data at the heal; pause: SIGSTOP, SIGCONT at the heal. */
  readonly mode: 'kill' | 'pause';
}

export const brokerTargetArb: fc.Arbitrary<BrokerTarget> = fc.oneof(
  // Mostly a leader: that is where acknowledged but unreplicated writes live.
  {
    weight: 3,
    arbitrary: fc.record({ target: fc.constant('leader' as const), index: fc.integer({ min: 0, max: 3 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ target: fc.constant('broker' as const), index: fc.integer({ min: 0, max: 2 }) }),
  },
);

export const describeBrokerTarget = (p: BrokerTarget) =>
  p.target === 'leader' ? `the leader of partition ${p.index}` : `broker #${p.index}`;

/** Which broker a target names now, and what it leads when it was chosen as a leader. */
export async function resolveBroker(
  ctx: Parameters<FaultKind['start']>[0],
  p: BrokerTarget,
): Promise<{ id: number; why: string }> {
  if (p.target === 'broker') {
    const ids = ctx.stack.brokers.map((b) => b.id);
    const id = ids[p.index % ids.length]!;
    return { id, why: `broker ${id}` };
  }
  const state = await partitionState(ctx.stack, requireRun(ctx), p.index);
  if (state.leader < 0) throw new Error(`${describePartition(state)} has no leader now`);
  return { id: state.leader, why: `broker ${state.leader}, leader of ${describePartition(state)}` };
}

/**
 * How long the broker's followers stop fetching from it before it dies. A follower fetches what
 * the leader appends within milliseconds, so a kill at a random moment almost never finds a write
 * that only the leader holds, and acks=1 passed every kill; with the followers cut first, the last
 * second of writes exists only on the leader when it dies. It stays below replica.lag.time.max.ms
 * (2 s on a cluster, see kafka-config.ts), so the followers are still in the ISR and the election
 * that follows is a clean one: whatever is lost was acknowledged by the leader alone.
 */
export const FOLLOWERS_CUT_MS = 1_000;

/**
 * Leader failover: one broker of the cluster dies (kill -9) or freezes (SIGSTOP), most often the
 * current leader of a partition the run writes to, so leadership moves to another in-sync replica.
 * Its followers stop fetching from it a moment before (FOLLOWERS_CUT_MS), as when a leader's
 * network goes before its process: a producer that took the old leader's word for a write it had
 * not replicated (acks=1) loses it, one that waits for the in-sync replicas (acks=all) is never told
 * the write succeeded, and retries it.
 */
export const brokerDown: FaultKind<BrokerDownParams, 'service'> = {
  name: 'broker-down',
  colour: '#393b79',
  lane: 'service',
  repeatable: true,
  exclusive: onKafka,
  params: (limits) =>
    needsCluster(limits.brokers)
      ? fc
          .tuple(
            brokerTargetArb,
            fc.oneof(
              { weight: 2, arbitrary: fc.constant('kill' as const) },
              { weight: 1, arbitrary: fc.constant('pause' as const) },
            ),
          )
          .map(([t, mode]) => ({ ...t, mode }))
      : undefined,
  describe: (p) => `${p.mode === 'kill' ? 'kill -9' : 'pause'} ${describeBrokerTarget(p)}`,
  async start(ctx, p) {
    const { id, why } = await resolveBroker(ctx, p);
    const control = broker(ctx.stack, id).control;
    const cuts = ctx.stack.brokers.filter((b) => b.id !== id).map((b) => ctx.stack.peer(b.id, id, ['replication']));
    const restore = () => enableAll(cuts);
    try {
      for (const cut of cuts) await cut.disable();
      await new Promise((r) => setTimeout(r, FOLLOWERS_CUT_MS));
      if (p.mode === 'kill') await control.crash();
      else await control.pause();
    } catch (err) {
      // Not started as far as the record goes, so nothing may stay cut.
      await restore().catch(() => {});
      throw err;
    }
    // The broker is dead or frozen now: its links come back at once. From here on nothing throws (the
    // broker is down, so the fault has started); a link that would not come back is tried again at the heal.
    await restore().catch(() => {});
    return {
      heal: healOnce(async () => {
        try {
          await restore();
        } finally {
          await (p.mode === 'kill' ? control.restart() : control.resume());
        }
      }),
      affects: [brokerLane(id)],
      detail: () =>
        `${p.mode === 'kill' ? 'killed' : 'paused'} ${why}, ${FOLLOWERS_CUT_MS} ms after its followers stopped fetching from it`,
    };
  },
};
