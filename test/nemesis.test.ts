// Every fault of the nemesis against the real stack: it takes effect, heal() undoes it, and the
// SUT then delivers everything it was given.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LINK_NAMES } from '../harness/infra/links.ts';
import { processTree } from '../harness/infra/processes.ts';
import { FAULTS, type FaultContext } from '../harness/nemesis/index.ts';
import { useReferenceStack, waitFor, type ReferenceRun } from './reference/support.ts';

const ctx = useReferenceStack();

function procState(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

async function proxiesHealthy(): Promise<boolean> {
  const states = await Promise.all(LINK_NAMES.map((link) => ctx.stack.link(link).state()));
  return states.every((s) => s.enabled && s.toxics.length === 0);
}

/** Each fault with parameters, and what must be true while it is active. */
const CASES: { fault: string; params: unknown; active: (r: ReferenceRun) => Promise<void> }[] = [
  {
    fault: 'partition',
    params: { link: 'relay-kafka' },
    active: async () => expect((await ctx.stack.link('relay-kafka').state()).enabled).toBe(false),
  },
  {
    fault: 'toxic',
    params: {
      link: 'consumer-pg',
      toxic: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 300, jitter: 0 },
    },
    active: async () =>
      expect((await ctx.stack.link('consumer-pg').state()).toxics.map((t) => t.type)).toEqual(['latency']),
  },
  {
    fault: 'kill',
    params: { role: 'relay', replica: 1 },
    active: async (r) => expect(r.cluster.isRunning('relay-2')).toBe(false),
  },
  {
    fault: 'pause',
    params: { role: 'consumer', replica: 0 },
    // SIGSTOP takes effect asynchronously.
    active: (r) => waitFor(() => procState(r.cluster.pid('consumer-1')!) === 'T', 5_000, 'consumer-1 to stop'),
  },
  {
    fault: 'crash-point',
    params: { role: 'relay', replica: 0, point: 'relay.after-publish-before-mark', pass: 1 },
    active: async (r) => {
      // Two relays share the work, so keep writing until the armed one passes its point.
      const fired = () => /crash point relay.after-publish-before-mark fired/.test(r.log('relay-1'));
      await waitFor(
        async () => fired() || (await r.deposits(2, ['a', 'b']), fired()),
        30_000,
        'the armed crash point to fire',
      );
    },
  },
  { fault: 'kafka-restart', params: {}, active: async () => expect(ctx.stack.kafka.pid).toBeUndefined() },
  { fault: 'pg-restart', params: {}, active: async () => expect(ctx.stack.postgres.pid).toBeUndefined() },
  { fault: 'rebalance', params: {}, active: async (r) => expect(r.cluster.names('consumer')).toHaveLength(2) },
  {
    fault: 'service-pause',
    params: { service: 'postgres' },
    // The postmaster and every backend, which sit in process groups of their own, are stopped.
    active: () =>
      waitFor(
        () => processTree(ctx.stack.postgres.pid!).every((pid) => procState(pid) === 'T'),
        5_000,
        'PostgreSQL to stop',
      ),
  },
];

describe('nemesis faults take effect and heal', () => {
  it('covers every registered fault that runs on one broker', () => {
    // The faults that need peers (broker-down, broker-isolate, ...) are drawn on a three-broker
    // stack only: test/scenarios/brokers.test.ts runs them.
    const oneBroker = Object.keys(FAULTS).filter(
      (name) =>
        FAULTS[name]!.params({ def: ctx.def, roles: ['app', 'relay', 'consumer'], links: LINK_NAMES, brokers: 1 }) !==
        undefined,
    );
    expect(CASES.map((c) => c.fault).sort()).toEqual(oneBroker.sort());
  });

  for (const c of CASES) {
    it(`${c.fault}: ${FAULTS[c.fault]!.describe(c.params)}`, async () => {
      await ctx.withRun({ replicas: { relay: 2 }, restartCrashedAfterMs: 200 }, async (r) => {
        await r.deposits(4, ['a', 'b']);
        const faultContext: FaultContext = { stack: ctx.stack, cluster: r.cluster, def: ctx.def };
        const active = await FAULTS[c.fault]!.start(faultContext, c.params);
        await c.active(r);
        // A fault that acts once says when it has: the crash point, once its process died there.
        if (active.acted)
          await expect(
            Promise.race([
              active.acted.then(() => 'acted'),
              new Promise((done) => setTimeout(() => done('waiting'), 5_000)),
            ]),
          ).resolves.toBe('acted');
        await active.heal();
        await active.heal(); // healing twice is harmless

        expect(await proxiesHealthy()).toBe(true);
        expect(ctx.stack.kafka.pid).toBeDefined();
        expect(ctx.stack.postgres.pid).toBeDefined();
        for (const pid of [ctx.stack.postgres.pid!, ctx.stack.kafka.pid!])
          await waitFor(() => procState(pid) !== 'T', 5_000, `pid ${pid} to run again`);
        await waitFor(
          () => ['relay-1', 'relay-2', 'consumer-1'].every((n) => r.cluster.isRunning(n)),
          15_000,
          'every process to run',
        );
        for (const name of ['relay-1', 'relay-2', 'consumer-1']) expect(procState(r.cluster.pid(name)!)).not.toBe('T');

        await r.deposits(4, ['a', 'b']);
        const { verdict } = await r.finish();
        expect(verdict.anomalies).toEqual([]);
        expect(verdict.valid).toBe(true);
      });
    });
  }
});
