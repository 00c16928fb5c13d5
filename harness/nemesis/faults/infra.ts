import fc from 'fast-check';
import type { ServiceControl, Stack } from '../../infra/stack.ts';
import { KAFKA_EXCLUSIVE } from '../kafka-cluster.ts';
import { healOnce, type FaultKind, type FaultLane } from '../types.ts';

/** kill -9 of one piece of infrastructure; it comes back on the same data when the window ends. */
function serviceRestart(
  name: string,
  colour: string,
  label: string,
  lane: FaultLane<'service'>,
  service: (stack: Stack) => ServiceControl,
  exclusive?: string,
): FaultKind<Record<string, never>, 'service'> {
  return {
    name,
    colour,
    lane: 'service',
    ...(exclusive === undefined ? {} : { exclusive: () => exclusive }),
    params: () => fc.constant({}),
    describe: () => `kill -9 ${label}`,
    async start(ctx) {
      const target = service(ctx.stack);
      await target.crash();
      return {
        heal: healOnce(() => target.restart()),
        affects: [lane],
      };
    },
  };
}

/** The Kafka broker; acknowledged messages must survive. */
export const kafkaRestart = serviceRestart(
  'kafka-restart',
  '#1f77b4',
  'Kafka',
  'service:kafka',
  (stack) => stack.kafka,
  KAFKA_EXCLUSIVE,
);

/** PostgreSQL, postmaster and backends; crash recovery runs from the WAL. */
export const pgRestart = serviceRestart(
  'pg-restart',
  '#17becf',
  'PostgreSQL',
  'service:postgres',
  (stack) => stack.postgres,
);

/** A consumer joins the group for the window, then leaves: two rebalances. */
export const rebalance: FaultKind<Record<string, never>, 'process'> = {
  name: 'rebalance',
  colour: '#bcbd22',
  lane: 'process',
  repeatable: true,
  params: () => fc.constant({}),
  describe: () => 'an extra consumer joins, then leaves',
  async start(ctx) {
    const name = await ctx.cluster.addReplica('consumer');
    return {
      heal: healOnce(() => ctx.cluster.stop(name)),
      affects: [`process:${name}`],
    };
  },
};
