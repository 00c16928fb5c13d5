import fc from 'fast-check';
import { brokerLane, needsCluster, onKafka } from '../kafka-cluster.ts';
import { healOnce, type FaultKind } from '../types.ts';
import { brokerTargetArb, describeBrokerTarget, resolveBroker, type BrokerTarget } from './broker-down.ts';

/**
 * One broker cut off from the other two, both ways, controller and replication traffic alike,
 * while the SUT's clients still reach it through their links: it keeps taking requests until the
 * controller fences it and its ISR membership goes, and a new leader is elected on the other side.
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
    const heal = healOnce(async () => {
      // Every cut is tried even when one fails, so one bad proxy does not leave the rest cut.
      const failed = (await Promise.allSettled(cuts.map((cut) => cut.enable()))).filter(
        (r): r is PromiseRejectedResult => r.status === 'rejected',
      );
      if (failed.length) throw failed[0]!.reason;
    });
    try {
      for (const cut of cuts) await cut.disable();
    } catch (err) {
      // Not started as far as the record goes, so nothing may stay cut.
      await heal().catch(() => {});
      throw err;
    }
    return {
      heal,
      affects: [brokerLane(id)],
      detail: () => `isolated ${why} from broker(s) ${peers.join(', ')}`,
    };
  },
};
