import fc from 'fast-check';
import { brokerLane, needsCluster } from '../kafka-cluster.ts';
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
  params: (limits) => (needsCluster(limits.brokers) ? fc.noBias(brokerTargetArb) : undefined),
  describe: (p) => `isolate ${describeBrokerTarget(p)} from its peers`,
  async start(ctx, p) {
    const { id, why } = await resolveBroker(ctx, p);
    const peers = ctx.stack.brokers.map((b) => b.id).filter((b) => b !== id);
    const cuts = peers.flatMap((other) => [ctx.stack.peer(id, other), ctx.stack.peer(other, id)]);
    for (const cut of cuts) await cut.disable();
    return {
      heal: healOnce(async () => {
        for (const cut of cuts) await cut.enable();
      }),
      affects: [brokerLane(id)],
      detail: () => `isolated ${why} from broker(s) ${peers.join(', ')}`,
    };
  },
};
