import fc from 'fast-check';
import { describeError } from '../../common/errors.ts';
import { withKafkaAdmin } from '../../infra/kafka-client.ts';
import type { RunEnv, Stack } from '../../infra/stack.ts';
import { brokerLane, enableAll, needsCluster, onKafka } from '../kafka-cluster.ts';
import { healOnce, type FaultKind } from '../types.ts';
import { brokerTargetArb, describeBrokerTarget, resolveBroker, type BrokerTarget } from './broker-down.ts';

/** How long an isolation waits for the other brokers to elect new leaders for what it led. */
const FAILOVER_WAIT_MS = 20_000;

/**
 * Holds until no partition of the run is led by the isolated broker, as the other brokers see it
 * (the isolated one's own metadata is stale). Returns how long that took, or why it was not seen.
 */
async function failover(stack: Stack, run: RunEnv, id: number): Promise<string> {
  const others = stack.brokers.filter((b) => b.id !== id).map((b) => `${b.direct.host}:${b.direct.port}`);
  const started = Date.now();
  let last = 'no answer';
  while (Date.now() - started < FAILOVER_WAIT_MS) {
    try {
      const led = await withKafkaAdmin(others, 'outbox-chaos-nemesis', async (admin) => {
        const meta = await admin.fetchTopicMetadata({ topics: [run.topic] });
        return meta.topics[0]!.partitions.filter((p) => p.leader === id).map((p) => p.partitionId);
      });
      if (led.length === 0) return `its partitions had new leaders after ${Date.now() - started} ms`;
      last = `still leading partition(s) ${led.join(', ')}`;
    } catch (err) {
      last = describeError(err);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return `no new leaders seen within ${FAILOVER_WAIT_MS / 1000} s (${last})`;
}

/**
 * One broker cut off from the other two, both ways, controller and replication traffic alike,
 * while the SUT's clients still reach it through their links: it keeps taking requests until the
 * controller fences it and its ISR membership goes, and a new leader is elected on the other side.
 * That takes a few seconds (the broker session timeout, then the election), longer than most fault
 * windows and than any cycle's down time: an isolation healed before then moved no leader, and a
 * producer with acks=1 lost nothing. So the isolation holds until the others have replaced it as
 * leader of the run's partitions; what it acknowledged meanwhile is on it alone, and is truncated
 * when it rejoins.
 */
export const brokerIsolate: FaultKind<BrokerTarget, 'service'> = {
  name: 'broker-isolate',
  colour: '#637939',
  lane: 'service',
  repeatable: true,
  exclusive: onKafka,
  params: (limits) => (needsCluster(limits.brokers) ? fc.noBias(brokerTargetArb) : undefined),
  describe: (p) => `isolate ${describeBrokerTarget(p)} from its peers`,
  async start(ctx, p) {
    const { id, why } = await resolveBroker(ctx, p);
    const peers = ctx.stack.brokers.map((b) => b.id).filter((b) => b !== id);
    const cuts = peers.flatMap((other) => [ctx.stack.peer(id, other), ctx.stack.peer(other, id)]);
    const heal = healOnce(() => enableAll(cuts));
    try {
      for (const cut of cuts) await cut.disable();
    } catch (err) {
      // Not started as far as the record goes, so nothing may stay cut.
      await heal().catch(() => {});
      throw err;
    }
    // Once cut, the fault has started: the wait only reports, it never throws.
    const moved = ctx.run ? await failover(ctx.stack, ctx.run, id) : undefined;
    return {
      heal,
      affects: [brokerLane(id)],
      detail: () => `isolated ${why} from broker(s) ${peers.join(', ')}${moved ? `; ${moved}` : ''}`,
    };
  },
};
