import fc from 'fast-check';
import type { FaultKind } from '../types.ts';

/** kill -9 of the Kafka broker; it comes back on the same data when the window ends. */
export const kafkaRestart: FaultKind<Record<string, never>> = {
  name: 'kafka-restart',
  params: () => fc.constant({}),
  describe: () => 'kill -9 Kafka',
  async start(ctx) {
    await ctx.stack.kafka.crash();
    let healed = false;
    return {
      heal: async () => {
        if (healed) return;
        healed = true;
        await ctx.stack.kafka.restart();
      },
    };
  },
};

/** kill -9 of PostgreSQL (postmaster and backends); crash recovery runs when the window ends. */
export const pgRestart: FaultKind<Record<string, never>> = {
  name: 'pg-restart',
  params: () => fc.constant({}),
  describe: () => 'kill -9 PostgreSQL',
  async start(ctx) {
    await ctx.stack.postgres.crash();
    let healed = false;
    return {
      heal: async () => {
        if (healed) return;
        healed = true;
        await ctx.stack.postgres.restart();
      },
    };
  },
};

/** A consumer joins the group for the window, then leaves: two rebalances. */
export const rebalance: FaultKind<Record<string, never>> = {
  name: 'rebalance',
  params: () => fc.constant({}),
  describe: () => 'an extra consumer joins, then leaves',
  async start(ctx) {
    const name = await ctx.cluster.addReplica('consumer');
    let healed = false;
    return {
      heal: async () => {
        if (healed) return;
        healed = true;
        await ctx.cluster.stop(name);
      },
    };
  },
};
