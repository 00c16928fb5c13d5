import fc from 'fast-check';
import { describePartition, needsCluster, partitionState, requireRun, onKafka } from '../kafka-cluster.ts';
import { healOnce, type FaultKind } from '../types.ts';

export interface SlowFollowerParams {
  /** The partition, modulo how many the run has. */
  readonly partition: number;
  /** Which of its followers, modulo how many it has. */
  readonly follower: number;
  readonly latencyMs: number;
  readonly jitterMs: number;
}

/**
 * Latency on one replication link: a follower of a partition the run uses gets the leader's fetch
 * answers late. acks=all writes wait for it, and past replica.lag.time.max.ms it drops out of the
 * ISR, so the partition runs on the other two replicas until it catches up.
 */
export const slowFollower: FaultKind<SlowFollowerParams, 'link'> = {
  name: 'slow-follower',
  colour: '#8c6d31',
  lane: 'link',
  repeatable: false,
  exclusive: onKafka,
  params: (limits) =>
    needsCluster(limits.brokers)
      ? fc.record({
          partition: fc.integer({ min: 0, max: 3 }),
          follower: fc.integer({ min: 0, max: 1 }),
          latencyMs: fc.integer({ min: 100, max: 3_000 }),
          jitterMs: fc.integer({ min: 0, max: 200 }),
        })
      : undefined,
  describe: (p) => `${p.latencyMs} ms latency on follower #${p.follower} of partition ${p.partition}`,
  async start(ctx, p) {
    const state = await partitionState(ctx.stack, requireRun(ctx), p.partition);
    const followers = state.replicas.filter((r) => r !== state.leader);
    if (state.leader < 0 || followers.length === 0)
      throw new Error(`${describePartition(state)} has no leader or no follower now`);
    const follower = followers[p.follower % followers.length]!;
    const link = ctx.stack.peer(follower, state.leader, ['replication']);
    const toxic = await link.addToxic({
      type: 'latency',
      stream: 'downstream',
      attributes: { latency: p.latencyMs, jitter: p.jitterMs },
    });
    return {
      heal: healOnce(() => link.removeToxic(toxic)),
      affects: [`link:replication kafka-${follower}->kafka-${state.leader}`],
      detail: () =>
        `broker ${follower} fetches ${describePartition(state)} from leader ${state.leader} ${p.latencyMs} ms late`,
    };
  },
};
